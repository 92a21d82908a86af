import { setTimeout as delay } from 'node:timers/promises';
import { SourceRequestError } from '../errors.js';

/**
 * How the SQL connectors run one statement so that giving up (the caller aborts, or the source
 * timeout passes) stops the work on the source too, not only in the gateway: a destroyed socket
 * alone leaves the server running the statement, sometimes for minutes.
 */
export interface StoppableRun<C, R> {
  /** Takes a connection from the pool. */
  acquire(): Promise<C>;
  /** Gives back a connection that is idle and healthy. */
  release(connection: C): void;
  execute(connection: C): Promise<R>;
  /**
   * Stops the statement on the server, waits (bounded) for it to end, then discards the
   * connection. Never throws. The pool slot stays taken until then, so the pool size keeps
   * bounding the statements the gateway has running on the source.
   */
  stop(connection: C, running: Promise<R>): Promise<void>;
  /** The caller's signal; the run also gives up after `timeoutMs`. */
  signal: AbortSignal;
  timeoutMs: number;
}

export async function runStoppable<C, R>(run: StoppableRun<C, R>): Promise<R> {
  run.signal.throwIfAborted();
  const deadline = withTimeout(run.signal, run.timeoutMs);
  const signal = deadline.signal;
  try {
    // Waiting for a pool slot is given up too: a client's abort must not wait for other clients' statements.
    const connection = await untilAborted(run.acquire(), signal, (late) => run.release(late));
    let settled = false;
    const running = run.execute(connection);
    running.then(
      () => (settled = true),
      () => (settled = true),
    );
    try {
      return await untilAborted(running, signal);
    } finally {
      if (settled) run.release(connection);
      else void run.stop(connection, running);
    }
  } finally {
    deadline.dispose();
  }
}

/** `work`, or the signal's reason as soon as it aborts; a value that arrives too late is handed to `late`. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal, late?: (value: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) late?.(value);
        else resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Resolves when `running` has settled or `ms` have passed, whichever is first; never rejects. */
export function settledWithin(running: Promise<unknown>, ms: number): Promise<void> {
  const ended = running.then(
    () => undefined,
    () => undefined,
  );
  return Promise.race([ended, delay(ms, undefined, { ref: false })]);
}

/**
 * The caller's signal, or the source timeout, whichever comes first, until disposed. Not
 * AbortSignal.any with AbortSignal.timeout: that timer cannot be cleared, so every statement
 * left one behind that later fired, built a DOMException and dispatched an event (4 % of the
 * gateway's CPU on reads by key).
 */
function withTimeout(outer: AbortSignal, timeoutMs: number): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onAbort = () => controller.abort(outer.reason);
  outer.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => controller.abort(new DOMException('The source timeout passed.', 'TimeoutError')), timeoutMs);
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      outer.removeEventListener('abort', onAbort);
    },
  };
}

/** What kind of value the source refused; the value itself is never named (no user data in messages or logs). */
export type RefusedValue = 'invalid date or time' | 'number out of range' | 'value not of the column type' | 'text the source cannot store' | 'text too long' | 'invalid value';

export function refusedValue(kind: RefusedValue): SourceRequestError {
  return new SourceRequestError(`the source refused a value of the request (${kind})`);
}
