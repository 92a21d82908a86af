import type { SourceScope } from './scope.js';

/** A redirect to an allowed place is followed this many times per page, no more. */
export const MAX_REDIRECTS = 3;

/** A `next` link longer than this is not a cursor but an attack on memory or logs. */
const MAX_LINK_LENGTH = 4096;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** The source answered with an HTTP error status; 5xx are worth another try. */
export class HttpStatusError extends Error {
  constructor(readonly status: number) {
    super(`source answered HTTP ${status}`);
    this.name = 'HttpStatusError';
  }
}

/**
 * The connection failed or broke. Its message carries at most a system error code: undici's own
 * messages can hold the URL, and with it a token or password.
 */
export class SourceNetworkError extends Error {
  constructor(what: string, error: unknown) {
    const code = errorCode(error);
    super(code ? `${what} (${code})` : what);
    this.name = 'SourceNetworkError';
  }
}

/** The source answered something the connector will not use; worth no retry. */
export class SourceAnswerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SourceAnswerError';
  }
}

export interface Page {
  items: Record<string, unknown>[];
  /** The source's link to the following page, unresolved; null at the end. */
  next: string | null;
  /** Where the page was finally read (after redirects): `next` is relative to it. */
  url: URL;
}

/**
 * Reads one page: redirects followed only inside the scope, the body cut off as soon as it
 * passes `maxBytes`, and the answer checked to be `{ items: [objects], next?: string | null }`.
 * Nothing of the body ever goes into an error message.
 */
export async function readPage(url: URL, scope: SourceScope, maxBytes: number, signal: AbortSignal): Promise<Page> {
  const { response, url: finalUrl } = await fetchWithinScope(url, scope, signal);
  if (!response.ok) {
    await discard(response);
    throw new HttpStatusError(response.status);
  }
  const body = await readBody(response, maxBytes, signal);
  return { ...parsePage(body), url: finalUrl };
}

async function fetchWithinScope(url: URL, scope: SourceScope, signal: AbortSignal): Promise<{ response: Response; url: URL }> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (scope.authorization) headers['authorization'] = scope.authorization;
  let current = url;
  for (let redirects = 0; ; redirects += 1) {
    let response: Response;
    try {
      // Redirects are ours to judge: fetch would follow them to any host.
      response = await fetch(current, { signal, headers, redirect: 'manual' });
    } catch (error) {
      if (signal.aborted) throw error;
      throw new SourceNetworkError('source could not be reached', error);
    }
    if (!REDIRECT_STATUSES.has(response.status)) return { response, url: current };
    await discard(response);
    if (redirects >= MAX_REDIRECTS) throw new SourceAnswerError(`source redirected more than ${MAX_REDIRECTS} times`);
    const location = response.headers.get('location');
    const target = location === null || location.length > MAX_LINK_LENGTH ? null : scope.follow(location, current);
    if (!target) throw new SourceAnswerError('source redirected elsewhere (outside its origin and path prefix); the redirect was not followed');
    current = target;
  }
}

async function readBody(response: Response, maxBytes: number, signal: AbortSignal): Promise<Buffer> {
  const tooLarge = () => new SourceAnswerError(`source page larger than ${maxBytes} bytes`);
  // A compressed body's length says nothing certain about what it inflates to; that is counted below.
  const declared = response.headers.get('content-length');
  const encoded = (response.headers.get('content-encoding') ?? 'identity').toLowerCase() !== 'identity';
  if (!encoded && declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > maxBytes) {
    await discard(response);
    throw tooLarge();
  }
  if (!response.body) return Buffer.alloc(0);
  const reader = response.body.getReader();
  const read = () =>
    reader.read().catch((error: unknown) => {
      if (signal.aborted) throw error;
      throw new SourceNetworkError('source connection broke during its answer', error);
    });
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let chunk = await read(); !chunk.done; chunk = await read()) {
    size += chunk.value.byteLength;
    if (size > maxBytes) {
      // Cancelling closes the connection: the rest of the answer is never read, not even into a buffer.
      reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(chunk.value);
  }
  return Buffer.concat(chunks, size);
}

function parsePage(bytes: Buffer): Omit<Page, 'url'> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new SourceAnswerError('source answered bytes that are not UTF-8 text');
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the body; it is not passed on.
    throw new SourceAnswerError('source answered something that is not JSON');
  }
  if (!isRecord(body)) throw new SourceAnswerError('source page is not a JSON object');
  const { items, next } = body;
  if (!Array.isArray(items)) throw new SourceAnswerError('source page has no items list');
  const rows: Record<string, unknown>[] = [];
  for (const [i, item] of items.entries()) {
    if (!isRecord(item)) throw new SourceAnswerError(`item ${i} of the source page is not an object`);
    rows.push(item);
  }
  if (next !== undefined && next !== null && typeof next !== 'string') throw new SourceAnswerError('next link of the source page is not a string');
  if (typeof next === 'string' && next.length > MAX_LINK_LENGTH) throw new SourceAnswerError(`next link of the source page is longer than ${MAX_LINK_LENGTH} characters`);
  // An empty link ends the list as null does; resolved, it would name the page just read.
  return { items: rows, next: next || null };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Drops an answer's body without reading it, so its connection is released. */
async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}

/** A system error code (ECONNREFUSED, ENOTFOUND…) from the error or its causes: no address, no URL. */
function errorCode(error: unknown): string | null {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth += 1) {
    if ('code' in e && typeof e.code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(e.code)) return e.code;
  }
  return null;
}
