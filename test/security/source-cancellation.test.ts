import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector, ConnectorContext, ConnectorFactory, ConnectorQuery, Row } from '../../connectors/contract.js';
import { mysqlConnector } from '../../connectors/mysql/index.js';
import { postgresConnector } from '../../connectors/postgres/index.js';
import type { TableOptions } from '../../connectors/sql/table-options.js';
import { openConnector } from '../connectors/open.js';
import { fieldsOf, type RecordSchema } from '../../server/catalogue/record-schema.js';
import { PEOPLE_SCHEMA, peopleRows } from '../sample-rows.js';
import { MYSQL_URL, mysqlSource, PG_URL, postgresSource, type TestSource } from '../sources.js';

/**
 * A read the gateway gives up on (the client went away, or the source timeout passed) must stop
 * on the department's server too: otherwise a client that keeps asking and leaving piles up
 * statements on a system the platform does not own. Seen from the server's own admin view.
 */
const rows = peopleRows(60);
const fields = fieldsOf({ ...PEOPLE_SCHEMA, type: 'object' } satisfies RecordSchema);
const POOL_SIZE = 8;

/** What the server's administrator sees of the connector's account, and can set up for it. */
interface AdminView {
  /** Statements of `user` running (or waiting) on the server now. */
  running(user: string): Promise<number>;
  /** Sessions of `user` open on the server now. */
  sessions(user: string): Promise<number>;
  /**
   * A view `user` may read that works a while per row (a sleep for each): a statement that keeps
   * the server busy, unlike a lock wait, which a server may end by itself when the client leaves.
   */
  slowView(options: Record<string, unknown>, user: string): Promise<{ options: Record<string, unknown>; drop(): Promise<void> }>;
  close(): Promise<void>;
}

/** Per row of the slow view; over the table's rows a statement takes several seconds. */
const SLEEP_PER_ROW_S = 0.1;

async function postgresAdmin(): Promise<AdminView> {
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  const count = async (sql: string, user: string) => ((await admin.query(sql, [user])).rows[0] as { n: number }).n;
  return {
    running: (user) => count("SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1 AND state = 'active'", user),
    sessions: (user) => count('SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1', user),
    async slowView(options, user) {
      const schema = String(options['schema']);
      await admin.query(`CREATE VIEW ${schema}.slow_people AS SELECT * FROM ${schema}.people WHERE pg_sleep(${SLEEP_PER_ROW_S})::text = ''`);
      await admin.query(`GRANT SELECT ON ${schema}.slow_people TO ${user}`);
      return { options: { ...options, table: 'slow_people' }, drop: async () => void (await admin.query(`DROP VIEW IF EXISTS ${schema}.slow_people`)) };
    },
    close: () => admin.end(),
  };
}

async function mysqlAdmin(): Promise<AdminView> {
  const admin = await mysql.createConnection({ uri: MYSQL_URL });
  const count = async (sql: string, user: string) => {
    const [result] = await admin.query(sql, [user]);
    return Number((result as { n: number }[])[0]!.n);
  };
  return {
    running: (user) => count("SELECT count(*) AS n FROM information_schema.PROCESSLIST WHERE USER = ? AND COMMAND NOT IN ('Sleep', 'Killed')", user),
    sessions: (user) => count('SELECT count(*) AS n FROM information_schema.PROCESSLIST WHERE USER = ?', user),
    async slowView(options, user) {
      const table = String(options['table']);
      const view = `slow_${table}`;
      await admin.query(`CREATE VIEW \`${view}\` AS SELECT * FROM \`${table}\` WHERE SLEEP(${SLEEP_PER_ROW_S}) = 0`);
      for (const host of ['%', 'localhost']) await admin.query(`GRANT SELECT ON \`${view}\` TO ?@?`, [user, host]);
      return { options: { ...options, table: view }, drop: async () => void (await admin.query(`DROP VIEW IF EXISTS \`${view}\``)) };
    },
    close: () => admin.end(),
  };
}

/** Polls `check` until it holds or `ms` pass; returns whether it held, and when. */
async function within(ms: number, check: () => Promise<boolean>): Promise<{ held: boolean; afterMs: number }> {
  const started = Date.now();
  for (;;) {
    if (await check()) return { held: true, afterMs: Date.now() - started };
    if (Date.now() - started > ms) return { held: false, afterMs: Date.now() - started };
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const SOURCES: [string, (r: typeof rows) => Promise<TestSource>, ConnectorFactory<TableOptions>, () => Promise<AdminView>][] = [
  ['postgres', postgresSource, postgresConnector, postgresAdmin],
  ['mysql', mysqlSource, mysqlConnector, mysqlAdmin],
];

describe.each(SOURCES)('%s: a read the gateway gives up on stops on the server', (_name, makeSource, factory, makeAdmin) => {
  let source: TestSource;
  let admin: AdminView;
  let user: string;
  const connectors: Connector[] = [];

  /** A connector as the gateway makes one, with the source timeout given. */
  const connect = (timeoutMs: number, options = source.connector.options): Connector => {
    const [name, entry] = Object.entries(source.credentials)[0]!;
    const context: ConnectorContext = { source: { name, ...entry, owner: 'cong-an' }, fields, keyField: 'citizenId', timeoutMs, maxResponseBytes: 10_000_000 };
    const connector = openConnector(factory, options, context);
    connectors.push(connector);
    return connector;
  };

  const request = (signal: AbortSignal): ConnectorQuery => ({
    fields: ['citizenId', 'fullName'],
    where: { kind: 'cmp', field: 'district', op: 'ne', value: 'nowhere' },
    orderBy: [{ field: 'citizenId', direction: 'ASC' }],
    after: null,
    limit: 20,
    signal,
  });

  const read = async (connector: Connector, signal: AbortSignal): Promise<Row[]> => {
    const out: Row[] = [];
    for await (const row of await connector.query(request(signal))) out.push(row);
    return out;
  };

  let slow: Awaited<ReturnType<AdminView['slowView']>>;

  beforeAll(async () => {
    source = await makeSource(rows);
    admin = await makeAdmin();
    user = decodeURIComponent(new URL(Object.values(source.credentials)[0]!.url!).username);
    slow = await admin.slowView(source.connector.options, user);
  });

  afterAll(async () => {
    await Promise.all(connectors.map((c) => c.close()));
    await slow?.drop();
    await admin?.close();
    await source?.drop();
  });

  /** Two kinds of long statement: one waiting for a lock another session holds, one working row by row. */
  const longStatements: [string, (timeoutMs: number) => Promise<{ connector: Connector; done(): Promise<void> }>][] = [
    [
      'waiting for a lock',
      async (timeoutMs) => {
        const connector = connect(timeoutMs);
        expect(await read(connector, AbortSignal.timeout(5000))).toHaveLength(20);
        const release = await source.hang();
        return { connector, done: release };
      },
    ],
    ['working row by row', async (timeoutMs) => ({ connector: connect(timeoutMs, slow.options), done: async () => undefined })],
  ];

  it.each(longStatements)('a statement %s, aborted by the client, is cancelled on the server at once', async (_kind, start) => {
    // A long source timeout: only the cancel can explain the statement ending quickly.
    const { connector, done } = await start(30_000);
    try {
      const controller = new AbortController();
      const pending = read(connector, controller.signal);
      pending.catch(() => undefined);
      expect((await within(5000, async () => (await admin.running(user)) === 1)).held).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 200));

      const aborted = Date.now();
      controller.abort(new Error('client went away'));
      await expect(pending).rejects.toThrow('client went away');
      expect(Date.now() - aborted).toBeLessThan(200);
      const stopped = await within(1500, async () => (await admin.running(user)) === 0);
      expect(stopped.held, `still running on the server ${stopped.afterMs} ms after the abort`).toBe(true);
    } finally {
      await done();
    }
    expect(await read(connect(5000), AbortSignal.timeout(5000))).toHaveLength(20);
  });

  it.each(longStatements)('a statement %s past the source timeout is stopped on the server, not only abandoned', async (_kind, start) => {
    const { connector, done } = await start(700);
    try {
      const started = Date.now();
      // The caller never aborts: the connector's own timeout has to.
      await expect(read(connector, new AbortController().signal)).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(1500);
      const stopped = await within(1500, async () => (await admin.running(user)) === 0);
      expect(stopped.held, `still running on the server ${stopped.afterMs} ms after the timeout`).toBe(true);
    } finally {
      await done();
    }
  });

  it('after 50 concurrent aborted reads nothing runs on the server, no connection leaks, and the next read is prompt', async () => {
    // Earlier tests' connectors hold idle sessions of the same account.
    await Promise.all(connectors.map((c) => c.close()));
    const connector = connect(30_000);
    const release = await source.hang();
    let released = false;
    try {
      const controllers = Array.from({ length: 50 }, () => new AbortController());
      const pending = controllers.map((c) => read(connector, c.signal));
      pending.forEach((p) => p.catch(() => undefined));
      // The pool lets no more than its size through to the server; the rest wait for a slot.
      expect((await within(5000, async () => (await admin.running(user)) === POOL_SIZE)).held).toBe(true);

      const aborted = Date.now();
      controllers.forEach((c) => c.abort(new Error('client went away')));
      const outcomes = await Promise.allSettled(pending);
      expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
      expect(Date.now() - aborted).toBeLessThan(500);
      const stopped = await within(2000, async () => (await admin.running(user)) === 0);
      expect(stopped.held, `still running on the server ${stopped.afterMs} ms after the aborts`).toBe(true);

      await release();
      released = true;
      const started = Date.now();
      expect(await read(connector, AbortSignal.timeout(5000))).toHaveLength(20);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(await admin.sessions(user)).toBeLessThanOrEqual(POOL_SIZE);
    } finally {
      if (!released) await release();
    }
  });
});
