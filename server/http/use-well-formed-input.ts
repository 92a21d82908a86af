import { BREAK, GraphQLError, getLocation, visit, type DocumentNode, type StringValueNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { badInput } from '../errors.js';
import { toGraphQLError } from './error-masking.js';
import { ILL_FORMED_FAULT, inputFault, isWellFormedText } from '../well-formed.js';

function illFormed(fault: { path: string; message: string }, nodes?: StringValueNode): GraphQLError {
  const message = fault.message === ILL_FORMED_FAULT ? 'The request holds an ill-formed string.' : 'The request nests too deep.';
  const error = toGraphQLError(badInput(message, [fault]));
  return nodes ? new GraphQLError(error.message, { nodes, extensions: error.extensions }) : error;
}

/** The first string literal of the document that decodes to ill-formed text (escapes such as `\u0000`). */
function illFormedLiteral(document: DocumentNode): StringValueNode | null {
  let found: StringValueNode | null = null;
  visit(document, {
    StringValue(node) {
      if (isWellFormedText(node.value)) return undefined;
      found = node;
      return BREAK;
    },
  });
  return found;
}

/**
 * Refuses ill-formed strings, and input nested deeper than any operation needs, before anything
 * runs (GraphQL's variable coercion recurses, so a deep variable would overflow the stack).
 * Ill-formed strings: sources would store or compare them
 * differently (a lone surrogate has no UTF-8 form; NUL ends a C string), so one value could
 * pass a check in the gateway and mean something else at the source. Variables (keys too),
 * operationName, extensions and the query text are checked as they arrive; string literals
 * after parsing, since an escape in a well-formed query text can decode to NUL.
 */
export function useWellFormedInput(): Plugin {
  const checked = new WeakSet<DocumentNode>();
  return {
    onParams({ params, setResult }) {
      const fault =
        inputFault(params.query, 'query') ??
        inputFault(params.operationName, 'operationName') ??
        inputFault(params.variables, 'variables') ??
        inputFault(params.extensions, 'extensions');
      if (fault) setResult({ errors: [illFormed(fault)] });
    },
    onParse() {
      return ({ result, replaceParseResult }) => {
        // Parsed documents are cached and shared by requests: each is walked once.
        if (!result || result instanceof Error || checked.has(result)) return;
        const literal = illFormedLiteral(result);
        if (!literal) {
          checked.add(result);
          return;
        }
        const at = literal.loc ? getLocation(literal.loc.source, literal.loc.start) : undefined;
        replaceParseResult(illFormed({ path: at ? `query:${at.line}:${at.column}` : 'query', message: ILL_FORMED_FAULT }, literal));
      };
    },
  };
}
