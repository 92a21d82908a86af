import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * A query that does not fit the schema (unknown field, wrong argument type) or a limit of
 * graphql-armor is the client's input at fault: BAD_USER_INPUT with status 400, whatever code
 * graphql-js or yoga would use. Yoga returns validation errors without masking them, so the
 * extensions are rebuilt here rather than copied: nothing but the code reaches the client.
 */
export function useInputErrorCode(): Plugin {
  return {
    onValidate() {
      return ({ result, setResult }) => {
        if (result.length === 0) return;
        setResult(
          result.map(
            (error) =>
              new GraphQLError(error.message, {
                ...(error.nodes ? { nodes: error.nodes } : {}),
                ...(error.source ? { source: error.source } : {}),
                ...(error.positions ? { positions: error.positions } : {}),
                // spec: false, or yoga answers 200 to a JSON client (the GraphQL-over-HTTP legacy rule).
                extensions: { code: 'BAD_USER_INPUT', http: { status: 400, spec: false } },
              }),
          ),
        );
      };
    },
  };
}
