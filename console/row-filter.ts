import type { FieldInfo } from '../server/catalogue/record-schema.js';
import { badInput, type FaultDetail } from '../server/errors.js';

export const OPERATORS = ['eq', 'ne', 'in', 'nin', 'lt', 'lte', 'gt', 'gte', 'contains', 'startsWith', 'isNull'] as const;
export type Operator = (typeof OPERATORS)[number];

export interface FilterRow {
  field: string;
  op: string;
  value: string;
}

/** A form value as the field's type wants it; numbers that are not numbers stay text, so the policy engine names the fault. */
function typed(field: FieldInfo | undefined, raw: string): unknown {
  const text = raw.trim();
  if (field?.type === 'integer' || field?.type === 'number') return text !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
  if (field?.type === 'boolean') return text === 'true' ? true : text === 'false' ? false : text;
  return text;
}

/**
 * The portable filter of the builder's rows, ANDed (rows with no field are skipped), or of the
 * JSON the steward wrote instead. The result is checked by the same parser as any filter when
 * the approval is made; here only the form's own shape is checked.
 */
export function rowFilterFromForm(rows: FilterRow[], json: string, fields: FieldInfo[]): unknown {
  if (json.trim()) {
    try {
      return JSON.parse(json) as unknown;
    } catch {
      throw badInput('The row filter is not JSON.', [{ path: 'input.rowFilter', message: 'is not valid JSON' }]);
    }
  }
  const byName = new Map(fields.map((f) => [f.name, f]));
  const faults: FaultDetail[] = [];
  const clauses = rows
    .filter((r) => r.field)
    .map((r, i) => {
      if (!(OPERATORS as readonly string[]).includes(r.op)) faults.push({ path: `input.rowFilter.${i}`, message: `operator must be one of ${OPERATORS.join(', ')}` });
      const f = byName.get(r.field);
      let value: unknown;
      if (r.op === 'in' || r.op === 'nin') value = r.value.split(',').map((v) => typed(f, v)).filter((v) => v !== '');
      else if (r.op === 'isNull') value = r.value.trim() !== 'false';
      else value = typed(f, r.value);
      return { [r.field]: { [r.op]: value } };
    });
  if (faults.length) throw badInput('The row filter is invalid.', faults);
  if (clauses.length === 0) return null;
  return clauses.length === 1 ? clauses[0] : { and: clauses };
}

/** Zips the builder's repeated form fields into rows. */
export function filterRows(fieldsList: string[], ops: string[], values: string[]): FilterRow[] {
  return fieldsList.map((field, i) => ({ field, op: ops[i] ?? 'eq', value: values[i] ?? '' }));
}
