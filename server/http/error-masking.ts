import { GraphQLError } from 'graphql';
import { errorExtensions, toAppError, type AppError, type ErrorCode } from '../errors.js';
import { queryHash, type Logger } from '../logger.js';

/** The codes of API.md: a GraphQL error already carrying one of these was made on purpose. */
const API_CODES: ReadonlySet<string> = new Set<ErrorCode>(['UNAUTHENTICATED', 'FORBIDDEN', 'BAD_USER_INPUT', 'NOT_FOUND', 'CONFLICT', 'SOURCE_UNAVAILABLE', 'QUOTA_EXCEEDED']);

/**
 * The GraphQL form of a domain error: its code, details and HTTP status in `extensions`, nothing
 * else. An error at a path may travel with partial data, so only authentication changes the
 * status there; an error before execution (no path) is the whole answer and sets its status.
 */
export function toGraphQLError(error: AppError, from?: GraphQLError): GraphQLError {
  const extensions: Record<string, unknown> = errorExtensions(error);
  if (error.code === 'UNAUTHENTICATED' || !from?.path) extensions['http'] = { status: error.status };
  return new GraphQLError(error.message, {
    ...(from?.nodes ? { nodes: from.nodes } : {}),
    ...(from?.path ? { path: from.path } : {}),
    extensions,
  });
}

/**
 * An error raised before execution (parse, validation, variables, the request itself) is about
 * the client's request: BAD_USER_INPUT (or the API code it was given) with graphql-js' or yoga's
 * message, which names the variable or field at fault. Only whitelisted extensions survive: yoga
 * adds `originalError` (with the parser's message) to an invalid JSON body, for one.
 */
function requestError(error: GraphQLError): GraphQLError {
  const given = error.extensions['code'];
  const code = typeof given === 'string' && API_CODES.has(given) ? given : 'BAD_USER_INPUT';
  const extensions: Record<string, unknown> = { code };
  const details = error.extensions['details'];
  if (Array.isArray(details)) extensions['details'] = details;
  const http = error.extensions['http'];
  const status = http && typeof http === 'object' ? (http as { status?: unknown }).status : undefined;
  extensions['http'] = { status: typeof status === 'number' && status >= 400 && status < 500 ? status : code === 'UNAUTHENTICATED' ? 401 : 400 };
  return new GraphQLError(error.message, { ...(error.nodes ? { nodes: error.nodes } : {}), extensions });
}

/**
 * Whether masking hides this error: anything that is neither a domain error, nor a request
 * error (no path), nor a GraphQL error made with an API code. Exported so that the error log,
 * which knows the operation, logs exactly the errors masked here.
 */
export function isUnexpectedError(error: unknown): boolean {
  const original = rootCause(error);
  if (toAppError(original)) return false;
  if (!isGraphQLErrorLike(error)) return true;
  if (!error.path) return error.extensions['unexpected'] === true;
  const code = error.extensions['code'];
  return !(original === error && typeof code === 'string' && API_CODES.has(code));
}

/**
 * Masks everything that is not an expected, typed error: clients see "Unexpected error." (and
 * the x-request-id header to quote), the log gets the redacted error, once: errors in `logged`
 * were already logged, with their operation, by the error-log plugin.
 */
export function createMaskError(logger: Logger, logged: WeakSet<object> = new WeakSet()) {
  return (error: unknown): GraphQLError => {
    const original = rootCause(error);
    const located = isGraphQLErrorLike(error) ? error : undefined;
    const known = toAppError(original);
    if (known) return toGraphQLError(known, located);
    if (located && !isUnexpectedError(located)) {
      if (!located.path) return requestError(located);
      return new GraphQLError(located.message, {
        ...(located.nodes ? { nodes: located.nodes } : {}),
        path: located.path,
        extensions: { code: located.extensions['code'] },
      });
    }
    if (!(original instanceof Object && logged.has(original))) {
      if (original instanceof Object) logged.add(original);
      const source = located?.source?.body;
      logger.error({ err: original, ...(source ? { queryHash: queryHash(source) } : {}) }, 'unexpected error while handling a GraphQL request');
    }
    return new GraphQLError('Unexpected error.', {
      ...(located?.path ? { path: located.path } : {}),
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  };
}

/**
 * graphql-js and yoga may wrap an error more than once; the first non-wrapper is what was thrown.
 * Checked by shape, not instanceof: graphql's CommonJS and ES builds can both be loaded.
 */
export function rootCause(error: unknown): unknown {
  let current = error;
  while (isGraphQLErrorLike(current) && current.originalError) current = current.originalError;
  return current;
}

function isGraphQLErrorLike(error: unknown): error is GraphQLError {
  return error instanceof Error && error.name === 'GraphQLError';
}
