import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Metrics } from './metrics.js';

const MAX_OPERATION_LABELS = 200;

/**
 * Counts and times GraphQL operations by name. Names come from clients, so the number of
 * distinct labels is capped; later names are counted as "other" to keep the series bounded.
 */
export function useMetrics(metrics: Metrics): Plugin {
  const seen = new Set<string>();
  const label = (name: string | undefined): string => {
    const n = name && /^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name) ? name : 'anonymous';
    if (seen.has(n)) return n;
    if (seen.size >= MAX_OPERATION_LABELS) return 'other';
    seen.add(n);
    return n;
  };
  return {
    onExecute({ args }) {
      const op = getOperationAST(args.document, args.operationName);
      const operation = label(op?.name?.value);
      const type = op?.operation ?? 'unknown';
      const end = metrics.operationSeconds.startTimer({ operation, type });
      return {
        onExecuteDone({ result }) {
          end();
          const failed = 'errors' in result && Array.isArray(result.errors) && result.errors.length > 0;
          metrics.operations.inc({ operation, type, outcome: failed ? 'error' : 'ok' });
        },
      };
    },
  };
}
