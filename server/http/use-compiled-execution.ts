import { createRequire } from 'node:module';
import { Kind, type DocumentNode, type ExecutionResult, type FieldNode, type GraphQLError as GraphQLErrorType, type GraphQLSchema } from 'graphql';
import type { CompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';

/**
 * graphql-jit is loaded as CommonJS, like the graphql build that yoga and the schema use: its
 * ES module build would bring the other graphql build, which refuses the schema's types.
 */
const require = createRequire(import.meta.url);
const { compileQuery, isCompiledQuery } = require('graphql-jit') as typeof import('graphql-jit');
const { GraphQLError, getOperationAST, getVariableValues, visit } = require('graphql') as typeof import('graphql');

/**
 * graphql-jit's errors carry their locations but not their field nodes, from which error masking
 * rebuilds every error: given back their nodes, they leave the gateway as interpreted ones do.
 */
function withNodes(document: DocumentNode, result: ExecutionResult): ExecutionResult {
  if (!result.errors?.some((e) => !e.nodes && e.locations?.length)) return result;
  const errors = result.errors.map((error): GraphQLErrorType => {
    if (error.nodes || !error.locations?.length) return error;
    const wanted = new Set(error.locations.map((l) => `${l.line}:${l.column}`));
    const nodes: FieldNode[] = [];
    visit(document, {
      Field(node) {
        if (node.loc && wanted.has(`${node.loc.startToken.line}:${node.loc.startToken.column}`)) nodes.push(node);
      },
    });
    return new GraphQLError(error.message, { nodes, ...(error.path ? { path: error.path } : {}), ...(error.originalError ? { originalError: error.originalError } : {}), extensions: error.extensions });
  });
  return { ...result, errors };
}

/** Documents remembered per schema; a rebuilt schema starts afresh, so nothing compiled against an old one runs. */
type Compiled = Map<DocumentNode, CompiledQuery | null>;

/** Compiled documents kept per schema (a compiled query weighs far more than its document); past it the oldest go. */
const MAX_COMPILED = 500;

/** Whether the only operation of the document asks for the typed `data` fields. */
function isQuery(document: DocumentNode): boolean {
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operations.length === 1 ? operations[0] : undefined;
  return operation?.kind === Kind.OPERATION_DEFINITION && operation.operation === 'query';
}

/**
 * Compiled execution (graphql-jit) for queries: a page of 1,000 rows is 10,000 field completions
 * that graphql-js would each resolve through its generic machinery, and a catalogue search page
 * with its facets is hundreds (compiled, a search at 16 clients went from 1,000 to 1,400 req/s).
 * Mutations stay interpreted: they are rare and run their fields in order. A document is compiled the second time it runs on a schema (yoga's parser cache
 * hands back the same document for the same text), so one-off documents never pay for a
 * compilation and a client cannot make every request compile. Validation, limits and every
 * other plugin run as before; only execution changes.
 */
export function useCompiledExecution(): Plugin {
  const bySchema = new WeakMap<GraphQLSchema, Compiled>();
  const seenOnce = new WeakMap<GraphQLSchema, WeakSet<DocumentNode>>();
  return {
    onExecute({ args, setExecuteFn }) {
      const { schema, document } = args;
      let compiled = bySchema.get(schema);
      if (!compiled) {
        compiled = new Map();
        bySchema.set(schema, compiled);
        seenOnce.set(schema, new WeakSet());
      }
      let entry = compiled.get(document);
      if (entry === undefined) {
        const seen = seenOnce.get(schema)!;
        if (!seen.has(document)) {
          seen.add(document);
          return;
        }
        const result = isQuery(document) ? compileQuery(schema, document, args.operationName ?? undefined) : null;
        entry = result && isCompiledQuery(result) ? result : null;
        if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
        compiled.set(document, entry);
      }
      const query = entry?.query;
      if (!query) return;
      // graphql-jit words variable errors its own way (naming inner variables the query does not
      // have, without locations): when the variables do not fit, graphql-js runs and answers.
      const operation = getOperationAST(document, args.operationName ?? undefined);
      if (operation?.variableDefinitions?.length && getVariableValues(schema, operation.variableDefinitions, args.variableValues ?? {}).errors) return;
      setExecuteFn((a) => {
        const result = query(a.rootValue, a.contextValue, a.variableValues);
        return result instanceof Promise ? result.then((r) => withNodes(document, r)) : withNodes(document, result);
      });
    },
  };
}
