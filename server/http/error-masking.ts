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

/**
 * Masks everything that is not an expected, typed error: clients see "Unexpected error." and a
 * request id to quote, the log gets the stack. Validation, parse and limit errors from graphql-js
 * and graphql-armor are about the client's input and are reported as BAD_USER_INPUT.
 */
export function createMaskError(logger: Logger) {
  return (error: unknown): Error => {
    const original = error instanceof GraphQLError ? error.originalError : error;
    if (isAppError(original)) return toGraphQLError(original, error instanceof GraphQLError ? error : undefined);
    if (error instanceof GraphQLError && !error.originalError) {
      if (error.extensions['code']) return error;
      return new GraphQLError(error.message, {
        ...(error.nodes ? { nodes: error.nodes } : {}),
        ...(error.path ? { path: error.path } : {}),
        extensions: { ...error.extensions, code: 'BAD_USER_INPUT' },
      });
    }
    if (error instanceof GraphQLError && isAppError(error.originalError)) return toGraphQLError(error.originalError, error);
    logger.error({ err: original }, 'unexpected error while handling a GraphQL request');
    return new GraphQLError('Unexpected error.', {
      ...(error instanceof GraphQLError && error.path ? { path: error.path } : {}),
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  };
}
