import type { Principal } from '../auth/principal.js';
import type { AuditEntry } from './audit-log.js';

export type AuditAction =
  | 'data.read'
  | 'dataset.register'
  | 'dataset.update'
  | 'dataset.publish'
  | 'dataset.deprecate'
  | 'access.request'
  | 'access.approve'
  | 'access.reject'
  | 'access.withdraw'
  | 'access.revoke'
  | 'department.create'
  | 'department.rename';

/** The dataset an event is about, as requests and grants already carry it. */
export interface AuditSubject {
  datasetId: string;
  datasetDepartment: string;
}

export type AuditFacts = Omit<AuditEntry, 'actor' | 'actorDepartment' | 'action' | 'datasetId' | 'datasetDepartment'>;

/**
 * An audit event of `principal` about a dataset (null: about the platform, such as a department), assembled in one place for every service, so
 * every event names its actor, their department and the dataset's owner alike. Absent facts are
 * left out rather than stored as undefined, so what is hashed is what is stored.
 */
export function auditEntry(principal: Principal, action: AuditAction, subject: AuditSubject | null, facts: AuditFacts = {}): AuditEntry {
  const entry: AuditEntry = { actor: principal.id, actorDepartment: principal.department, action };
  if (subject) Object.assign(entry, { datasetId: subject.datasetId, datasetDepartment: subject.datasetDepartment });
  for (const [key, value] of Object.entries(facts) as [keyof AuditFacts, AuditFacts[keyof AuditFacts]][]) {
    if (value !== undefined) Object.assign(entry, { [key]: value });
  }
  return entry;
}

export type AuditAppend = (entry: AuditEntry) => Promise<unknown>;
