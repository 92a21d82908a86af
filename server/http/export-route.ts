import { stringify } from 'csv-stringify/sync';
import type { Request, Response } from 'express';
import { CSV_OPTIONS } from '../../connectors/lines.js';
import { bearerToken, type BearerVerifier } from '../auth/jwt.js';
import type { Principal } from '../auth/principal.js';
import type { Config } from '../config.js';
import type { RecordsService } from '../data/records-service.js';
import { badInput, errorResponse, quotaExceeded, toAppError } from '../errors.js';
import { inputFault } from '../well-formed.js';

const FILE = /^([a-z0-9][a-z0-9-]{0,62}\.[a-z0-9][a-z0-9-]{1,62})\.(ndjson|csv)$/;
const PARAMETERS = new Set(['where', 'select', 'orderBy', 'purpose']);

function jsonParam(value: string, name: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw badInput(`${name} is not valid JSON.`, [{ path: name, message: 'is not valid JSON' }]);
  }
}

/**
 * The query string as read arguments: `where` and `orderBy` as JSON, `select` as a JSON list or
 * a comma-separated list, `purpose` as text. Each given once; anything else is refused, so a
 * typo is an error rather than a silently wider export.
 */
function readArguments(dataset: string, query: Request['query']): Record<string, unknown> {
  const args: Record<string, unknown> = { dataset };
  for (const [name, value] of Object.entries(query)) {
    if (!PARAMETERS.has(name)) throw badInput(`Unknown parameter ${name}.`, [{ path: name, message: `is not a parameter of export; use ${[...PARAMETERS].join(', ')}` }]);
    if (typeof value !== 'string') throw badInput(`${name} must be given once.`, [{ path: name, message: 'must be given once, as text' }]);
    if (name === 'purpose') args[name] = value;
    else if (name === 'select' && !value.trimStart().startsWith('[')) args[name] = value.split(',').filter(Boolean);
    else args[name] = jsonParam(value, name);
    const fault = inputFault(args[name], name);
    if (fault) throw badInput('The request holds an ill-formed string or nests too deep.', [fault]);
  }
  return args;
}

/** How many exports each caller, and the process, runs now. */
class ExportSlots {
  private readonly byCaller = new Map<string, number>();
  private total = 0;

  constructor(private readonly limits: Config['export']) {}

  /** Takes a slot or refuses with QUOTA_EXCEEDED; the returned function gives it back. */
  take(principal: Principal): () => void {
    const key = `${principal.id}|${principal.department}`;
    const mine = this.byCaller.get(key) ?? 0;
    if (mine >= this.limits.maxPerCaller) throw quotaExceeded(`You already run ${mine} export(s); wait for one to finish (at most ${this.limits.maxPerCaller} at once).`);
    if (this.total >= this.limits.maxConcurrent) throw quotaExceeded('The gateway runs as many exports as it may at once; try again in a minute.');
    this.byCaller.set(key, mine + 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.byCaller.get(key) ?? 1) - 1;
      if (left > 0) this.byCaller.set(key, left);
      else this.byCaller.delete(key);
    };
  }
}

/** Resolves when `res` can take more, rejects when it stays full past `idleMs` or the export is cancelled. */
function drained(res: Response, idleMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      clearTimeout(timer);
      res.off('drain', onDrain);
      signal.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => done();
    const onAbort = () => done(new Error('export cancelled'));
    const timer = setTimeout(() => done(new Error(`client read nothing for ${idleMs} ms`)), idleMs);
    res.on('drain', onDrain);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Sends the status and headers of the file; the body follows. */
function startFile(res: Response, dataset: string, format: 'ndjson' | 'csv'): true {
  res.status(200);
  res.setHeader('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
  res.setHeader('content-disposition', `attachment; filename="${dataset}.${format}"`);
  return true;
}

/**
 * `GET /export/<dataset id>.ndjson|.csv?where=<JSON>&select=<JSON>&orderBy=<JSON>&purpose=…`:
 * all matching rows, streamed with back-pressure, under the same checks as `records`. Errors
 * before the first byte are JSON with the API code and status; a failure mid-stream cuts the
 * connection, so a client never mistakes a partial file for a whole one. Each caller runs a few
 * exports at once, and a client that stops reading is cut after the idle timeout, so stalled
 * readers cannot pile up memory.
 */
export function exportRoute(config: Config, records: RecordsService, verifyBearer: BearerVerifier) {
  const slots = new ExportSlots(config.export);
  return async (req: Request, res: Response) => {
    const controller = new AbortController();
    res.once('close', () => controller.abort(new Error('client went away')));
    let started = false;
    let release: (() => void) | null = null;
    try {
      const principal = await verifyBearer(bearerToken(req.headers.authorization));
      const match = FILE.exec(String(req.params['file']));
      if (!match?.[1] || !match[2]) throw badInput('Ask for /export/<dataset id>.ndjson or .csv.', [{ path: 'file', message: 'must be <dataset id>.ndjson or <dataset id>.csv' }]);
      const [dataset, format] = [match[1], match[2] === 'csv' ? 'csv' : 'ndjson'] as const;
      const args = readArguments(dataset, req.query);
      release = slots.take(principal);
      const write = async (chunk: string | Buffer) => {
        if (!res.write(chunk)) await drained(res, config.export.idleTimeoutMs, controller.signal);
      };
      const { fields, pages } = await records.lines(principal, args, format, controller.signal);
      started = startFile(res, dataset, format);
      if (format === 'csv') await write(stringify([fields], CSV_OPTIONS));
      for await (const chunks of pages) for (const chunk of chunks) await write(chunk);
      res.end();
    } catch (error) {
      controller.abort(error);
      if (started || res.headersSent) {
        req.log.warn({ err: error }, 'export stopped mid-stream');
        res.destroy();
        return;
      }
      if (!toAppError(error)) req.log.error({ err: error }, 'export failed');
      const { status, body } = errorResponse(error);
      res.status(status).json(body);
    } finally {
      release?.();
    }
  };
}
