import type { IncomingMessage } from 'node:http';
import getRawBody from 'raw-body';
import { AppError, badInput } from '../errors.js';

/** A body that could not be read, and the status its answer carries. */
export class BodyRefused extends Error {
  constructor(
    readonly refusal: AppError,
    readonly status: number,
  ) {
    super(refusal.message);
  }
}

/**
 * The body of a request, read within `maxBytes`, or undefined when it has none. One reader for
 * every GraphQL request, whichever path answers it, so both read the same bytes the same way.
 * Only uncompressed bodies are taken: a compressed one is refused (415) rather than run as the
 * bytes that were sent, or inflated past the limit. A body over the limit, announced or not, is
 * refused without reading the rest; the caller closes the connection after the answer.
 */
export async function readRequestBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) return undefined;
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    throw new BodyRefused(badInput('Compressed request bodies are not accepted: send the operation uncompressed.'), 415);
  }
  try {
    return await getRawBody(req, { length: req.headers['content-length'], limit: maxBytes });
  } catch (error) {
    throw bodyRefusal(error, maxBytes) ?? error;
  }
}

/**
 * The refusal a failed body read stands for, from raw-body (and body-parser, which uses it, for
 * the console's forms), or null if the error is not the client's: too large (413), or cut short,
 * longer or shorter than announced (their 4xx).
 */
export function bodyRefusal(error: unknown, maxBytes: number): BodyRefused | null {
  if (error instanceof BodyRefused) return error;
  if (error instanceof AppError) return null;
  const status = (error as { status?: unknown }).status;
  if (status === 413) return new BodyRefused(badInput(`Request body larger than ${maxBytes} bytes.`), 413);
  return typeof status === 'number' && status >= 400 && status < 500 ? new BodyRefused(badInput('Malformed request.'), status) : null;
}
