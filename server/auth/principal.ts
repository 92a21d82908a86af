export const ROLES = ['publisher', 'analyst', 'steward', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The authenticated caller, as the verified token describes them. */
export interface Principal {
  id: string;
  department: string;
  roles: Role[];
}
