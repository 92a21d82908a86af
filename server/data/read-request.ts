import { Ajv } from 'ajv';
import { badInput } from '../errors.js';
import { ajvFaults } from '../../connectors/ajv-faults.js';

export type SortDirection = 'ASC' | 'DESC';

/**
 * One data read as every path asks for it (records, the typed `data` fields, links, export),
 * checked for shape before any policy or source sees it. `where` is still the raw portable
 * filter: only the dataset's fields can type it, which the read plan does next.
 */
export interface ReadRequest {
  dataset: string;
  where: Record<string, unknown> | null;
  /** Null: every field the caller may see. */
  select: string[] | null;
  /**
   * The fields a typed query uses, when select is null: only those the caller may see are read,
   * the others left out rather than refused (the typed schema lists every field). Null: all.
   */
  wanted: string[] | null;
  orderBy: { field: string; direction: SortDirection }[];
  first: number;
  after: string | null;
  /** Trimmed; null when absent or blank. */
  purpose: string | null;
}

const MAX_SELECT = 200;
const MAX_ORDER_KEYS = 10;
const FIELD_NAME = { type: 'string', minLength: 1, maxLength: 64 } as const;

const schema = {
  type: 'object',
  required: ['dataset'],
  additionalProperties: false,
  properties: {
    dataset: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}\\.[a-z0-9][a-z0-9-]{1,62}$' },
    where: { type: ['object', 'null'] },
    select: { type: ['array', 'null'], maxItems: MAX_SELECT, items: FIELD_NAME },
    wanted: { type: ['array', 'null'], maxItems: MAX_SELECT, items: FIELD_NAME },
    orderBy: {
      type: ['array', 'null'],
      maxItems: MAX_ORDER_KEYS,
      items: {
        type: 'object',
        required: ['field'],
        additionalProperties: false,
        properties: { field: FIELD_NAME, direction: { enum: ['ASC', 'DESC', null] } },
      },
    },
    first: { type: ['integer', 'null'], minimum: 0 },
    after: { type: ['string', 'null'], maxLength: 4096 },
    purpose: { type: ['string', 'null'], maxLength: 1000 },
  },
} as const;

const check = new Ajv({ allErrors: true }).compile(schema);

interface CheckedArgs {
  dataset: string;
  where?: Record<string, unknown> | null;
  select?: string[] | null;
  wanted?: string[] | null;
  orderBy?: { field: string; direction?: SortDirection | null }[] | null;
  first?: number | null;
  after?: string | null;
  purpose?: string | null;
}

const isChecked = (raw: unknown): raw is CheckedArgs => check(raw);

/**
 * Parses the arguments of a read, whatever transport they came from, into a ReadRequest.
 * A bad shape (a direction that is not ASC or DESC, an orderBy that is not a list of
 * { field, direction }, a page size out of range) is BAD_USER_INPUT with a path for each fault.
 */
export function parseReadRequest(raw: unknown, limits: { maxPageSize: number; defaultPageSize: number }): ReadRequest {
  if (!isChecked(raw)) throw badInput('The read request is invalid.', ajvFaults(check.errors, ''));
  const first = raw.first ?? limits.defaultPageSize;
  if (first > limits.maxPageSize) throw badInput(`first must be between 0 and ${limits.maxPageSize}.`, [{ path: 'first', message: `must be an integer from 0 to ${limits.maxPageSize}` }]);
  const purpose = raw.purpose?.trim() || null;
  return {
    dataset: raw.dataset,
    where: raw.where ?? null,
    select: raw.select?.length ? [...new Set(raw.select)] : null,
    wanted: raw.wanted?.length ? [...new Set(raw.wanted)] : null,
    orderBy: (raw.orderBy ?? []).map((o) => ({ field: o.field, direction: o.direction ?? 'ASC' })),
    first,
    after: raw.after || null,
    purpose,
  };
}
