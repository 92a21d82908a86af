import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * A query that does not fit the schema (unknown field, wrong argument type) is the client's
 * input at fault: the API calls that BAD_USER_INPUT, whatever code graphql-js or yoga would use.
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
                extensions: { ...error.extensions, code: 'BAD_USER_INPUT' },
              }),
          ),
        );
      };
    },
  };
}
