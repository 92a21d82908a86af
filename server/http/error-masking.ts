import { GraphQLError } from 'graphql';
import { isAppError, type AppError } from '../errors.js';
import type { Logger } from '../logger.js';

/** The GraphQL form of a domain error: its code, details and HTTP status in `extensions`. */
export function toGraphQLError(error: AppError, from?: GraphQLError): GraphQLError {
  const extensions: Record<string, unknown> = { code: error.code };
  if (error.details) extensions['details'] = error.details;
  // Only authentication failures change the HTTP status: other errors may travel with partial data.
  if (error.code === 'UNAUTHENTICATED') extensions['http'] = { status: 401 };
  return new GraphQLError(error.message, {
    ...(from?.nodes ? { nodes: from.nodes } : {}),
    ...(from?.path ? { path: from.path } : {}),
    extensions,
  });
}

/** graphql-js and yoga's own codes for a malformed request; the API calls all of them BAD_USER_INPUT. */
const CLIENT_INPUT_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST']);

/**
 * Masks everything that is not an expected, typed error: clients see "Unexpected error." and a
 * request id to quote, the log gets the stack. Validation, parse and limit errors from graphql-js
 * and graphql-armor are about the client's input and are reported as BAD_USER_INPUT.
 */
export function createMaskError(logger: Logger) {
  return (error: unknown): Error => {
    const original = rootCause(error);
    if (isAppError(original)) return toGraphQLError(original, isGraphQLErrorLike(error) ? error : undefined);
    if (isGraphQLErrorLike(error) && original === error) {
      const code = error.extensions['code'];
      if (typeof code === 'string' && !CLIENT_INPUT_CODES.has(code)) return error;
      return new GraphQLError(error.message, {
        ...(error.nodes ? { nodes: error.nodes } : {}),
        ...(error.path ? { path: error.path } : {}),
        extensions: { ...error.extensions, code: 'BAD_USER_INPUT' },
      });
    }
    logger.error({ err: original }, 'unexpected error while handling a GraphQL request');
    return new GraphQLError('Unexpected error.', {
      ...(isGraphQLErrorLike(error) && error.path ? { path: error.path } : {}),
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  };
}

/**
 * graphql-js and yoga may wrap an error more than once; the first non-wrapper is what was thrown.
 * Checked by shape, not instanceof: graphql's CommonJS and ES builds can both be loaded.
 */
function rootCause(error: unknown): unknown {
  let current = error;
  while (isGraphQLErrorLike(current) && current.originalError) current = current.originalError;
  return current;
}

function isGraphQLErrorLike(error: unknown): error is GraphQLError {
  return error instanceof Error && error.name === 'GraphQLError';
}
