import { circuitBreaker, ConsecutiveBreaker, handleWhen, type CircuitBreakerPolicy } from 'cockatiel';
import type { BindingVerdict, Connector } from '../../connectors/contract.js';
import type { SourceCredential } from '../../connectors/credentials.js';
import type { Dataset } from '../catalogue/dataset.js';
import { sourceUnavailable } from '../errors.js';
import type { Logger } from '../logger.js';
import { keyFieldOf } from './read-plan.js';

/**
 * A failure that is the source's own: it did not answer, answered garbage, or broke the
 * connection. Only these count toward a source's circuit breaker; a client's bad value or
 * cancelled request never does, so no client can open the breaker for everyone.
 */
export class SourceFault extends Error {
  constructor(override readonly cause: unknown) {
    super('source fault');
    this.name = 'SourceFault';
  }
}

export interface PooledSource {
  connector: Connector;
  breaker: CircuitBreakerPolicy;
  /** The registry entry the binding uses now. */
  source: SourceCredential;
}

/** Decides whether a binding may reach its source; supplied by the composition root. */
export type BindingCheck = (binding: Dataset['connector'], department: string) => BindingVerdict;

export interface SourcePoolOptions {
  checkBinding: BindingCheck;
  timeoutMs: number;
  maxResponseBytes: number;
  breaker: { threshold: number; halfOpenAfterMs: number };
}

/**
 * One connector (with its pools) and one circuit breaker per dataset version. Every use checks
 * the binding against the credential registry as it is now, not only at registration.
 */
export class SourcePool {
  private readonly entries = new Map<string, PooledSource & { version: number }>();

  constructor(
    private readonly options: SourcePoolOptions,
    private readonly logger: Logger,
  ) {}

  get(dataset: Dataset): PooledSource {
    const verdict = this.options.checkBinding(dataset.connector, dataset.department);
    if (!verdict.source || !verdict.connect) {
      this.logger.warn({ dataset: dataset.id, faults: verdict.faults }, 'dataset binding refused by the credential registry');
      throw sourceUnavailable(`The source binding of ${dataset.id} is not allowed by the platform's credential registry; its publisher must correct it.`);
    }
    const cached = this.entries.get(dataset.id);
    if (cached && cached.version === dataset.version && cached.source === verdict.source) return cached;
    if (cached) void cached.connector.close();
    const connector = verdict.connect({
      fields: dataset.fields,
      keyField: keyFieldOf(dataset),
      timeoutMs: this.options.timeoutMs,
      maxResponseBytes: this.options.maxResponseBytes,
    });
    // After repeated source faults the source is left alone for a while instead of being hammered.
    const breaker = circuitBreaker(
      handleWhen((error) => error instanceof SourceFault),
      { halfOpenAfter: this.options.breaker.halfOpenAfterMs, breaker: new ConsecutiveBreaker(this.options.breaker.threshold) },
    );
    const entry = { version: dataset.version, source: verdict.source, connector, breaker };
    this.entries.set(dataset.id, entry);
    return entry;
  }

  async close(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => e.connector.close()));
    this.entries.clear();
  }
}
