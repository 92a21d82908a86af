import type { Principal, Role } from './principal.js';

const has = (principal: Principal, role: Role): boolean => principal.roles.includes(role);
const admin = (principal: Principal): boolean => has(principal, 'admin');
/** A role counts in its own department only; an admin acts in every department. */
const asMemberOf = (principal: Principal, department: string, ...roles: Role[]): boolean =>
  admin(principal) || (principal.department === department && roles.some((role) => has(principal, role)));

/**
 * Who may do what, decided in one place: services ask `may.x(principal, …)` and say no in their
 * own words. What a principal may *read* of data is the policy engine's (governance/policy.ts),
 * not this module's.
 */
export const may = {
  /** Act on anything, anywhere: see every draft, request, grant and audit event. */
  administer: (p: Principal) => admin(p),
  /** Register datasets at all (for their own department; for any, as an admin). */
  registerDatasets: (p: Principal) => admin(p) || has(p, 'publisher'),
  /** Register, change, publish or deprecate the datasets of `department`. */
  publishFor: (p: Principal, department: string) => asMemberOf(p, department, 'publisher'),
  /** Check a dataset's source on demand. */
  checkSourceOf: (p: Principal, department: string) => asMemberOf(p, department, 'publisher', 'steward'),
  /** Ask for access to data under a purpose. */
  requestAccess: (p: Principal) => admin(p) || has(p, 'analyst'),
  /** Decide requests for, and revoke grants on, the datasets of `department`. */
  stewardFor: (p: Principal, department: string) => asMemberOf(p, department, 'steward'),
  /** See the requests, grants and audit trail of their own department's datasets. */
  overseeDepartment: (p: Principal) => admin(p) || has(p, 'steward'),
};
