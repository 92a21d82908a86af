import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../server/logger.js';
import { AuditLog } from '../server/audit/audit-log.js';
import { RecordsService } from '../server/data/records-service.js';
import { codeOf, dataOf, startTestGateway } from './kit.js';
import { admin, analystOfTaiChinh, like, officerOfCongAn, stewardOfCongAn } from './kit/personas.js';
import { withPublishedSource } from './kit/stories.js';
import { peopleRows } from './sample-rows.js';

const PURPOSE = 'Thanh tra chuyên ngành về cư trú (Luật Cư trú 2020)';
let webhook: Server;
const delivered: { type: string }[] = [];
let webhookCalls = 0;

beforeAll(async () => {
  // A steward's webhook that fails its first two deliveries, to prove retries and that requests never wait on it.
  webhook = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      webhookCalls++;
      if (webhookCalls <= 2) return void res.writeHead(503).end();
      delivered.push(JSON.parse(body) as { type: string });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  webhook?.closeAllConnections();
  await new Promise<void>((resolve) => webhook?.close(() => resolve()));
});

const people = withPublishedSource(peopleRows(50), 'CONFIDENTIAL', () => ({
  gateway: { env: { STEWARD_WEBHOOK_URL: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook` } },
}));
const steward = people.as(stewardOfCongAn);
const platformAdmin = people.as(admin);

const until = () => new Date(Date.now() + 7 * 86_400_000).toISOString();
const access = { datasetId: 'cong-an.people', fields: ['district'], purpose: PURPOSE };

/** A request of a Sở Tài chính analyst named `analystId`. */
async function request(analystId: string): Promise<{ id: string }> {
  const analyst = people.as(like(analystOfTaiChinh, { id: analystId }));
  return { id: dataOf(await analyst.requestAccess({ input: { ...access, until: until() } })).requestAccess.id };
}

describe('request transitions', () => {
  it('lets exactly one of a racing approval and rejection win, and grants only on approval', async () => {
    for (let round = 0; round < 8; round++) {
      const { id } = await request(`racer-${round}`);
      const approve = () => steward.approveAccessRequest({ id });
      const reject = () => platformAdmin.rejectAccessRequest({ id, reason: 'Không đủ căn cứ' });
      // Which one is sent first alternates, so neither always has a head start.
      const [approved, rejected] = round % 2 === 0 ? await Promise.all([approve(), reject()]) : (await Promise.all([reject(), approve()])).reverse();
      const winners = [approved!, rejected!].filter((r) => !r.errors);
      expect(winners).toHaveLength(1);
      expect(codeOf([approved!, rejected!].find((r) => r.errors)!)).toBe('CONFLICT');
      const stored = await people.gw.access.requests.findOne({ _id: id });
      const grants = await people.gw.access.grants.countDocuments({ requestId: id, active: true });
      expect(grants).toBe(stored!.status === 'APPROVED' ? 1 : 0);
      expect(await people.gw.access.grants.countDocuments({ requestId: id })).toBe(grants);
    }
  });

  it('does not let anyone approve their own request, whatever roles they hold', async () => {
    const both = people.as(like(analystOfTaiChinh, { id: 'double-hat', roles: ['analyst', 'steward', 'admin'] }));
    const id = dataOf(await both.requestAccess({ input: { ...access, until: until() } })).requestAccess.id;
    const own = await both.approveAccessRequest({ id });
    expect(codeOf(own)).toBe('FORBIDDEN');
    expect(own.errors![0]!.message).toMatch(/own/);
  });

  it('does not let a person approve their own request with a token of the owning department', async () => {
    const { id } = await request('seconded');
    // The same person (sub) as Công an's steward: seconded, or holding a second account's token.
    const sameSub = people.as(like(stewardOfCongAn, { id: 'seconded' }));
    const own = await sameSub.approveAccessRequest({ id });
    expect(codeOf(own)).toBe('FORBIDDEN');
    expect(own.errors![0]!.message).toMatch(/own/);
    const rejected = await sameSub.rejectAccessRequest({ id, reason: 'Tự quyết' });
    expect(codeOf(rejected)).toBe('FORBIDDEN');
    expect(rejected.errors![0]!.message).toMatch(/own/);
    expect((await people.gw.access.requests.findOne({ _id: id }))!.status).toBe('PENDING');
    expect(await people.gw.access.grants.countDocuments({ requestId: id })).toBe(0);
    dataOf(await steward.approveAccessRequest({ id }));
  });

  it('tells the steward’s webhook of requests and decisions, retrying, without making anyone wait', async () => {
    const started = Date.now();
    const { id } = await request('hooked');
    expect(Date.now() - started).toBeLessThan(1000);
    dataOf(await steward.rejectAccessRequest({ id, reason: 'Thiếu căn cứ' }));
    for (let i = 0; i < 60 && !delivered.some((d) => d.type === 'access.rejected' && (d as { requestId?: string }).requestId === id); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(delivered.some((d) => d.type === 'access.requested' && (d as { requestId?: string }).requestId === id)).toBe(true);
    expect(delivered.some((d) => d.type === 'access.rejected' && (d as { requestId?: string }).requestId === id)).toBe(true);
    expect(webhookCalls).toBeGreaterThan(delivered.length);
  });
});

describe('the audit chain', () => {
  it('detects an event changed in the database at that event', async () => {
    const ok = await people.gw.auditLog.verify();
    expect(ok.ok).toBe(true);
    expect(ok.checked).toBeGreaterThan(5);
    const target = 4;
    const original = await people.gw.auditLog.events.findOne({ _id: target });
    await people.gw.auditLog.events.updateOne({ _id: target }, { $set: { actor: 'someone-else' } });
    // The walk goes on past the break and reports that event alone: its stored hash still links on.
    expect(await people.gw.auditLog.verify()).toEqual({ ok: false, checked: ok.checked, firstBrokenSeq: target, brokenCount: 1, brokenSeqs: [target] });
    // Recomputing the plain hash does not help: the chain is keyed. It also cuts the next back-link.
    await people.gw.auditLog.events.updateOne({ _id: target }, { $set: { hash: 'f'.repeat(64) } });
    expect(await people.gw.auditLog.verify()).toMatchObject({ ok: false, firstBrokenSeq: target, brokenSeqs: [target, target + 1] });
    await people.gw.auditLog.events.replaceOne({ _id: target }, original!);
    expect((await people.gw.auditLog.verify()).ok).toBe(true);
  });

  it('detects a deleted event at its sequence number, in the middle or at the end', async () => {
    const middle = await people.gw.auditLog.events.findOne({ _id: 3 });
    await people.gw.auditLog.events.deleteOne({ _id: 3 });
    expect(await people.gw.auditLog.verify()).toMatchObject({ ok: false, firstBrokenSeq: 3, brokenCount: 1, brokenSeqs: [3] });
    await people.gw.auditLog.events.insertOne(middle!);
    const last = (await people.gw.auditLog.events.find({}, { sort: { _id: -1 }, limit: 1 }).toArray())[0]!;
    await people.gw.auditLog.events.deleteOne({ _id: last._id });
    expect(await people.gw.auditLog.verify()).toMatchObject({ ok: false, firstBrokenSeq: last._id, brokenCount: 1, brokenSeqs: [last._id] });
    await people.gw.auditLog.events.insertOne(last);
    expect((await people.gw.auditLog.verify()).ok).toBe(true);
  });

  it('stays one unbroken chain with two gateway processes appending at once', async () => {
    const second = await startTestGateway({ dbName: people.gw.db.databaseName });
    try {
      const before = (await people.gw.auditLog.verify()).checked;
      const entry = (i: number) => ({ actor: `appender-${i % 2}`, actorDepartment: 'platform', action: 'test.append', detail: { i } });
      await Promise.all(Array.from({ length: 300 }, (_, i) => (i % 2 === 0 ? people.gw.auditLog : second.auditLog).append(entry(i))));
      const result = await people.gw.auditLog.verify();
      expect(result).toEqual({ ok: true, checked: before + 300, firstBrokenSeq: null, brokenCount: 0, brokenSeqs: [] });
    } finally {
      await second.detach();
    }
  });

  it('returns no data when the audit trail cannot be written', async () => {
    // The same service as the gateway's, but its audit trail on a connection that is closed.
    const broken = new MongoClient(inject('mongoUri'));
    await broken.connect();
    const brokenLog = new AuditLog(broken.db(people.gw.db.databaseName), people.gw.config.governance.auditSecret);
    await broken.close();
    const { gw } = people;
    const records = new RecordsService(gw.catalogue, gw.config, createLogger('silent'), gw.access, gw.sources, (e) => brokenLog.append(e));
    const owner = officerOfCongAn;
    try {
      await expect(records.records(owner, { dataset: 'cong-an.people', first: 5 }, new AbortController().signal)).rejects.toMatchObject({ code: 'SOURCE_UNAVAILABLE' });
    } finally {
      await broken.close();
    }
    const working = await people.gw.records.records(owner, { dataset: 'cong-an.people', first: 5 }, new AbortController().signal);
    expect(working.edges).toHaveLength(5);
  });
});
