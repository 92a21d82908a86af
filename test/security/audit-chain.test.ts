import { createHmac } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { AuditEntry, AuditEvent, AuditVerification } from '../../server/audit/audit-log.js';
import { canonicalJson } from '../../server/audit/canonical-json.js';
import { codeOf, dataOf, startTestGateway } from '../kit.js';
import { admin, like, officerOfCongAn, publisherOfCongAn, stewardOfCongAn } from '../kit/personas.js';
import { withPublishedSource } from '../kit/stories.js';
import { peopleRows } from '../sample-rows.js';

const people = withPublishedSource(peopleRows(10), 'PUBLIC');
const platformAdmin = people.as(admin);

beforeAll(async () => {
  // A draft of Công an's, whose trail only its own stewards may read.
  dataOf(await people.as(publisherOfCongAn).registerDataset({ input: people.inputOver({ slug: 'plans', title: 'Kế hoạch chưa công bố', description: 'Bản nháp.', classification: 'RESTRICTED' }) }));
});

const count = () => people.gw.auditLog.events.countDocuments();
const snapshot = () => people.gw.auditLog.events.find({}, { sort: { _id: 1 } }).toArray();
const entry = (actor: string, extra: Partial<AuditEntry> = {}): AuditEntry => ({ actor, actorDepartment: 'tai-chinh', action: 'test.append', ...extra });
const hmac = (key: string, body: unknown) => createHmac('sha256', key).update(canonicalJson(body)).digest('hex');

const verifyAsAdmin = async (): Promise<AuditVerification> => dataOf(await platformAdmin.verifyAuditLog()).verifyAuditLog;

const intact = (checked: number): AuditVerification => ({ ok: true, checked, firstBrokenSeq: null, brokenCount: 0, brokenSeqs: [] });

/** The event re-hashed by someone who does not hold the platform's audit key. */
function forged(event: AuditEvent, change: Partial<AuditEntry>): AuditEvent {
  const { hash, ...body } = { ...event, ...change };
  expect(hash).toBe(event.hash);
  return { ...body, hash: hmac('not-the-platform-key', body) };
}

describe('what the audit trail stores is what it hashed', () => {
  it('keeps a purpose or detail with a lone surrogate or a NUL verifiable', async () => {
    const before = await count();
    const [surrogate, nul] = await Promise.all([
      people.gw.auditLog.append(entry('lan', { datasetId: 'cong-an.people', datasetDepartment: 'cong-an', purpose: 'x\ud800y', detail: { lone: '\udc00', nested: { list: ['a\ud800', 1] } } })),
      people.gw.auditLog.append(entry('lan', { datasetId: 'cong-an.people', datasetDepartment: 'cong-an', purpose: 'x\u0000y', detail: { note: 'a\u0000b', nested: { list: ['\u0000'] } } })),
    ]);
    expect(await count()).toBe(before + 2);
    // MongoDB holds strings as UTF-8: the lone surrogate is stored, hashed and returned as U+FFFD.
    expect(surrogate.purpose).toBe('x\ufffdy');
    expect(surrogate.detail).toEqual({ lone: '\ufffd', nested: { list: ['a\ufffd', 1] } });
    expect(nul.purpose).toBe('x\u0000y');
    expect(await people.gw.auditLog.events.findOne({ _id: surrogate._id })).toStrictEqual(surrogate);
    expect(await people.gw.auditLog.events.findOne({ _id: nul._id })).toStrictEqual(nul);
    expect(await verifyAsAdmin()).toEqual(intact(before + 2));
  });

  it('refuses an entry that names a chain field, alone, and stores its batch-mates', async () => {
    const before = await count();
    // As a caller's data could smuggle them in: the type does not have them, the object does.
    const withHash: AuditEntry & { hash: string } = { ...entry('mai'), hash: 'f'.repeat(64) };
    const withId: AuditEntry & { _id: number } = { ...entry('mai'), _id: 1 };
    const results = await Promise.allSettled([
      people.gw.auditLog.append(entry('mai')),
      people.gw.auditLog.append(withHash),
      people.gw.auditLog.append(withId),
      people.gw.auditLog.append(entry('mai')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/chain field hash/);
    expect(await count()).toBe(before + 2);
    expect(await verifyAsAdmin()).toEqual(intact(before + 2));
  });

  it('stores numbers, dates and nested detail exactly as they are read back and hashed', async () => {
    const before = await count();
    const when = new Date('2024-02-29T12:34:56.789Z');
    const detail = {
      int: 7,
      double: 2.5,
      wholeDouble: 2 ** 40,
      negativeZero: -0,
      huge: 1e300,
      notANumber: Number.NaN,
      date: when,
      nested: { list: [1, 'a', null, { deep: [when] }], nothing: null, gone: undefined },
      empty: {},
    };
    const event = await people.gw.auditLog.append(entry('minh', { rowCount: 3, fields: ['district', 'birthYear'], detail }));
    const stored = await people.gw.auditLog.events.findOne({ _id: event._id });
    expect(stored).toStrictEqual(event);
    expect(Object.is(stored!.detail!['negativeZero'], -0)).toBe(true);
    expect(stored!.detail!['date']).toEqual(when);
    expect(stored!.detail!['nested']).toStrictEqual({ list: [1, 'a', null, { deep: [when] }], nothing: null });
    // Whole numbers stay int32 and the others doubles in the database, as they were hashed.
    const raw = await people.gw.auditLog.events.findOne({ _id: event._id }, { promoteValues: false });
    const types = Object.fromEntries(Object.entries(raw!.detail!).map(([k, v]) => [k, (v as { _bsontype?: string })._bsontype ?? typeof v]));
    expect(types).toMatchObject({ int: 'Int32', double: 'Double', wholeDouble: 'Double', negativeZero: 'Double', huge: 'Double', notANumber: 'Double' });
    const { hash, ...body } = stored!;
    expect(hmac(people.gw.config.governance.auditSecret, body)).toBe(hash);
    expect(await count()).toBe(before + 1);
    expect(await verifyAsAdmin()).toEqual(intact(before + 1));
  });

  it('refuses an entry it cannot store on its own, without failing the entries appended with it', async () => {
    const before = await count();
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    const results = await Promise.allSettled([
      people.gw.auditLog.append(entry('an', { detail: { i: 1 } })),
      people.gw.auditLog.append(entry('an', { detail: { 'key\u0000with-nul': 1 } })),
      people.gw.auditLog.append(entry('an', { detail: cyclic })),
      people.gw.auditLog.append(entry('an', { detail: { i: 2 } })),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(await count()).toBe(before + 2);
    expect(await verifyAsAdmin()).toEqual(intact(before + 2));
  });

  it('records a data read whose purpose holds a lone surrogate so that the chain still verifies', async () => {
    const before = await count();
    const read = await people.as(officerOfCongAn).records({ dataset: 'cong-an.people', first: 3, purpose: 'x\ud800y' });
    if (read.errors) {
      // Refusing ill-formed text at the edge is as good, as long as nothing half-recorded is left.
      expect(codeOf(read)).toBe('BAD_USER_INPUT');
      expect(await count()).toBe(before);
    } else {
      expect(read.data!.records.edges).toHaveLength(3);
      expect(await count()).toBe(before + 1);
      const [last] = await people.gw.auditLog.events.find({}, { sort: { _id: -1 }, limit: 1 }).toArray();
      expect(last).toMatchObject({ action: 'data.read', actor: officerOfCongAn.id, purpose: 'x\ufffdy', rowCount: 3 });
    }
    expect(await verifyAsAdmin()).toEqual(intact(await count()));
  });
});

describe('verifying the whole chain', () => {
  beforeAll(async () => {
    for (let i = (await count()) + 1; i <= 30; i++) await people.gw.auditLog.append(entry(`filler-${i}`, { detail: { i } }));
  });

  it('reports every tampered event, far apart, and is whole again once they are restored', async () => {
    const original = await snapshot();
    expect(original.map((e) => e._id)).toEqual(original.map((_, i) => i + 1));
    const [third, twentieth] = [original[2]!, original[19]!];
    await people.gw.auditLog.events.updateOne({ _id: 3 }, { $set: { purpose: 'Mục đích khác' } });
    await people.gw.auditLog.events.replaceOne({ _id: 20 }, forged(twentieth, { rowCount: 9999 }));
    // A rewritten hash also cuts the next event's back-link, so link 21 is broken as well.
    expect(await verifyAsAdmin()).toEqual({ ok: false, checked: original.length, firstBrokenSeq: 3, brokenCount: 3, brokenSeqs: [3, 20, 21] });
    await people.gw.auditLog.events.replaceOne({ _id: 3 }, third);
    await people.gw.auditLog.events.replaceOne({ _id: 20 }, twentieth);
    expect(await verifyAsAdmin()).toEqual(intact(original.length));
    expect(await snapshot()).toEqual(original);
  });

  it('reports a deleted middle event and events deleted from the end', async () => {
    const original = await snapshot();
    const last = original.length;
    const removed = [original[9]!, original[last - 2]!, original[last - 1]!];
    await people.gw.auditLog.events.deleteMany({ _id: { $in: removed.map((e) => e._id) } });
    expect(await verifyAsAdmin()).toEqual({ ok: false, checked: last - 3, firstBrokenSeq: 10, brokenCount: 3, brokenSeqs: [10, last - 1, last] });
    await people.gw.auditLog.events.insertMany(removed);
    expect(await verifyAsAdmin()).toEqual(intact(last));
    expect(await snapshot()).toEqual(original);
  });

  it('counts every broken link but names only the first hundred', async () => {
    const original = await snapshot();
    const last = original.length;
    const tips = people.gw.db.collection<{ _id: string; seq: number; hash: string }>('audit_tip');
    const tip = await tips.findOne({ _id: 'tip' });
    expect(tip!.seq).toBe(last);
    // As if the last 150 events had been deleted.
    await tips.updateOne({ _id: 'tip' }, { $set: { seq: last + 150 } });
    const result = await verifyAsAdmin();
    await tips.replaceOne({ _id: 'tip' }, tip!);
    expect(result).toEqual({ ok: false, checked: last, firstBrokenSeq: last + 1, brokenCount: 150, brokenSeqs: Array.from({ length: 100 }, (_, i) => last + 1 + i) });
    expect(await verifyAsAdmin()).toEqual(intact(last));
    expect(await snapshot()).toEqual(original);
  });

  it('is for admins only', async () => {
    const before = await snapshot();
    const callers = [officerOfCongAn, stewardOfCongAn, publisherOfCongAn, like(admin, { id: 'almost', roles: ['publisher', 'analyst', 'steward'] })];
    for (const caller of callers) {
      const result = await people.as(caller).verifyAuditLog();
      expect(codeOf(result)).toBe('FORBIDDEN');
      expect(result.data ?? null).toBeNull();
    }
    expect(await snapshot()).toEqual(before);
  });
});

describe('who reads the audit trail', () => {
  it('answers a steward asking for another department’s draft exactly as for a dataset that does not exist', async () => {
    const before = await count();
    const other = people.as(like(stewardOfCongAn, { id: 'thu', department: 'tai-chinh' }));
    const draft = await other.auditEvents({ datasetId: 'cong-an.plans', first: 100 });
    const missing = await other.auditEvents({ datasetId: 'cong-an.no-such-dataset', first: 100 });
    expect(codeOf(draft)).toBe('NOT_FOUND');
    expect(codeOf(missing)).toBe('NOT_FOUND');
    expect(draft.status).toBe(missing.status);
    expect(draft.data ?? null).toEqual(missing.data ?? null);
    expect(draft.errors![0]!.message.replace('cong-an.plans', '<id>')).toBe(missing.errors![0]!.message.replace('cong-an.no-such-dataset', '<id>'));
    // A published dataset of another department is no secret: that is plainly not theirs to audit.
    expect(codeOf(await other.auditEvents({ datasetId: 'cong-an.people', first: 100 }))).toBe('FORBIDDEN');
    // The draft's own stewards read its trail.
    const own = dataOf(await people.as(stewardOfCongAn).auditEvents({ datasetId: 'cong-an.plans', first: 100 }));
    expect(own.auditEvents.edges.length).toBeGreaterThan(0);
    expect(own.auditEvents.edges.every((e) => e.node.datasetId === 'cong-an.plans')).toBe(true);
    expect(await count()).toBe(before);
  });

  it('shows a read to the stewards of the source it went through as well as to those of the dataset', async () => {
    await people.gw.auditLog.append(entry('through-source', { action: 'data.read', datasetId: 'cong-an.people', datasetDepartment: 'cong-an', sourceDepartment: 'tai-chinh' }));
    const before = await count();
    const seen = async (department: string) => {
      const steward = people.as(like(stewardOfCongAn, { id: `steward-${department}`, department }));
      return dataOf(await steward.auditEvents({ actor: 'through-source', first: 100 })).auditEvents.edges.length;
    };
    expect(await seen('cong-an')).toBe(1);
    expect(await seen('tai-chinh')).toBe(1);
    expect(await seen('y-te')).toBe(0);
    expect(await count()).toBe(before);
  });
});

describe('a gateway that stops', () => {
  it('leaves the tip hint at its last link, so events deleted from the end are still found', async () => {
    const dbName = `t_tip_${Date.now()}`;
    const gateway = await startTestGateway({ dbName });
    const stored = await Promise.all(Array.from({ length: 5 }, (_, i) => gateway.auditLog.append(entry(`dung-${i}`))));
    const last = Math.max(...stored.map((e) => e._id));
    // Straight after the appends, before the hint's own timer has moved it.
    await gateway.detach();
    const client = await MongoClient.connect(inject('mongoUri'));
    try {
      const tip = await client.db(dbName).collection<{ _id: string; seq: number }>('audit_tip').findOne({ _id: 'tip' });
      expect(tip?.seq).toBe(last);
      await client.db(dbName).dropDatabase();
    } finally {
      await client.close();
    }
  });
});
