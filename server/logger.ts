import { createHash } from 'node:crypto';
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Logs carry no personal data. Error messages quote what the client or the source sent (a
 * citizen id in a filter, a duplicate key, an invalid value), so quoted literals and digit runs
 * are redacted, and a quote left open (a value ending in a backslash) redacts to the end of its
 * line; GraphQL errors are logged without their source text; requests without their
 * query string (export URLs carry `where=` values) and without headers.
 */
const QUOTED = /"(?:[^"\\\n]|\\.?)*(?:"|$)|(?<![\p{L}\p{N}])'(?:[^'\\\n]|\\.)*'(?![\p{L}\p{N}])|`(?:[^`\\\n]|\\.?)*(?:`|$)|“[^”\n]*(?:”|$)/gmu;
/**
 * What follows "value:" (graphql-js and graphql-scalars print an output value so, unquoted, when
 * it cannot be serialised): the value of a source row, redacted to the end of the line.
 */
const VALUE_SHOWN = /(\bvalue\b[^:"“`\n]{0,80}:)[^\n]*/giu;
const DIGIT_RUN = /\d{4,}/g;
const MAX_MESSAGE = 500;

/** `text` with quoted literals and runs of four or more digits replaced, and bounded in length. */
export function redactText(text: string): string {
  const redacted = text.replace(QUOTED, '"…"').replace(VALUE_SHOWN, '$1 …').replace(DIGIT_RUN, '#');
  return redacted.length > MAX_MESSAGE ? `${redacted.slice(0, MAX_MESSAGE)}…` : redacted;
}

/** The hash logged in place of a GraphQL document: it tells equal queries apart without their literals. */
export function queryHash(documentText: string): string {
  return createHash('sha256').update(documentText).digest('hex');
}

/** Error codes worth keeping: SQLSTATE (`23505`), driver and system codes (`ECONNREFUSED`, 11000), API codes. */
const CODE = /^[A-Za-z0-9_.-]{1,40}$/;

function errorCode(error: Error): string | number | undefined {
  const own = (error as { code?: unknown }).code;
  if (typeof own === 'number' && Number.isFinite(own)) return own;
  if (typeof own === 'string' && CODE.test(own)) return own;
  const extensions = (error as { extensions?: unknown }).extensions;
  const code = extensions && typeof extensions === 'object' ? (extensions as { code?: unknown }).code : undefined;
  return typeof code === 'string' && CODE.test(code) ? code : undefined;
}

interface SerializedError {
  type: string;
  message: string;
  code?: string | number;
  /** A GraphQL error's field path: names and list indexes from the schema, never input values. */
  path?: (string | number)[];
  stack?: string;
  cause?: SerializedError;
}

/**
 * Only type, code, a redacted message, the frames of the stack and (a few levels of) cause: a
 * driver error's `detail`, a GraphQL error's `source` and `nodes`, an HTTP error's request are
 * all left out, since each can hold the values a query was about.
 */
export function serializeError(value: unknown, depth = 0): SerializedError {
  if (!(value instanceof Error)) return { type: typeof value, message: redactText(String(value)) };
  const type = value.constructor?.name && value.constructor.name !== 'Object' ? value.constructor.name : value.name;
  const message = redactText(value.message);
  const out: SerializedError = { type, message };
  const code = errorCode(value);
  if (code !== undefined) out.code = code;
  const path = (value as { path?: unknown }).path;
  // Aliases are the client's own words, so the same redaction applies to them.
  if (Array.isArray(path)) out.path = path.map((p: unknown) => (typeof p === 'number' ? p : redactText(String(p))));
  if (typeof value.stack === 'string') {
    // The first lines of a stack repeat the (unredacted, possibly multi-line) message.
    const frames = value.stack.split('\n').filter((line) => /^\s+at /.test(line));
    out.stack = [`${value.name}: ${message}`, ...frames].join('\n');
  }
  if (value.cause !== undefined && depth < 3) out.cause = serializeError(value.cause, depth + 1);
  return out;
}

interface RequestLike {
  id?: unknown;
  method?: unknown;
  url?: unknown;
  originalUrl?: unknown;
}

/** Method, path without its query string, and request id: no headers, no query, no body. */
export function serializeRequest(req: RequestLike): { id?: string; method?: string; path?: string } {
  const url = typeof req.originalUrl === 'string' ? req.originalUrl : typeof req.url === 'string' ? req.url : undefined;
  const out: { id?: string; method?: string; path?: string } = {};
  if (typeof req.id === 'string' || typeof req.id === 'number') out.id = String(req.id);
  if (typeof req.method === 'string') out.method = req.method;
  if (url !== undefined) out.path = redactText(url.split(/[?#]/, 1)[0] ?? '');
  return out;
}

export function serializeResponse(res: { statusCode?: unknown }): { statusCode?: number } {
  return typeof res.statusCode === 'number' ? { statusCode: res.statusCode } : {};
}

/** The serializers of every logger, pino-http's child included (it would otherwise put back its own). */
export const logSerializers = { err: serializeError, req: serializeRequest, res: serializeResponse };

/**
 * Structured JSON logs to stdout, or to `destination` (tests read what was logged). Secrets
 * that could reach a log line through headers stay redacted should a caller log them anyway.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'kho-du-lieu-gateway' },
    serializers: logSerializers,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie'], censor: '[redacted]' },
  };
  return pino(options, destination ?? bufferedStdout());
}

/** Longest a log line waits in the buffer. */
const FLUSH_EVERY_MS = 500;

/**
 * Standard output, written in blocks of at least 4 KiB rather than one write per line: with a
 * line per request, the writes cost more than the lines. A timer empties the buffer twice a
 * second and pino empties it when the process exits, so a line is late by half a second at most
 * and lost only if the process is killed outright.
 */
function bufferedStdout(): DestinationStream {
  const stream = pino.destination({ dest: 1, minLength: 4096, sync: false });
  setInterval(() => stream.flush(), FLUSH_EVERY_MS).unref();
  return stream;
}
