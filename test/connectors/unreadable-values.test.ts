import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector, Row } from '../../connectors/contract.js';
import { csvConnector } from '../../connectors/csv/index.js';
import type { RecordField } from '../../connectors/schema.js';
import { coerceValue } from '../../connectors/values.js';
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

describe('a value read as its field type (coerceValue, every connector but PostgreSQL’s own column types)', () => {
  const as = (type: RecordField['type'], value: unknown) => coerceValue({ name: 'f', type, nullable: true, required: false }, value);
  it('reads what its type can hold', () => {
    expect(as('integer', '42')).toBe(42);
    expect(as('integer', '-7')).toBe(-7);
    expect(as('number', '1.5e3')).toBe(1500);
    expect(as('number', 2.5)).toBe(2.5);
    expect(as('date', '2024-02-29')).toBe('2024-02-29');
    expect(as('date', new Date('2024-05-01T00:00:00Z'))).toBe('2024-05-01');
    expect(as('datetime', '2024-05-01 08:00:00')).toBe('2024-05-01T08:00:00.000Z');
    expect(as('datetime', '2024-05-01T08:00:00+07:00')).toBe('2024-05-01T01:00:00.000Z');
    expect(as('datetime', '0099-01-01T00:00:00Z')).toBe('0099-01-01T00:00:00.000Z');
    expect(as('string', 12)).toBe('12');
  });

  it('refuses what would be served as another value or in another form', () => {
    const refused: [RecordField['type'], unknown][] = [
      ['integer', '   '],
      ['integer', '0x1F'],
      ['integer', '1.5'],
      ['number', 'NaN'],
      ['number', 'Infinity'],
      ['number', '1,5'],
      ['date', '2024-02-30'],
      ['date', '2023-02-29'],
      ['date', '0000-00-00'],
      ['date', 'infinity'],
      ['datetime', '1'],
      ['datetime', '+010000-01-01T00:00:00Z'],
      ['datetime', '-000001-01-01T00:00:00Z'],
      ['datetime', new Date(Date.UTC(10000, 0, 1))],
      ['datetime', 'May 1, 2024'],
      ['string', { days: 1 }],
      ['string', Buffer.from([0, 255, 65])],
      ['string', new (class Interval {})()],
    ];
    for (const [type, value] of refused) expect(() => as(type, value), `${type} ${String(value)}`).toThrow(expect.objectContaining({ name: 'UnreadableValue', field: 'f' }));
  });
});
