import { once } from 'node:events';
import { stringify } from 'csv-stringify/sync';
import type { Request, Response } from 'express';
import { bearerToken, verifyToken } from '../auth/jwt.js';
import type { Config } from '../config.js';
import type { RecordsService } from '../data/records-service.js';
import { AppError, badInput } from '../errors.js';

const FILE = /^([a-z0-9][a-z0-9-]{0,62}\.[a-z0-9][a-z0-9-]{1,62})\.(ndjson|csv)$/;
const ROWS_PER_WRITE = 200;

function parseJsonParam(req: Request, name: string): unknown {
  const raw = req.query[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') throw badInput(`${name} must be given once.`, [{ path: name, message: 'must be given once' }]);
  try {
    return JSON.parse(raw);
  } catch {
    throw badInput(`${name} is not valid JSON.`, [{ path: name, message: 'is not valid JSON' }]);
  }
}

/**
 * `GET /export/<dataset id>.ndjson|.csv?where=<JSON>&select=a,b&orderBy=<JSON>&purpose=…`:
 * all matching rows, streamed with back-pressure, under the same checks as `records`. Errors
 * before the first byte are JSON with the API code and status; a failure mid-stream cuts the
 * connection, so a client never mistakes a partial file for a whole one.
 */
export function exportRoute(config: Config, records: RecordsService) {
  return async (req: Request, res: Response) => {
    const controller = new AbortController();
    res.once('close', () => controller.abort(new Error('client went away')));
    let started = false;
    try {
      const principal = verifyToken(bearerToken(req.headers.authorization), config.jwt);
      const match = FILE.exec(String(req.params['file']));
      if (!match) throw badInput('Ask for /export/<dataset id>.ndjson or .csv.', [{ path: 'file', message: 'must be <dataset id>.ndjson or <dataset id>.csv' }]);
      const [, dataset, format] = match as unknown as [string, string, 'ndjson' | 'csv'];
      const select = typeof req.query['select'] === 'string' ? req.query['select'].split(',').filter(Boolean) : null;
      const { fields, rows } = await records.stream(
        principal,
        {
          dataset,
          where: parseJsonParam(req, 'where') ?? null,
          select,
          orderBy: (parseJsonParam(req, 'orderBy') as never) ?? null,
          purpose: typeof req.query['purpose'] === 'string' ? req.query['purpose'] : null,
        },
        controller.signal,
      );
      res.status(200);
      res.setHeader('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
      res.setHeader('content-disposition', `attachment; filename="${dataset}.${format}"`);
      started = true;
      if (format === 'csv') res.write(stringify([fields]));
      let batch: unknown[][] | string[] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        const chunk = format === 'csv' ? stringify(batch as unknown[][]) : (batch as string[]).join('');
        batch = [];
        if (!res.write(chunk)) await once(res, 'drain', { signal: controller.signal });
      };
      for await (const row of rows) {
        if (format === 'csv') (batch as unknown[][]).push(fields.map((f) => row[f] ?? ''));
        else (batch as string[]).push(`${JSON.stringify(row)}\n`);
        if (batch.length >= ROWS_PER_WRITE) await flush();
      }
      await flush();
      res.end();
    } catch (error) {
      if (started || res.headersSent) {
        req.log.warn({ err: error }, 'export stopped mid-stream');
        res.destroy();
        return;
      }
      if (error instanceof AppError) {
        res.status(error.status).json({ errors: [{ message: error.message, extensions: { code: error.code, ...(error.details ? { details: error.details } : {}) } }] });
        return;
      }
      req.log.error({ err: error }, 'export failed');
      res.status(500).json({ errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    }
  };
}
