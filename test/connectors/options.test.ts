import { describe, expect, it } from 'vitest';
import { csvConnector } from '../../connectors/csv/index.js';
import { mongodbConnector } from '../../connectors/mongodb/index.js';
import { parseOptions } from '../../connectors/options.js';
import { postgresConnector } from '../../connectors/postgres/index.js';
import { checkBinding } from '../../connectors/registry.js';
import { sampledFields } from '../../connectors/source-types.js';
import { optionFaultsOf } from './open.js';

describe('connector options, checked by their JSON Schema', () => {
  it('hands valid options over typed, as given', () => {
    expect(parseOptions(postgresConnector, { table: 'people', schema: 'cong_an', credentials: 'pg', keyField: 'citizenId' })).toEqual({
      options: { table: 'people', schema: 'cong_an', credentials: 'pg', keyField: 'citizenId' },
    });
  });

  it('lists every fault with its path and a message that says what is wanted', () => {
    expect(optionFaultsOf(postgresConnector, { table: 'people; DROP', schema: 3, credentials: '', extra: 1 })).toEqual([
      { path: 'extra', message: 'is not an allowed property; use credentials, keyField, table, schema' },
      { path: 'credentials', message: 'must name a credential in the server configuration' },
      { path: 'table', message: 'must be a table name' },
      { path: 'schema', message: 'must be a schema name' },
    ]);
    expect(optionFaultsOf(mongodbConnector, { credentials: 'm' })).toEqual([{ path: 'collection', message: 'must be a collection name' }]);
  });

  it('refuses null for an optional option: it is absent or given', () => {
    expect(optionFaultsOf(postgresConnector, { table: 'people', credentials: 'pg', schema: null }).map((f) => f.path)).toEqual(['schema']);
    expect(optionFaultsOf(mongodbConnector, { collection: 'c', credentials: 'm', database: null }).map((f) => f.path)).toEqual(['database']);
    expect(optionFaultsOf(csvConnector, { file: 'a.csv', credentials: 'f', keyField: null }).map((f) => f.path)).toEqual(['keyField']);
  });

  it('refuses csv file names that climb out of the folder', () => {
    for (const file of ['../x.csv', 'a/../../x.csv', 'a/..', '..\\x.csv', 'x.txt', 'a b.csv']) expect(optionFaultsOf(csvConnector, { file, credentials: 'f' }), file).toEqual([{ path: 'file', message: 'must be a .csv path inside the source files folder' }]);
    expect(optionFaultsOf(csvConnector, { file: 'sub/..data.csv', credentials: 'f' })).toEqual([]);
    expect(optionFaultsOf(csvConnector, { file: 'x.csv', credentials: 'f', delimiter: ';;' })).toEqual([{ path: 'delimiter', message: 'must be one character' }]);
  });
});

describe('a binding checked against the credential registry', () => {
  const registry = {
    pg: { name: 'pg', type: 'postgres', url: 'postgres://u@db/x', departments: ['cong-an'], owner: 'cong-an', reach: { tables: ['cong_an.residents'] } },
  };
  const check = (binding: { type: string; options: Record<string, unknown> }, department = 'cong-an') => checkBinding(binding, department, registry, { catalogueDatabase: 'kho' });

  it('gives option faults as paths into the binding, before the credential is looked at', () => {
    expect(check({ type: 'ftp', options: {} }).faults).toEqual([{ path: 'type', message: 'must be one of postgres, mysql, mongodb, csv, http-json' }]);
    expect(check({ type: 'postgres', options: { table: 'x y', credentials: 'nobody' } }).faults).toEqual([{ path: 'options.table', message: 'must be a table name' }]);
  });

  it('answers an unknown credential and one of another department alike, then checks reach on typed options', () => {
    const unknown = check({ type: 'postgres', options: { schema: 'cong_an', table: 'residents', credentials: 'nope' } });
    const foreign = check({ type: 'postgres', options: { schema: 'cong_an', table: 'residents', credentials: 'pg' } }, 'tai-chinh');
    expect(unknown.faults.map((f) => f.path)).toEqual(['options.credentials']);
    expect(foreign.faults[0]!.message.replace('tai-chinh', 'cong-an')).toBe(unknown.faults[0]!.message);
    expect(check({ type: 'postgres', options: { schema: 'pg_catalog', table: 'pg_authid', credentials: 'pg' } }).faults.map((f) => f.path)).toEqual(['options.schema']);
    const allowed = check({ type: 'postgres', options: { schema: 'cong_an', table: 'residents', credentials: 'pg' } });
    expect(allowed.faults).toEqual([]);
    expect(allowed.source).toBe(registry.pg);
    expect(typeof allowed.connect).toBe('function');
  });
});

describe('source typing of sampled records (one rule for every connector)', () => {
  it('widens integers to numbers, dates to date-times and any other mix to text', async () => {
    const fields = await sampledFields(
      [
        { n: 1, d: '2024-01-02', m: 1, t: 'x', o: { a: 1 }, e: null },
        { n: 1.5, d: '2024-01-02T03:04:05Z', m: 'x', t: 'y', o: 2, e: '' },
      ],
      { cells: 'typed', label: 'json', limit: 10 },
    );
    expect(fields).toEqual([
      { name: 'n', type: 'number', nullable: false, sourceType: 'json' },
      { name: 'd', type: 'datetime', nullable: false, sourceType: 'json' },
      { name: 'm', type: 'string', nullable: false, sourceType: 'json' },
      { name: 't', type: 'string', nullable: false, sourceType: 'json' },
      { name: 'o', type: null, nullable: false, sourceType: 'json object' },
      { name: 'e', type: null, nullable: true, sourceType: 'null' },
    ]);
  });

  it('reads numbers and booleans off text cells, and takes a field missing from a record as nullable', async () => {
    const fields = await sampledFields([{ i: '12', x: '-0.5', b: 'true', s: '12a' }, { i: '', x: '3', b: 'false', s: '1' }, { _id: 'k' }], { cells: 'text', label: 'csv', limit: 2, skip: ['_id'] });
    expect(fields).toEqual([
      { name: 'i', type: 'integer', nullable: true, sourceType: 'csv' },
      { name: 'x', type: 'number', nullable: false, sourceType: 'csv' },
      { name: 'b', type: 'boolean', nullable: false, sourceType: 'csv' },
      { name: 's', type: 'string', nullable: false, sourceType: 'csv' },
    ]);
    expect(await sampledFields([{ a: 1 }, { b: true }], { cells: 'typed', label: 'bson', limit: 5 })).toEqual([
      { name: 'a', type: 'integer', nullable: true, sourceType: 'bson' },
      { name: 'b', type: 'boolean', nullable: true, sourceType: 'bson' },
    ]);
  });
});
