import { ExponentialBackoff, handleAll, retry } from 'cockatiel';
import type { Logger } from '../logger.js';

export type Notify = (event: { type: string; [key: string]: unknown }) => void;

/**
 * Tells stewards of new requests and decisions without their polling: each event is POSTed as
 * JSON to the configured URL, retried with exponential back-off. Delivery runs after the change
 * is stored and never blocks or undoes it; an event that still fails is logged.
 */
export function webhookNotifier(url: string | undefined, logger: Logger, attempts = 5): Notify {
  if (!url) return () => undefined;
  const policy = retry(handleAll, { maxAttempts: attempts - 1, backoff: new ExponentialBackoff({ initialDelay: 200, maxDelay: 10_000 }) });
  return (event) => {
    void policy
      .execute(async () => {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ ...event, sentAt: new Date().toISOString() }),
          signal: AbortSignal.timeout(5000),
        });
        if (!response.ok) throw new Error(`webhook answered HTTP ${response.status}`);
      })
      .catch((error: unknown) => logger.warn({ event: event.type, err: error }, 'webhook delivery failed after retries'));
  };
}
