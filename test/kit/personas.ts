import type { Principal } from '../../server/auth/principal.js';

/** A named principal a story is told about; its token is minted by the gateway it talks to. */
export type Persona = Principal;

/** Sở Tài chính's analyst, who asks other departments for data. */
export const analystOfTaiChinh: Persona = { id: 'an.nguyen', department: 'tai-chinh', roles: ['analyst'] };
/** Sở Tài chính's publisher, who registers the department's own datasets. */
export const publisherOfTaiChinh: Persona = { id: 'lan.tran', department: 'tai-chinh', roles: ['publisher'] };
/** Công an's publisher: the residents and other police datasets are registered by them. */
export const publisherOfCongAn: Persona = { id: 'minh.pham', department: 'cong-an', roles: ['publisher'] };
/** An officer of Công an who reads the department's own data. */
export const officerOfCongAn: Persona = { id: 'officer', department: 'cong-an', roles: ['analyst'] };
/** Công an's steward, who decides access requests for the department's datasets. */
export const stewardOfCongAn: Persona = { id: 'binh.tran', department: 'cong-an', roles: ['steward'] };
/** Sở Y tế's steward: a steward, but of another department. */
export const stewardOfYTe: Persona = { id: 'hoa.le', department: 'y-te', roles: ['steward'] };
/** Sở Y tế's publisher, whose health facilities come from an HTTP API. */
export const publisherOfYTe: Persona = { id: 'p', department: 'y-te', roles: ['publisher'] };
/** Sở Y tế's analyst. */
export const analystOfYTe: Persona = { id: 'r', department: 'y-te', roles: ['analyst'] };
/** Sở Giáo dục và Đào tạo's publisher. */
export const publisherOfGiaoDuc: Persona = { id: 'p', department: 'giao-duc-dao-tao', roles: ['publisher'] };
/** The platform's administrator. */
export const admin: Persona = { id: 'root', department: 'platform', roles: ['admin'] };

/**
 * Someone like `persona` but for what `changes` says: another colleague (`{ id }`), the same
 * sub in another department (`{ department }`, which is someone else), more hats (`{ roles }`).
 */
export const like = (persona: Persona, changes: Partial<Persona>): Persona => ({ ...persona, ...changes });
