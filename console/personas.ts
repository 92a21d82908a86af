import type { Principal, Role } from '../server/auth/principal.js';

/** The development sign-in's sample people: one per role and sample department, and one admin. */
export interface Persona {
  id: string;
  name: string;
  principal: Principal;
}

const DEPARTMENTS: [code: string, people: Record<Exclude<Role, 'admin'>, string>][] = [
  ['cong-an', { analyst: 'Lê Thị Hoa', steward: 'Trần Văn Bình', publisher: 'Phạm Quốc Cường' }],
  ['tai-chinh', { analyst: 'Nguyễn Văn An', steward: 'Đỗ Thị Dung', publisher: 'Hoàng Minh Đức' }],
  ['nong-nghiep-moi-truong', { analyst: 'Vũ Thị Giang', steward: 'Bùi Văn Hải', publisher: 'Đặng Thu Hằng' }],
  ['y-te', { analyst: 'Ngô Văn Khánh', steward: 'Dương Thị Lan', publisher: 'Lý Văn Minh' }],
  ['giao-duc-dao-tao', { analyst: 'Mai Thị Ngọc', steward: 'Tô Văn Phúc', publisher: 'Hồ Thị Quỳnh' }],
  ['khoa-hoc-cong-nghe', { analyst: 'Trịnh Văn Sơn', steward: 'Lương Thị Tâm', publisher: 'Châu Văn Thành' }],
];

export const PERSONAS: Persona[] = [
  ...DEPARTMENTS.flatMap(([department, people]) =>
    (['analyst', 'steward', 'publisher'] as const).map((role) => ({ id: `${role}.${department}`, name: people[role], principal: { id: `${role}.${department}`, department, roles: [role] } })),
  ),
  { id: 'admin.platform', name: 'Quản trị nền tảng', principal: { id: 'admin.platform', department: 'platform', roles: ['admin'] } },
];

export const personaById = (id: string): Persona | undefined => PERSONAS.find((p) => p.id === id);
