import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector, Row } from '../../connectors/contract.js';
import { csvConnector } from '../../connectors/csv/index.js';
import type { RecordField } from '../../connectors/schema.js';
import { openConnector } from './open.js';

/**
 * A connector that reads every field of a row types every field: one bad cell in a field the
 * read does not need (perhaps one hidden from the caller) then failed every read, and named that
 * field. Only the fields asked for are read.
 */
let folder: string;
let csv: Connector;
const fields: RecordField[] = [
  { name: 'id', type: 'integer', nullable: false, required: true },
  { name: 'name', type: 'string', nullable: false, required: true },
  { name: 'score', type: 'integer', nullable: true, required: false },
];

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'unreadable-'));
  await writeFile(join(folder, 'scores.csv'), 'id,name,score\n1,An,10\n2,Bình,Hoàng Thị Mát 0912345678\\\n3,Chi,\n');
  csv = openConnector(csvConnector, { file: 'scores.csv', credentials: 'files', keyField: 'id' }, {
    source: { name: 'files', type: 'csv', folder, departments: ['cong-an'], owner: 'cong-an', reach: {} },
    fields,
    keyField: 'id',
    timeoutMs: 10_000,
    maxResponseBytes: 1 << 20,
  });
});

afterAll(async () => {
  await csv?.close();
  await rm(folder, { recursive: true, force: true });
});

const read = async (wanted: string[]): Promise<Row[]> => {
  const out: Row[] = [];
  const rows = csv.query({ fields: wanted, where: null, orderBy: [], after: null, limit: null, signal: new AbortController().signal });
  if (Symbol.asyncIterator in rows) for await (const row of rows) out.push(row);
  else out.push(...(await rows));
  return out;
};

describe('a value the source holds that its field cannot', () => {
  it('fails only the reads that ask for its field, naming the field and not the value', async () => {
    expect(await read(['id', 'name'])).toEqual([
      { id: 1, name: 'An' },
      { id: 2, name: 'Bình' },
      { id: 3, name: 'Chi' },
    ]);
    const failure = await read(['id', 'score']).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ name: 'UnreadableValue', field: 'score', type: 'integer' });
    expect(String((failure as Error).message)).not.toMatch(/Hoàng|0912/);
  });
});
