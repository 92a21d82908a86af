import { describe, expect, it } from 'vitest';
import type { SourceField } from '../connectors/contract.js';
import { fieldsOf, type RecordSchema } from '../server/catalogue/record-schema.js';
import { driftIssues } from '../server/data/schema-drift.js';

const fields = fieldsOf({
  type: 'object',
  required: ['code', 'count'],
  properties: { code: { type: 'string' }, count: { type: 'integer' }, ratio: { type: ['number', 'null'] }, since: { type: 'string', format: 'date' } },
} as unknown as RecordSchema);
const column = (name: string, type: SourceField['type'], nullable = false, sourceType = 'text'): SourceField => ({ name, type, nullable, sourceType });

describe('schema drift', () => {
  it('accepts a source that serves every field', () => {
    expect(driftIssues(fields, [column('code', 'string'), column('count', 'integer'), column('ratio', 'integer', true), column('since', 'date'), column('extra', 'boolean')])).toEqual([]);
  });

  it('names missing fields, narrowed types, unservable types and unexpected nulls', () => {
    expect(driftIssues(fields, [column('code', null, false, 'bytea'), column('count', 'number', true, 'numeric'), column('ratio', 'string', true)])).toEqual([
      'field "code" has source type bytea, which the platform cannot serve',
      'field "count" is integer in the record schema but numeric (number) in the source',
      'field "count" may be empty in the source but is not nullable in the record schema',
      'field "ratio" is number in the record schema but text (string) in the source',
      'field "since" is missing in the source',
    ]);
  });

  it('lets a string field hold any CSV cell, but not an integer field hold text', () => {
    expect(driftIssues(fields.slice(0, 2), [column('code', 'integer', false, 'csv'), column('count', 'string', false, 'csv')])).toEqual([
      'field "count" is integer in the record schema but csv (string) in the source',
    ]);
  });
});
