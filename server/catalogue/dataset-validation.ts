import { Ajv } from 'ajv';
import { badInput, type FaultDetail } from '../errors.js';
import { ajvFaults } from '../../connectors/ajv-faults.js';
import { CLASSIFICATIONS, UPDATE_FREQUENCIES, type ConnectorBinding, type DatasetLink } from './dataset.js';
import { fieldNameProblem, recordSchemaFaults, type RecordSchema } from './record-schema.js';

/**
 * Checks a connector binding of a dataset owned by `department`: type, options, and the
 * credential registry's say on what that department may reach. The composition root supplies it.
 */
export type ConnectorBindingCheck = (binding: ConnectorBinding, path: string, department: string) => FaultDetail[];

const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max, pattern: '\\S' });
const metadataProperties = {
  department: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' },
  slug: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{1,62}$' },
  title: text(300),
  titleEn: text(300),
  description: text(10_000),
  descriptionEn: text(10_000),
  classification: { enum: [...CLASSIFICATIONS] },
  themes: { type: 'array', maxItems: 20, uniqueItems: true, items: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' } },
  keywords: { type: 'array', maxItems: 50, uniqueItems: true, items: text(100) },
  recordSchema: { type: 'object' },
  connector: {
    type: 'object',
    required: ['type', 'options'],
    additionalProperties: false,
    properties: { type: { type: 'string', minLength: 1 }, options: { type: 'object' } },
  },
  links: {
    type: 'array',
    maxItems: 50,
    items: {
      type: 'object',
      required: ['field', 'dataset', 'targetField', 'as'],
      additionalProperties: false,
      properties: {
        field: { type: 'string', minLength: 1 },
        dataset: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}\\.[a-z0-9][a-z0-9-]{1,62}$' },
        targetField: { type: 'string', minLength: 1 },
        // Checked by fieldNameProblem, like the field names it stands beside in the record type.
        as: { type: 'string', minLength: 1, maxLength: 100 },
      },
    },
  },
  license: text(200),
  contact: text(300),
  updateFrequency: { enum: [...UPDATE_FREQUENCIES] },
};

const ajv = new Ajv({ allErrors: true, strict: true });
const checkInput = ajv.compile({
  type: 'object',
  additionalProperties: false,
  required: ['slug', 'title', 'description', 'classification', 'recordSchema', 'connector'],
  properties: metadataProperties,
});
const { slug: _slug, department: _department, ...patchProperties } = metadataProperties;
const checkPatch = ajv.compile({ type: 'object', additionalProperties: false, minProperties: 1, properties: patchProperties });

/**
 * A link's `as` becomes a field of the dataset's generated record type, beside the record
 * schema's fields: it obeys the same naming rule and must not repeat a name the type already has.
 * `schema` is null when the record schema itself is faulty; only the names are checked then.
 */
function linkFaults(links: DatasetLink[], schema: RecordSchema | null, path: string): FaultDetail[] {
  const names = schema ? new Set(Object.keys(schema.properties)) : null;
  const faults: FaultDetail[] = [];
  const aliases = new Set<string>();
  links.forEach((link, i) => {
    const problem = fieldNameProblem(link.as);
    if (problem) faults.push({ path: `${path}.${i}.as`, message: problem });
    if (names && !names.has(link.field)) faults.push({ path: `${path}.${i}.field`, message: `"${link.field}" is not a field of the record schema` });
    if (names?.has(link.as)) faults.push({ path: `${path}.${i}.as`, message: `"${link.as}" is already a field name of the record type` });
    if (aliases.has(link.as)) faults.push({ path: `${path}.${i}.as`, message: `"${link.as}" is used by another link` });
    aliases.add(link.as);
  });
  return faults;
}

/**
 * Validates a whole proposed dataset (after a patch is applied to the stored one) and throws
 * BAD_USER_INPUT listing every fault; returns nothing on success.
 */
function validateWhole(value: Record<string, unknown>, base: string, checkConnector: ConnectorBindingCheck, department: string): void {
  const faults: FaultDetail[] = [];
  if (value['recordSchema'] !== undefined) {
    const schemaFaults = recordSchemaFaults(value['recordSchema'], `${base}.recordSchema`);
    faults.push(...schemaFaults);
    if (Array.isArray(value['links'])) {
      faults.push(...linkFaults(value['links'] as DatasetLink[], schemaFaults.length === 0 ? (value['recordSchema'] as RecordSchema) : null, `${base}.links`));
    }
  }
  if (value['connector']) faults.push(...checkConnector(value['connector'] as ConnectorBinding, `${base}.connector`, department));
  if (faults.length > 0) throw badInput('The dataset is invalid.', faults);
}

export function validateDatasetInput(input: Record<string, unknown>, checkConnector: ConnectorBindingCheck, department: string): void {
  if (!checkInput(input)) throw badInput('The dataset is invalid.', ajvFaults(checkInput.errors, 'input'));
  validateWhole(input, 'input', checkConnector, department);
}

/** `merged` is the stored dataset with the patch applied, so cross-field rules see the result. */
export function validateDatasetPatch(patch: unknown, merged: Record<string, unknown>, checkConnector: ConnectorBindingCheck, department: string): void {
  if (!checkPatch(patch)) throw badInput('The change is invalid.', ajvFaults(checkPatch.errors, 'input'));
  validateWhole(merged, 'input', checkConnector, department);
}

