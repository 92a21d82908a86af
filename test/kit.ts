import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { MongoClient, type Db } from 'mongodb';
import type { DestinationStream } from 'pino';
import { expect, inject } from 'vitest';
import { loadSampleCatalogue, readSampleCatalogue } from '../datasets/sample-catalogue.js';
import { signToken } from '../server/auth/jwt.js';
import type { Principal, Role } from '../server/auth/principal.js';
import { sampleRuntimeCredentials } from '../datasets/sample-credentials.js';
import { LOCAL_SOURCE_CREDENTIALS, loadConfig, type Config } from '../server/config.js';
import { createGateway } from '../server/gateway.js';
import { createGatewayServer } from '../server/http/server.js';
import { createLogger } from '../server/logger.js';
import { operations, type DataOf, type OperationName, type VariablesOf } from './kit/operations.js';
import type { Persona } from './kit/personas.js';

/**
 * Without SOURCE_CREDENTIALS of its own, a test gateway has the sample registry (so the sample
 * catalogue registers) and `test-files`, a csv folder every sample department may bind.
 */
function defaultTestCredentials() {
  const departments = ['cong-an', 'tai-chinh', 'nong-nghiep-moi-truong', 'y-te', 'giao-duc-dao-tao', 'khoa-hoc-cong-nghe'];
  return {
    ...LOCAL_SOURCE_CREDENTIALS,
    ...sampleRuntimeCredentials({ mongoUri: inject('mongoUri'), apiUrl: 'http://127.0.0.1:9' }),
    'test-files': { type: 'csv', folder: 'test-files', departments, reach: {} },
  };
}

export interface GqlResult<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string; details?: { path: string; message: string }[] } }[];
  headers: Headers;
}

export type TestGateway = Awaited<ReturnType<typeof startTestGateway>>;

type OperationCall<N extends OperationName> = (variables?: VariablesOf<N>) => Promise<GqlResult<DataOf<N>>>;

/** A persona at a gateway: every shared operation as a method, sent with the persona's token. */
export type Actor = { [N in OperationName]: OperationCall<N> } & {
  readonly persona: Persona;
  /** The bearer token, for what is not GraphQL (export, raw requests). */
  readonly token: string;
  /** A document of the test's own (literals, typed `data` fields, limits). */
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<GqlResult<T>>;
};

/**
 * An actor bound to the gateway `gateway()` returns when it acts, so a story can name its actors
 * before the gateway has started; the token is minted once, at the first request.
 */
export function actorOf(gateway: () => TestGateway, persona: Persona): Actor {
  let token: string | undefined;
  const bearer = () => (token ??= gateway().token(persona.id, persona.department, persona.roles));
  const gql = <T,>(query: string, variables?: Record<string, unknown>) => gateway().gql<T>(query, variables, bearer());
  const call =
    <N extends OperationName>(name: N): OperationCall<N> =>
    (variables) =>
      gql<DataOf<N>>(operations[name].document, variables);
  const calls: { [N in OperationName]: OperationCall<N> } = {
    me: call('me'),
    departments: call('departments'),
    searchDatasets: call('searchDatasets'),
    dataset: call('dataset'),
    registerDataset: call('registerDataset'),
    updateDataset: call('updateDataset'),
    publishDataset: call('publishDataset'),
    deprecateDataset: call('deprecateDataset'),
    checkDatasetHealth: call('checkDatasetHealth'),
    requestAccess: call('requestAccess'),
    approveAccessRequest: call('approveAccessRequest'),
    rejectAccessRequest: call('rejectAccessRequest'),
    withdrawAccessRequest: call('withdrawAccessRequest'),
    revokeGrant: call('revokeGrant'),
    accessRequests: call('accessRequests'),
    grants: call('grants'),
    records: call('records'),
    auditEvents: call('auditEvents'),
    verifyAuditLog: call('verifyAuditLog'),
  };
  // Not Object.assign: it would read the token getter, and mint, before the gateway is up.
  return {
    ...calls,
    persona,
    gql,
    get token() {
      return bearer();
    },
  };
}

/**
 * Starts the whole gateway on port 0 over a fresh database of the run's MongoDB, so each test
 * file reads as a user story against a real HTTP server and never shares state with another.
 */
export async function startTestGateway(options: { env?: Record<string, string>; sampleCatalogue?: boolean; mongoUri?: string; dbName?: string; logDestination?: DestinationStream } = {}) {
  const config: Config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent', SOURCE_CREDENTIALS: JSON.stringify(defaultTestCredentials()), ...options.env });
  const logger = createLogger(config.logLevel, options.logDestination);
  const client = new MongoClient(options.mongoUri ?? inject('mongoUri'), { serverSelectionTimeoutMS: 3000 });
  await client.connect();
  const db: Db = client.db(options.dbName ?? `t_${randomUUID().slice(0, 8)}`);
  const gateway = await createGateway(config, logger, db);
  if (options.sampleCatalogue) await loadSampleCatalogue(gateway.catalogue, logger);
  else for (const department of (await readSampleCatalogue()).departments) await gateway.catalogue.upsertDepartment(department);

  const server: Server = createGatewayServer(gateway.requestListener, config.limits.requestTimeoutMs).listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const token = (id: string, department: string, roles: Role[], ttl: string | number = '10m') =>
    signToken({ id, department, roles } satisfies Principal, config.jwt, ttl);

  async function gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, bearer?: string): Promise<GqlResult<T>> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (bearer) headers['authorization'] = `Bearer ${bearer}`;
    const response = await fetch(`${base}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    const body = (await response.json()) as Omit<GqlResult<T>, 'status' | 'headers'>;
    return { status: response.status, headers: response.headers, ...body };
  }

  /** Registers and publishes a dataset as `token`'s principal, failing the test on any error. */
  async function publishDataset(token: string, input: Record<string, unknown>): Promise<string> {
    const registered = await gql<DataOf<'registerDataset'>>(operations.registerDataset.document, { input }, token);
    if (registered.errors) throw new Error(`registerDataset failed: ${JSON.stringify(registered.errors)}`);
    const id = registered.data!.registerDataset.id;
    const published = await gql(operations.publishDataset.document, { id }, token);
    if (published.errors) throw new Error(`publishDataset failed: ${JSON.stringify(published.errors)}`);
    return id;
  }

  /** Stops this gateway and leaves its database to others (a second replica, a restart). */
  async function detach() {
    await gateway.sources.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await gateway.auditLog.close();
    await client.close();
  }

  const self = {
    base,
    config,
    db,
    client,
    server,
    ...gateway,
    token,
    gql,
    publishDataset,
    detach,
    /** Stops this gateway and drops its database. */
    async close() {
      await db.dropDatabase().catch(() => undefined);
      await detach();
    },
    /** `persona` at this gateway. */
    as: (persona: Persona): Actor => actorOf(() => self, persona),
  };
  return self;
}

/** The first error code of a GraphQL result, for terse assertions. */
export const codeOf = (result: GqlResult<unknown>): string | undefined => result.errors?.[0]?.extensions?.code;

/** The data of a result that must have succeeded; the test fails with the errors otherwise. */
export function dataOf<T>(result: GqlResult<T>): T {
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  expect(result.data).toBeTruthy();
  return result.data!;
}

/** The paths of the first error's details, for asserting which inputs were refused. */
export const pathsOf = (result: GqlResult<unknown>): string[] => result.errors?.[0]?.extensions?.details?.map((d) => d.path) ?? [];
