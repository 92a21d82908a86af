import { seeded } from '../datasets/generators.js';

/** Deterministic rows for connector tests: a small seeded generator, no fixtures to drift. */
const FAMILY = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Huỳnh', 'Võ', 'Đặng', 'Bùi', 'Đỗ'];
const MIDDLE = ['Văn', 'Thị', 'Minh', 'Ngọc', 'Đức', 'Thanh'];
const GIVEN = ['An', 'Bình', 'Châu', 'Dũng', 'Giang', 'Hà', 'Khoa', 'Linh', 'Nam', 'Phúc', 'Quân', 'Thảo', 'Yến'];
export const DISTRICTS = ['Quận 1', 'Quận 3', 'Quận 10', 'Quận Bình Thạnh', 'Quận Gò Vấp', 'Thành phố Thủ Đức', 'Huyện Củ Chi'];

export interface PersonRow {
  citizenId: string;
  fullName: string;
  district: string;
  birthYear: number;
  birthDate: string;
  income: number | null;
  active: boolean;
  note: string | null;
}

export function peopleRows(count: number, seed = 42): PersonRow[] {
  const r = seeded(seed);
  const pick = <T>(list: T[]) => list[Math.floor(r() * list.length)]!;
  return Array.from({ length: count }, (_, i) => {
    const birthYear = 1940 + Math.floor(r() * 66);
    const month = String(1 + Math.floor(r() * 12)).padStart(2, '0');
    const day = String(1 + Math.floor(r() * 28)).padStart(2, '0');
    return {
      citizenId: `0${String(79 + (i % 3)).padStart(2, '0')}${String(Math.floor(r() * 1e9)).padStart(9, '0')}`,
      fullName: `${pick(FAMILY)} ${pick(MIDDLE)} ${pick(GIVEN)}`,
      district: pick(DISTRICTS),
      birthYear,
      birthDate: `${birthYear}-${month}-${day}`,
      income: r() < 0.2 ? null : Math.round(r() * 50_000_000) / 100,
      active: r() < 0.7,
      note: r() < 0.5 ? null : pick(["Đã chuyển đi", "Tạm trú", "O'Brien", 'ghi chú "đặc biệt"', '100%_ok', 'Ấp 3, xã Tân Thông Hội']),
    };
  });
}

export const PEOPLE_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  required: ['citizenId', 'fullName', 'district', 'birthYear', 'birthDate', 'active'],
  properties: {
    citizenId: { type: 'string', 'x-pii': true },
    fullName: { type: 'string', 'x-pii': true },
    district: { type: 'string' },
    birthYear: { type: 'integer' },
    birthDate: { type: 'string', format: 'date' },
    income: { type: ['number', 'null'] },
    active: { type: 'boolean' },
    note: { type: ['string', 'null'] },
  },
};

/** At least 50 filters covering every operator, nesting, nulls and Vietnamese text. */
export function generatedFilters(rows: PersonRow[]): Record<string, unknown>[] {
  const r = seeded(7);
  const row = () => rows[Math.floor(r() * rows.length)]!;
  const filters: Record<string, unknown>[] = [
    { district: { eq: 'Quận 1' } },
    { district: { ne: 'Quận 1' } },
    { district: { in: ['Quận 3', 'Thành phố Thủ Đức'] } },
    { district: { nin: ['Quận 3', 'Thành phố Thủ Đức', 'Huyện Củ Chi'] } },
    { district: { in: [] } },
    { district: { nin: [] } },
    { fullName: { startsWith: 'Nguyễn' } },
    { fullName: { startsWith: 'Đặng Thị' } },
    { fullName: { contains: 'Ngọc' } },
    { fullName: { contains: 'ngọc' } },
    { fullName: { gte: 'Lê' } },
    { fullName: { lt: 'Đ' } },
    { note: { isNull: true } },
    { note: { isNull: false } },
    { note: { eq: "O'Brien" } },
    { note: { ne: 'Tạm trú' } },
    { note: { contains: '%' } },
    { note: { contains: '_' } },
    { note: { contains: '"' } },
    { note: { startsWith: 'Ấp' } },
    { not: { note: { eq: 'Tạm trú' } } },
    { not: { note: { isNull: true } } },
    { income: { gt: 250000 } },
    { income: { lte: 100000.5 } },
    { income: { isNull: true } },
    { not: { income: { gt: 250000 } } },
    { income: { in: [row().income ?? 1, row().income ?? 2] } },
    { income: { nin: [row().income ?? 1] } },
    { birthYear: { eq: 1980 } },
    { birthYear: { gte: 1990, lt: 2000 } },
    { birthYear: { in: [1950, 1960, 1970, 1980] } },
    { birthYear: { nin: [1950, 1960] } },
    { birthDate: { gte: '1990-01-01' } },
    { birthDate: { lt: '1955-06-15' } },
    { birthDate: { eq: row().birthDate } },
    { active: { eq: true } },
    { active: { ne: true } },
    { citizenId: { eq: row().citizenId } },
    { citizenId: { startsWith: '080' } },
    { citizenId: { in: [row().citizenId, row().citizenId, '000000000000'] } },
    { and: [{ district: { eq: 'Quận 10' } }, { active: { eq: true } }] },
    { or: [{ district: { eq: 'Quận 10' } }, { birthYear: { lt: 1950 } }] },
    { or: [{ note: { isNull: true } }, { note: { startsWith: 'Tạm' } }] },
    { and: [{ or: [{ birthYear: { gte: 1990 } }, { fullName: { startsWith: 'Nguyễn' } }] }, { district: { eq: 'Quận 1' } }] },
    { not: { or: [{ district: { eq: 'Quận 1' } }, { district: { eq: 'Quận 3' } }] } },
    { not: { and: [{ active: { eq: true } }, { income: { gt: 100000 } }] } },
    { and: [{ not: { note: { contains: 'Tạm' } } }, { income: { isNull: false } }] },
    { or: [{ and: [{ birthYear: { gte: 2000 } }, { active: { eq: false } }] }, { and: [{ birthYear: { lt: 1945 } }, { note: { isNull: false } }] }] },
    { district: { eq: 'Quận 1' }, active: { eq: false } },
    { not: { not: { district: { startsWith: 'Quận' } } } },
    { fullName: { eq: "'; DROP TABLE people; --" } },
    { district: { contains: "' OR '1'='1" } },
  ];
  for (let i = 0; i < 8; i++) {
    const a = row();
    filters.push({ or: [{ birthYear: { gt: a.birthYear } }, { and: [{ birthYear: { eq: a.birthYear } }, { citizenId: { gte: a.citizenId } }] }] });
  }
  return filters;
}
