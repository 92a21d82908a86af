export const ROLES = ['publisher', 'analyst', 'steward', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The authenticated caller, as the verified token describes them. */
export interface Principal {
  id: string;
  department: string;
  roles: Role[];
}

export const hasRole = (principal: Principal, role: Role): boolean => principal.roles.includes(role);
export const isAdmin = (principal: Principal): boolean => hasRole(principal, 'admin');
