import { operations } from './kit/operations.js';

/** A valid dataset registration, to be varied by each test. */
export function datasetInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    slug: 'markets',
    title: 'Chợ truyền thống',
    description: 'Danh sách chợ truyền thống và số hộ kinh doanh trong chợ.',
    classification: 'PUBLIC',
    themes: ['kinh-te'],
    keywords: ['chợ', 'hộ kinh doanh'],
    recordSchema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      required: ['marketCode', 'name'],
      properties: {
        marketCode: { type: 'string', title: 'Mã chợ' },
        name: { type: 'string', title: 'Tên chợ' },
        stalls: { type: 'integer', minimum: 0 },
        managerId: { type: ['string', 'null'], 'x-pii': true, 'x-mask': { strategy: 'PARTIAL', keepStart: 3, keepEnd: 3 } },
      },
    },
    connector: { type: 'csv', options: { file: 'markets.csv', credentials: 'test-files' } },
    links: [],
    ...overrides,
  };
}

/** The registration document, for suites that send it with tokens of their own. */
export const REGISTER = operations.registerDataset.document;
