import { getOperationAST, Kind, print, type DocumentNode, type FieldNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import type { Plugin, YogaLogger } from 'graphql-yoga';
import type { GatewayContext } from './context.js';
import { queryHash, redactText, type Logger } from '../logger.js';
import { isUnexpectedError, rootCause } from './error-masking.js';

const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const DATASET_ID = /^[a-z0-9][a-z0-9-]{0,62}\.[a-z0-9][a-z0-9-]{1,62}$/;
/** Arguments that name a dataset on the root fields of the API. */
const DATASET_ARGUMENTS = new Set(['dataset', 'datasetId']);

function fieldAt(selectionSet: SelectionSetNode | undefined, responseKey: string | number | undefined): FieldNode | undefined {
  if (!selectionSet || typeof responseKey !== 'string') return undefined;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD && (selection.alias?.value ?? selection.name.value) === responseKey) return selection;
  }
  return undefined;
}

/**
 * The dataset an error is about, when the operation says so plainly: the `dataset`/`datasetId`
 * (or a *Dataset field's `id`) argument of the root field, as a literal or a variable, or the
 * typed field under `data`. Only values shaped like a dataset id are logged.
 */
function datasetOf(operation: OperationDefinitionNode, variables: Readonly<Record<string, unknown>> | undefined, path: readonly (string | number)[]): string | undefined {
  const root = fieldAt(operation.selectionSet, path[0]);
  if (!root) return undefined;
  if (root.name.value === 'data') {
    const typed = fieldAt(root.selectionSet, path[1]);
    return typed ? `data.${typed.name.value}` : undefined;
  }
  for (const argument of root.arguments ?? []) {
    const named = DATASET_ARGUMENTS.has(argument.name.value) || (argument.name.value === 'id' && /dataset/i.test(root.name.value));
    if (!named) continue;
    const value = argument.value.kind === Kind.STRING ? argument.value.value : argument.value.kind === Kind.VARIABLE ? variables?.[argument.value.name.value] : undefined;
    if (typeof value === 'string' && DATASET_ID.test(value)) return value;
  }
  return undefined;
}

function pathOf(error: unknown): readonly (string | number)[] | undefined {
  const path = error instanceof Error ? (error as { path?: unknown }).path : undefined;
  return Array.isArray(path) && path.every((p) => typeof p === 'string' || typeof p === 'number') ? path : undefined;
}

function documentText(document: DocumentNode): string {
  return document.loc?.source.body ?? print(document);
}

/**
 * Logs each error of an execution once, where the operation is known: its name, the dataset
 * if plain, the field path and a hash of the document (sha256 of its text) in place of the
 * text, whose literals may be personal data. Unexpected errors (those masking hides) at error
 * level, the client's own at debug. The error itself goes through the logger's redacting
 * serializer. Logged errors are added to `logged`, so that masking and yoga, which run after
 * and know none of this, do not log them again.
 */
export function useErrorLog(logged: WeakSet<object>): Plugin<GatewayContext> {
  return {
    onExecute({ args }) {
      return {
        onExecuteDone({ result }) {
          if (!('errors' in result) || !result.errors?.length) return;
          const operation = getOperationAST(args.document, args.operationName);
          const name = operation?.name?.value;
          const { principal } = args.contextValue;
          const log: Logger = args.contextValue.log.child({ principal: principal.id, dept: principal.department });
          let hash: string | undefined;
          const errors: readonly unknown[] = result.errors;
          for (const error of errors) {
            const original = rootCause(error);
            if (!(original instanceof Object) || logged.has(original)) continue;
            logged.add(original);
            hash ??= queryHash(documentText(args.document));
            const path = pathOf(error);
            const dataset = operation && path ? datasetOf(operation, args.variableValues ?? undefined, path) : undefined;
            const fields = {
              err: original,
              operation: name && OPERATION_NAME.test(name) ? name : 'anonymous',
              ...(dataset ? { dataset } : {}),
              ...(path ? { path: path.map((p) => (typeof p === 'number' ? p : redactText(p))) } : {}),
              queryHash: hash,
            };
            if (isUnexpectedError(error)) log.error(fields, 'unexpected error while executing a GraphQL operation');
            else log.debug(fields, 'GraphQL operation error');
          }
        },
      };
    },
  };
}

/**
 * Yoga's own log lines, into our logger. Yoga logs every error it masks, and `String(error)`
 * would print a GraphQL error's source (the query and its literals): errors go to the redacting
 * serializer, at debug level (masking logs the unexpected ones at error level) and once (see
 * `logged`); strings are yoga's fixed phrases; anything else is dropped.
 */
export function yogaLogging(logger: Logger, logged: WeakSet<object>): YogaLogger {
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...args: unknown[]): void => {
      const text = args
        .filter((a): a is string => typeof a === 'string')
        .map(redactText)
        .join(' ');
      const error = args.find((a): a is Error => a instanceof Error);
      if (!error) {
        if (text) logger[level](text);
        return;
      }
      const original = rootCause(error);
      const key = original instanceof Object ? original : error;
      if (logged.has(key)) return;
      logged.add(key);
      logger.debug({ err: error }, text || 'GraphQL request error');
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
