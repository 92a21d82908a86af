import { afterAll, beforeAll } from 'vitest';
import { actorOf, startTestGateway, type Actor, type TestGateway } from '../kit.js';
import { PEOPLE_SCHEMA, type PersonRow } from '../sample-rows.js';
import { postgresSource, type CredentialEntry, type TestSource } from '../sources.js';
import { publisherOfCongAn, type Persona } from './personas.js';

export type Classification = 'PUBLIC' | 'INTERNAL' | 'RESTRICTED' | 'CONFIDENTIAL';
type GatewayOptions = NonNullable<Parameters<typeof startTestGateway>[0]>;

export interface PublishedSourceOptions {
  /** The department system holding the rows; the PostgreSQL people table by default. */
  source?: (rows: PersonRow[], departments: string[]) => Promise<TestSource>;
  /** Departments that may bind the source's credential; the publisher's by default. */
  departments?: string[];
  /** Who registers and publishes the dataset; Công an's publisher by default. */
  publisher?: Persona;
  slug?: string;
  title?: string;
  recordSchema?: Record<string, unknown>;
  /** More of the registration (links, keywords, …). */
  input?: Record<string, unknown>;
  /** More registry entries beside the source's own (made from the source, when they need its account). */
  credentials?: Record<string, CredentialEntry> | ((source: TestSource) => Record<string, CredentialEntry>);
  /** The gateway's own settings; SOURCE_CREDENTIALS is the source's registry. */
  gateway?: GatewayOptions;
}

/** A published dataset over a real source, at a gateway of its own: what a story needs. */
export interface PublishedSource {
  gw: TestGateway;
  source: TestSource;
  rows: PersonRow[];
  /** `department.slug` of the published dataset. */
  datasetId: string;
  /** The source's registry, to start another gateway (a restart, a replica) with. */
  credentials: Record<string, CredentialEntry>;
  /** A registration over the same source, varied by `overrides`, for more datasets in a story. */
  inputOver(overrides: Record<string, unknown>): Record<string, unknown>;
  /** `persona` at this gateway. */
  as(persona: Persona): Actor;
  /** Stops the gateway, drops its database and the source. */
  close(): Promise<void>;
}

/** A registration of `slug` over `source`, with the people schema unless told otherwise. */
function inputOver(source: TestSource, classification: Classification, overrides: Record<string, unknown>): Record<string, unknown> {
  return { slug: 'people', title: 'Dân cư', description: 'Bộ dữ liệu thử nghiệm.', classification, recordSchema: PEOPLE_SCHEMA, connector: source.connector, ...overrides };
}

/**
 * Puts `rows` into a source, starts a gateway that may reach it and publishes a dataset over it
 * as the publisher; a failure on the way leaves nothing behind.
 */
export async function publishedSource(rows: PersonRow[], classification: Classification, options: PublishedSourceOptions = {}): Promise<PublishedSource> {
  const publisher = options.publisher ?? publisherOfCongAn;
  const source = await (options.source ?? ((r, d) => postgresSource(r, undefined, d)))(rows, options.departments ?? [publisher.department]);
  let gw: TestGateway | undefined;
  try {
    const more = typeof options.credentials === 'function' ? options.credentials(source) : options.credentials;
    const credentials = { ...source.credentials, ...more };
    gw = await startTestGateway({ ...options.gateway, env: { SOURCE_CREDENTIALS: JSON.stringify(credentials), ...options.gateway?.env } });
    const started = gw;
    const { slug, title, recordSchema } = options;
    const named = Object.fromEntries(Object.entries({ slug, title, recordSchema }).filter(([, value]) => value !== undefined));
    const datasetId = await started.publishDataset(started.as(publisher).token, inputOver(source, classification, { ...named, ...options.input }));
    return {
      gw: started,
      source,
      rows,
      datasetId,
      credentials,
      inputOver: (overrides) => inputOver(source, classification, overrides),
      as: (persona) => started.as(persona),
      async close() {
        await started.close();
        await source.drop();
      },
    };
  } catch (error) {
    await gw?.close();
    await source.drop();
    throw error;
  }
}

/** A value made in a file's beforeAll and let go in its afterAll, readable from the tests. */
function fileFixture<T extends { close(): Promise<void> }>(make: () => Promise<T>): () => T {
  let current: T | undefined;
  beforeAll(async () => {
    current = await make();
  });
  afterAll(async () => {
    await current?.close();
  });
  return () => {
    if (!current) throw new Error('the story is used before its beforeAll ran');
    return current;
  };
}

/** Options now, or made in the beforeAll (from what earlier hooks set up). */
type Later<T> = T | (() => T);
const now = <T extends object>(options: Later<T>): T => (typeof options === 'function' ? options() : options);

/**
 * `publishedSource` for a whole file (or describe block): set up before its tests, cleaned up
 * after them. Actors can be named at once; they act when the tests run. `datasetId` is known at
 * once only from options given as a value.
 */
export function withPublishedSource(rows: PersonRow[], classification: Classification, options: Later<PublishedSourceOptions> = {}): PublishedSource {
  const current = fileFixture(() => publishedSource(rows, classification, now(options)));
  const known = typeof options === 'function' ? undefined : options;
  const publisher = known?.publisher ?? publisherOfCongAn;
  return {
    get gw() {
      return current().gw;
    },
    get source() {
      return current().source;
    },
    get credentials() {
      return current().credentials;
    },
    rows,
    get datasetId() {
      return known ? `${publisher.department}.${String(known.input?.['slug'] ?? known.slug ?? 'people')}` : current().datasetId;
    },
    inputOver: (overrides) => current().inputOver(overrides),
    as: (persona) => actorOf(() => current().gw, persona),
    close: () => current().close(),
  };
}

/** A gateway for a whole file, with no source of its own; actors can be named at once. */
export function withGateway(options: Later<GatewayOptions> = {}): { readonly gw: TestGateway; as(persona: Persona): Actor } {
  const current = fileFixture(() => startTestGateway(now(options)));
  return {
    get gw() {
      return current();
    },
    as: (persona) => actorOf(current, persona),
  };
}
