import type { SourceField } from '../../connectors/contract.js';
import type { FieldInfo } from '../catalogue/record-schema.js';

/** Source types that a record-schema type can serve without losing or inventing values. */
const SERVES: Record<FieldInfo['type'], (FieldInfo['type'] | null)[]> = {
  string: ['string', 'date', 'datetime'],
  integer: ['integer'],
  number: ['number', 'integer'],
  boolean: ['boolean'],
  // Text sources (CSV, JSON) carry dates as strings; the connector checks each value's form.
  date: ['date', 'string'],
  datetime: ['datetime', 'string'],
};

/** Where the source no longer matches the dataset's record schema, in words a steward can act on. */
export function driftIssues(fields: FieldInfo[], source: SourceField[]): string[] {
  const byName = new Map(source.map((f) => [f.name, f]));
  const issues: string[] = [];
  for (const field of fields) {
    const found = byName.get(field.name);
    if (!found) {
      issues.push(`field "${field.name}" is missing in the source`);
      continue;
    }
    // In a text file every value is text; a string field holds whatever the cells look like.
    const textual = found.sourceType === 'csv' && field.type === 'string';
    if (found.type !== null && !textual && !SERVES[field.type].includes(found.type)) {
      issues.push(`field "${field.name}" is ${field.type} in the record schema but ${found.sourceType} (${found.type}) in the source`);
    } else if (found.type === null && found.sourceType !== 'null' && found.sourceType !== 'csv' && found.sourceType !== 'json') {
      issues.push(`field "${field.name}" has source type ${found.sourceType}, which the platform cannot serve`);
    }
    if (!field.nullable && found.nullable) issues.push(`field "${field.name}" may be empty in the source but is not nullable in the record schema`);
  }
  return issues;
}
