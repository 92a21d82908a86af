import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One registry per app, so tests with several apps in one process keep their figures apart.
 * Dataset ids name drafts nobody else may know of yet: source queries are counted per dataset
 * only when /metrics needs a token (`perDataset`), and as one total when it is open.
 */
export function createMetrics(sourceQueries: ReadonlyMap<string, number>, options: { perDataset: boolean }) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  if (options.perDataset) {
    new Gauge({
      name: 'source_queries_total',
      help: 'Queries sent to each dataset source since start',
      labelNames: ['dataset'] as const,
      registers: [registry],
      collect() {
        for (const [dataset, count] of sourceQueries) this.set({ dataset }, count);
      },
    });
  } else {
    new Gauge({
      name: 'source_queries_total',
      help: 'Queries sent to dataset sources since start (per dataset when METRICS_TOKEN is set)',
      registers: [registry],
      collect() {
        let total = 0;
        for (const count of sourceQueries.values()) total += count;
        this.set(total);
      },
    });
  }
  return {
    registry,
    httpRequests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    operations: new Counter({
      name: 'graphql_operations_total',
      help: 'GraphQL operations by operation name and outcome',
      labelNames: ['operation', 'type', 'outcome'] as const,
      registers: [registry],
    }),
    operationSeconds: new Histogram({
      name: 'graphql_operation_duration_seconds',
      help: 'GraphQL execution time by operation name',
      labelNames: ['operation', 'type'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
