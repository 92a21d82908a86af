import { randomBytes } from 'node:crypto';
import { MongoServerError, type Collection, type Db, type Filter } from 'mongodb';
import { InvalidRequest } from '../../connectors/errors.js';
import { parseWhere } from '../../connectors/filter.js';
import { may } from '../auth/permissions.js';
import type { Principal } from '../auth/principal.js';
import type { CatalogueService } from '../catalogue/catalogue-service.js';
import { decodeCursor, keysetPage, pageSize, type Connection } from '../paging.js';
import type { Dataset } from '../catalogue/dataset.js';
import { MASK_STRATEGIES, type FieldInfo, type MaskStrategy } from '../catalogue/record-schema.js';
import { badInput, conflict, forbidden, notFound, quotaExceeded, type FaultDetail } from '../errors.js';
import { auditEntry, type AuditAppend } from '../audit/audit-entry.js';
import { defaultMask, partialWindow } from './masks.js';
import type { Grant, GrantMask } from './policy.js';
import type { Notify } from './webhook.js';

export type RequestStatus = 'PENDING' | 'APPROVED' | 'REJECTED' | 'WITHDRAWN';

export interface AccessRequest {
  _id: string;
  datasetId: string;
  datasetDepartment: string;
  requesterId: string;
  requesterDepartment: string;
  fields: string[];
  purpose: string;
  justification?: string;
  until: Date;
  status: RequestStatus;
  createdAt: Date;
  decidedBy?: string;
  decidedAt?: Date;
  reason?: string;
  grantId?: string;
}

export interface AccessRequestInput {
  datasetId: string;
  fields: string[];
  purpose: string;
  justification?: string | null;
  until: Date;
}

export interface ApprovalInput {
  fields?: string[] | null;
  rowFilter?: unknown;
  /** On top of the declared masks of granted PII fields; CLEAR shows a field unmasked. */
  masks?: { field: string; strategy: MaskStrategy | 'CLEAR'; keepStart?: number | null; keepEnd?: number | null }[] | null;
  until?: Date | null;
  maxRows?: number | null;
  note?: string | null;
}

type MaskChoice = NonNullable<ApprovalInput['masks']>[number];

/** An approval's masks may also say CLEAR: that granted field is shown unmasked. */
const APPROVAL_STRATEGIES: readonly string[] = [...MASK_STRATEGIES, 'CLEAR'];

/**
 * The mask a steward chose for a granted field, or the faults of the choice. PARTIAL keeps within
 * the field's window (partialWindow) and always stores both ends, so every view of the field
 * under any grant keeps the same positions at most.
 */
function chosenMask(choice: MaskChoice, field: FieldInfo, path: string): { mask: GrantMask | null } | { faults: FaultDetail[] } {
  if (!APPROVAL_STRATEGIES.includes(choice.strategy)) return { faults: [{ path: `${path}.strategy`, message: `must be one of ${APPROVAL_STRATEGIES.join(', ')}` }] };
  const given = { keepStart: choice.keepStart ?? null, keepEnd: choice.keepEnd ?? null };
  if (choice.strategy === 'YEAR_ONLY' && field.type !== 'date' && field.type !== 'datetime') {
    return { faults: [{ path: `${path}.strategy`, message: `YEAR_ONLY applies to dates only; ${field.name} is ${field.type}` }] };
  }
  if (choice.strategy !== 'PARTIAL') {
    const stray = (['keepStart', 'keepEnd'] as const).filter((key) => given[key] !== null);
    if (stray.length > 0) return { faults: stray.map((key) => ({ path: `${path}.${key}`, message: 'applies to PARTIAL masks only' })) };
    return { mask: choice.strategy === 'CLEAR' ? null : { field: field.name, strategy: choice.strategy } };
  }
  const window = partialWindow(field);
  const faults: FaultDetail[] = [];
  for (const key of ['keepStart', 'keepEnd'] as const) {
    const value = given[key];
    if (value !== null && (!Number.isInteger(value) || value < 0 || value > window[key])) {
      faults.push({ path: `${path}.${key}`, message: `must be a whole number from 0 to ${window[key]}: a PARTIAL mask of ${field.name} keeps at most ${window.keepStart} at the start and ${window.keepEnd} at the end` });
    }
  }
  if (faults.length > 0) return { faults };
  return { mask: { field: field.name, strategy: 'PARTIAL', keepStart: given.keepStart ?? window.keepStart, keepEnd: given.keepEnd ?? window.keepEnd } };
}

/** One pending request per requester — a sub within a department — and dataset. */
const pendingLockId = (sub: string, department: string, datasetId: string) => JSON.stringify([sub, department, datasetId]);

/**
 * A request belongs to a sub within a department: that is whose it is to withdraw, and what a
 * grant made of it is for. Deciding it is another matter: `sub` names the person, so nobody
 * decides a request made under their sub, whichever department's token they hold (samePerson).
 */
const requestedUnder = (principal: Principal, request: AccessRequest) => request.requesterId === principal.id && request.requesterDepartment === principal.department;
const samePerson = (principal: Principal, request: AccessRequest) => request.requesterId === principal.id;

/** A grant's row count of the current day (UTC). */
const usageId = (grant: Grant) => `${grant._id}|${day(new Date())}`;

/** Time-ordered ids, so listing newest first is a sort on _id. */
const newId = (prefix: string) => `${prefix}_${Date.now().toString(36).padStart(9, '0')}${randomBytes(5).toString('hex')}`;
const idTime = (id: string) => parseInt(id.split('_')[1]?.slice(0, 9) ?? '0', 36);
const day = (at: Date) => at.toISOString().slice(0, 10);

/**
 * Access requests and grants. Every transition is one conditional update (the precondition is
 * the current status), so of an approval and a rejection racing on one request exactly one
 * wins and the other gets CONFLICT. A grant is written inactive first and switched on only after
 * its request's approval won, so no grant is ever used without an approved request.
 */
export class AccessService {
  readonly requests: Collection<AccessRequest>;
  readonly grants: Collection<Grant>;
  private readonly pendingLocks: Collection<{ _id: string; requestId: string }>;
  private readonly usage: Collection<{ _id: string; rows: number }>;

  constructor(
    db: Db,
    private readonly catalogue: CatalogueService,
    private readonly audit: AuditAppend,
    private readonly notify: Notify,
    private readonly maxAccessDays: number,
  ) {
    this.requests = db.collection('access_requests');
    this.grants = db.collection('grants');
    this.pendingLocks = db.collection('access_request_locks');
    this.usage = db.collection('grant_usage');
  }

  async ensureIndexes(): Promise<void> {
    await this.requests.createIndex({ datasetDepartment: 1, _id: -1 }, { name: 'department_newest' });
    await this.requests.createIndex({ requesterId: 1, _id: -1 }, { name: 'requester_newest' });
    await this.grants.createIndex({ granteeId: 1, datasetId: 1 }, { name: 'grantee_dataset' });
    await this.grants.createIndex({ datasetDepartment: 1, _id: -1 }, { name: 'department_newest' });
  }

  private async publishedDataset(principal: Principal, id: string): Promise<Dataset> {
    const dataset = await this.catalogue.get(principal, id);
    if (!dataset || dataset.status !== 'PUBLISHED') throw notFound(`Dataset ${id} not found.`);
    return dataset;
  }

  async requestAccess(principal: Principal, input: AccessRequestInput): Promise<AccessRequest> {
    if (!may.requestAccess(principal)) throw forbidden('Requesting access needs the analyst role.');
    const dataset = await this.publishedDataset(principal, input.datasetId);
    const faults: FaultDetail[] = [];
    const known = new Set(dataset.fields.map((f) => f.name));
    if (input.fields.length === 0) faults.push({ path: 'input.fields', message: 'must name at least one field' });
    input.fields.forEach((f, i) => {
      if (!known.has(f)) faults.push({ path: `input.fields.${i}`, message: `"${f}" is not a field of ${dataset.id}` });
    });
    const purpose = input.purpose.trim();
    if (purpose.length < 5) faults.push({ path: 'input.purpose', message: 'must state the legal or administrative ground (at least 5 characters)' });
    const now = Date.now();
    if (!(input.until.getTime() > now)) faults.push({ path: 'input.until', message: 'must be in the future' });
    else if (input.until.getTime() > now + this.maxAccessDays * 86_400_000) faults.push({ path: 'input.until', message: `must be within ${this.maxAccessDays} days` });
    if (faults.length > 0) throw badInput('The access request is invalid.', faults);

    const request: AccessRequest = {
      _id: newId('req'),
      datasetId: dataset.id,
      datasetDepartment: dataset.department,
      requesterId: principal.id,
      requesterDepartment: principal.department,
      fields: [...new Set(input.fields)],
      purpose,
      until: input.until,
      status: 'PENDING',
      createdAt: new Date(),
      ...(input.justification?.trim() ? { justification: input.justification.trim() } : {}),
    };
    await this.lockPending(principal, dataset.id, request._id);
    await this.requests.insertOne(request);
    await this.audit(auditEntry(principal, 'access.request', request, { fields: request.fields, purpose, detail: { requestId: request._id } }));
    this.notify({ type: 'access.requested', requestId: request._id, datasetId: dataset.id, department: dataset.department, requester: principal.id, purpose });
    return request;
  }

  /**
   * One pending request per principal and dataset: a lock document keyed by both. A lock whose
   * request is no longer pending (or was never written) is taken over with a conditional update.
   */
  private async lockPending(requester: Principal, datasetId: string, requestId: string): Promise<void> {
    const _id = pendingLockId(requester.id, requester.department, datasetId);
    try {
      await this.pendingLocks.insertOne({ _id, requestId });
      return;
    } catch (error) {
      if (!(error instanceof MongoServerError && error.code === 11000)) throw error;
    }
    const lock = await this.pendingLocks.findOne({ _id });
    const holder = lock ? await this.requests.findOne({ _id: lock.requestId }) : null;
    // A lock with no request yet may belong to a request being written right now.
    const inFlight = lock && !holder && Date.now() - idTime(lock.requestId) < 30_000;
    if (holder?.status === 'PENDING' || inFlight) {
      throw conflict(`You already have a pending request for ${datasetId} (${lock?.requestId}); withdraw it or wait for the decision.`);
    }
    const taken = await this.pendingLocks.findOneAndUpdate({ _id, requestId: lock?.requestId ?? '' }, { $set: { requestId } });
    if (!taken) throw conflict(`You already have a pending request for ${datasetId}.`);
  }

  private async unlockPending(request: AccessRequest): Promise<void> {
    await this.pendingLocks.deleteOne({ _id: pendingLockId(request.requesterId, request.requesterDepartment, request.datasetId), requestId: request._id });
  }

  /** Moves a request out of PENDING; a request no longer pending is CONFLICT. */
  private async decide(id: string, set: Partial<AccessRequest>): Promise<AccessRequest> {
    const updated = await this.requests.findOneAndUpdate({ _id: id, status: 'PENDING' }, { $set: set }, { returnDocument: 'after' });
    if (!updated) throw conflict(`Request ${id} is no longer pending.`);
    await this.unlockPending(updated);
    return updated;
  }

  private async pendingFor(principal: Principal, id: string): Promise<AccessRequest> {
    const request = await this.requests.findOne({ _id: id });
    if (!request) throw notFound(`Access request ${id} not found.`);
    if (!may.stewardFor(principal, request.datasetDepartment)) {
      throw forbidden(`Only a steward of ${request.datasetDepartment} (or an admin) decides requests for its datasets.`);
    }
    // Separation of duties: holding both roles does not let anyone approve their own request, nor does a token of another department.
    if (samePerson(principal, request)) throw forbidden('Nobody may decide their own access request.');
    if (request.status !== 'PENDING') throw conflict(`Request ${id} is ${request.status}, no longer pending.`);
    return request;
  }

  async approve(principal: Principal, id: string, input: ApprovalInput | null): Promise<Grant> {
    const request = await this.pendingFor(principal, id);
    const dataset = await this.catalogue.getUnchecked(request.datasetId);
    if (!dataset) throw notFound(`Dataset ${request.datasetId} no longer exists.`);
    const approval = input ?? {};
    const faults: FaultDetail[] = [];
    const fields = approval.fields?.length ? [...new Set(approval.fields)] : request.fields;
    fields.forEach((f, i) => {
      if (!request.fields.includes(f)) faults.push({ path: `input.fields.${i}`, message: `"${f}" was not requested; an approval may only narrow the fields` });
    });
    let until = request.until;
    if (approval.until) {
      if (approval.until.getTime() > request.until.getTime()) faults.push({ path: 'input.until', message: 'may only be earlier than the requested date' });
      else if (approval.until.getTime() <= Date.now()) faults.push({ path: 'input.until', message: 'must be in the future' });
      else until = approval.until;
    }
    if (approval.maxRows !== null && approval.maxRows !== undefined && !(Number.isInteger(approval.maxRows) && approval.maxRows > 0)) {
      faults.push({ path: 'input.maxRows', message: 'must be a positive whole number of rows per day' });
    }
    const byName = new Map(dataset.fields.map((f) => [f.name, f]));
    // Personal data stays masked as the dataset declares unless the steward says otherwise for
    // that very field: naming one field's mask never unmasks another.
    const masksByField = new Map<string, GrantMask>(
      fields.flatMap((f) => byName.get(f) ?? []).filter((f) => f.pii).map((f) => [f.name, { field: f.name, ...defaultMask(f) }]),
    );
    const named = new Set<string>();
    (approval.masks ?? []).forEach((choice, i) => {
      const path = `input.masks.${i}`;
      const field = byName.get(choice.field);
      if (!field || !fields.includes(choice.field)) return faults.push({ path: `${path}.field`, message: `"${choice.field}" is not a granted field` });
      if (named.has(choice.field)) return faults.push({ path: `${path}.field`, message: `"${choice.field}" already has a mask in this approval` });
      named.add(choice.field);
      const chosen = chosenMask(choice, field, path);
      if ('faults' in chosen) return faults.push(...chosen.faults);
      if (chosen.mask) masksByField.set(field.name, chosen.mask);
      else masksByField.delete(field.name);
    });
    const masks = [...masksByField.values()];
    if (approval.rowFilter !== null && approval.rowFilter !== undefined) {
      try {
        parseWhere(approval.rowFilter, dataset.fields, 'input.rowFilter');
      } catch (error) {
        if (error instanceof InvalidRequest) faults.push(...error.faults);
        else throw error;
      }
    }
    if (faults.length > 0) throw badInput('The approval is invalid.', faults);

    const grant: Grant = {
      _id: request._id.replace(/^req_/, 'grant_'),
      requestId: request._id,
      datasetId: request.datasetId,
      datasetDepartment: request.datasetDepartment,
      granteeId: request.requesterId,
      granteeDepartment: request.requesterDepartment,
      fields,
      rowFilter: approval.rowFilter ?? null,
      masks,
      purpose: request.purpose,
      until,
      approvedBy: principal.id,
      createdAt: new Date(),
      active: false,
      ...(approval.maxRows ? { maxRows: approval.maxRows } : {}),
      ...(approval.note?.trim() ? { note: approval.note.trim() } : {}),
    };
    await this.insertInactiveGrant(grant, id);
    try {
      await this.decide(id, { status: 'APPROVED', decidedBy: principal.id, decidedAt: new Date(), grantId: grant._id, ...(grant.note ? { reason: grant.note } : {}) });
    } catch (error) {
      await this.grants.deleteOne({ _id: grant._id, active: false });
      throw error;
    }
    await this.grants.updateOne({ _id: grant._id }, { $set: { active: true } });
    grant.active = true;
    await this.catalogue.counters.bump('grants');
    await this.audit(auditEntry(principal, 'access.approve', grant, { fields, purpose: grant.purpose, grantId: grant._id, detail: { requestId: id, grantee: grant.granteeId, until: until.toISOString(), maxRows: grant.maxRows ?? null, masks: masks.map((m) => `${m.field}:${m.strategy}`) } }));
    this.notify({ type: 'access.approved', requestId: id, grantId: grant._id, datasetId: grant.datasetId, grantee: grant.granteeId });
    return grant;
  }

  /**
   * Writes the grant, still inactive. Its id is the request's, so two approvals of one request
   * cannot both write one; an inactive grant left by an approval that died half-way (older than
   * a minute, its request still pending) is cleared and the write retried.
   */
  private async insertInactiveGrant(grant: Grant, requestId: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.grants.insertOne(grant);
        return;
      } catch (error) {
        if (!(error instanceof MongoServerError && error.code === 11000)) throw error;
        const cleared = attempt === 0 ? await this.grants.deleteOne({ _id: grant._id, active: false, createdAt: { $lt: new Date(Date.now() - 60_000) } }) : { deletedCount: 0 };
        if (cleared.deletedCount === 0) throw conflict(`Request ${requestId} is being decided by someone else.`);
      }
    }
  }

  async reject(principal: Principal, id: string, reason: string): Promise<AccessRequest> {
    if (!reason.trim()) throw badInput('A reason is required.', [{ path: 'reason', message: 'must not be empty' }]);
    await this.pendingFor(principal, id);
    const request = await this.decide(id, { status: 'REJECTED', decidedBy: principal.id, decidedAt: new Date(), reason: reason.trim() });
    await this.audit(auditEntry(principal, 'access.reject', request, { purpose: request.purpose, detail: { requestId: id, reason: request.reason } }));
    this.notify({ type: 'access.rejected', requestId: id, datasetId: request.datasetId, requester: request.requesterId, reason: request.reason });
    return request;
  }

  async withdraw(principal: Principal, id: string): Promise<AccessRequest> {
    const existing = await this.requests.findOne({ _id: id });
    if (!existing || !requestedUnder(principal, existing)) throw notFound(`Access request ${id} not found among yours.`);
    const request = await this.decide(id, { status: 'WITHDRAWN', decidedBy: principal.id, decidedAt: new Date() });
    await this.audit(auditEntry(principal, 'access.withdraw', request, { detail: { requestId: id } }));
    return request;
  }

  async revoke(principal: Principal, id: string, reason: string): Promise<Grant> {
    if (!reason.trim()) throw badInput('A reason is required.', [{ path: 'reason', message: 'must not be empty' }]);
    const grant = await this.grants.findOne({ _id: id, active: true });
    if (!grant) throw notFound(`Grant ${id} not found.`);
    if (!may.stewardFor(principal, grant.datasetDepartment)) throw forbidden(`Only a steward of ${grant.datasetDepartment} (or an admin) revokes its grants.`);
    const revoked = await this.grants.findOneAndUpdate(
      { _id: id, revokedAt: { $exists: false } },
      { $set: { revokedAt: new Date(), revokedBy: principal.id, revokeReason: reason.trim() } },
      { returnDocument: 'after' },
    );
    if (!revoked) throw conflict(`Grant ${id} is already revoked.`);
    // Before anyone is told: every replica's next read under this grant must see it revoked.
    await this.catalogue.counters.bump('grants');
    await this.audit(auditEntry(principal, 'access.revoke', grant, { grantId: id, detail: { reason: reason.trim() } }));
    this.notify({ type: 'access.revoked', grantId: id, datasetId: grant.datasetId, grantee: grant.granteeId });
    return revoked;
  }

  /** Approved grants by id (requests name theirs), in one query. */
  async grantsById(ids: readonly string[]): Promise<Map<string, Grant>> {
    const docs = await this.grants.find({ _id: { $in: [...new Set(ids)] }, active: true }).toArray();
    return new Map(docs.map((grant) => [grant._id, grant]));
  }

  /** Grants in force for the caller on a dataset: active, not revoked, not expired. */
  async activeGrants(principal: Principal, datasetId: string): Promise<Grant[]> {
    return this.grants
      // A grant is the grantee's as a member of their department: the same sub with another dept is someone else.
      .find({ granteeId: principal.id, granteeDepartment: principal.department, datasetId, active: true, revokedAt: { $exists: false }, until: { $gt: new Date() } }, { sort: { _id: -1 } })
      .toArray();
  }

  /** Rows the grant may still return today, or null when it has no quota. */
  async remainingRows(grant: Grant): Promise<number | null> {
    if (!grant.maxRows) return null;
    const used = (await this.usage.findOne({ _id: usageId(grant) }))?.rows ?? 0;
    return Math.max(0, grant.maxRows - used);
  }

  /**
   * Counts `rows` against the grant's daily quota, or refuses them all with QUOTA_EXCEEDED. The
   * count lives in MongoDB, so it holds across restarts and across gateway replicas. The
   * refusal says nothing of how many rows the read matched: that would answer questions about
   * the data without counting them.
   */
  async reserveRows(grant: Grant, rows: number): Promise<void> {
    if (!grant.maxRows || rows === 0) return;
    const _id = usageId(grant);
    await this.usage.updateOne({ _id }, { $setOnInsert: { rows: 0 } }, { upsert: true }).catch((error: unknown) => {
      if (!(error instanceof MongoServerError && error.code === 11000)) throw error;
    });
    const counted = await this.usage.findOneAndUpdate({ _id, rows: { $lte: grant.maxRows - rows } }, { $inc: { rows } });
    if (!counted) throw quotaExceeded(`Grant ${grant._id} allows ${grant.maxRows} rows a day, and other reads under it took the rest of today's meanwhile; try again with fewer rows, or tomorrow (UTC).`);
  }

  /** Admins see all; stewards their department's and their own; everyone else only their own. */
  private visibleFilter<T extends { datasetDepartment: string }>(principal: Principal, own: Filter<T>): Filter<T> {
    if (may.administer(principal)) return {};
    if (may.overseeDepartment(principal)) return { $or: [{ datasetDepartment: principal.department }, own] } as Filter<T>;
    return own;
  }

  private async assertMayList(principal: Principal, datasetId: string | null | undefined, ownOnly: boolean): Promise<void> {
    if (!datasetId || may.administer(principal)) return;
    // A draft the caller may not see and a dataset that does not exist get the same answer.
    const dataset = await this.catalogue.get(principal, datasetId);
    if (!dataset) throw notFound(`Dataset ${datasetId} not found.`);
    if (dataset.department !== principal.department && !ownOnly) {
      throw forbidden(`Only stewards of ${dataset.department} (or admins) see all requests and grants for its datasets.`);
    }
  }

  async listRequests(principal: Principal, args: { status?: RequestStatus | null; datasetId?: string | null; first?: number | null; after?: string | null }): Promise<Connection<AccessRequest>> {
    const steward = may.overseeDepartment(principal);
    await this.assertMayList(principal, args.datasetId, !steward);
    const clauses: Filter<AccessRequest>[] = [this.visibleFilter<AccessRequest>(principal, { requesterId: principal.id, requesterDepartment: principal.department })];
    if (args.status) clauses.push({ status: args.status });
    if (args.datasetId) clauses.push({ datasetId: args.datasetId });
    return this.page(this.requests, clauses, args.first, args.after);
  }

  async listGrants(principal: Principal, args: { datasetId?: string | null; active?: boolean | null; first?: number | null; after?: string | null }): Promise<Connection<Grant>> {
    const steward = may.overseeDepartment(principal);
    await this.assertMayList(principal, args.datasetId, !steward);
    const clauses: Filter<Grant>[] = [{ active: true }, this.visibleFilter<Grant>(principal, { granteeId: principal.id, granteeDepartment: principal.department })];
    if (args.datasetId) clauses.push({ datasetId: args.datasetId });
    const now = new Date();
    if (args.active === true) clauses.push({ revokedAt: { $exists: false }, until: { $gt: now } });
    if (args.active === false) clauses.push({ $or: [{ revokedAt: { $exists: true } }, { until: { $lte: now } }] });
    return this.page(this.grants, clauses, args.first, args.after);
  }

  /** Newest first: ids are time-ordered, so the cursor is the last id seen. */
  private async page<T extends { _id: string }>(collection: Collection<T>, clauses: Filter<T>[], first: number | null | undefined, after: string | null | undefined): Promise<Connection<T>> {
    const size = pageSize(first, 1000);
    if (after) clauses.push({ _id: { $lt: decodeCursor(after, ['string'])[0] } } as Filter<T>);
    const docs = (await collection.find({ $and: clauses } as Filter<T>, { sort: { _id: -1 }, limit: size + 1 }).toArray()) as T[];
    return keysetPage(docs, size, (doc) => [doc._id]);
  }
}
