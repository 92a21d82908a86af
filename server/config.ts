import { resolve } from 'node:path';
import { Ajv } from 'ajv';
import type { SourceCredential } from '../connectors/credentials.js';
import { projectRoot } from './paths.js';

/**
 * Configuration comes only from environment variables, validated once at start-up so that a
 * wrong value fails fast with its name instead of at the first request.
 */
export const DEVELOPMENT_JWT_SECRET = 'kho-du-lieu-local-development-secret-do-not-use-in-production';
export const DEVELOPMENT_AUDIT_SECRET = 'kho-du-lieu-local-audit-chain-key-do-not-use-in-production';
export const DEVELOPMENT_MASK_SECRET = 'kho-du-lieu-local-mask-hash-key-do-not-use-in-production';
export const DEVELOPMENT_CURSOR_SECRET = 'kho-du-lieu-local-cursor-seal-key-do-not-use-in-production';

export interface Config {
  nodeEnv: 'development' | 'test' | 'production';
  host: string;
  port: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Unset: the local resolver starts a MongoDB (memory server, else mongo-java-server). */
  mongoUri?: string;
  mongoDb: string;
  /** Where the local MongoDB keeps its files so that `npm start` survives a restart. */
  dataDir: string;
  seedOnStart: boolean;
  /** Development only: the accounts the sample set-up loads sample sources and creates read-only accounts with. */
  sampleAdmin: { postgresUrl: string; mysqlUrl: string };
  jwt: {
    secret?: string;
    publicKey?: string;
    algorithms: string[];
    issuer: string;
    audience: string;
    clockToleranceSeconds: number;
    /** Longest lifetime a token may have (exp − iat, and exp − now). */
    maxLifetimeSeconds: number;
  };
  /** Browser origins allowed to call the API cross-origin; none by default. */
  corsOrigins: string[];
  /** When set, /metrics needs `Authorization: Bearer <this>`. */
  metricsToken?: string;
  /** The source credential registry by the name bindings use; never stored in the catalogue. */
  sourceCredentials: Record<string, SourceCredential>;
  sourceTimeoutMs: number;
  /** Relative csv folders of the registry resolve against this folder. */
  sourceFilesDir: string;
  /** Platform ceiling on one answer read from a source; bindings may only ask for less. */
  sourceMaxResponseBytes: number;
  sourceBreaker: { threshold: number; halfOpenAfterMs: number };
  /** Source queries one caller may have running at once (and waiting), held until the source has really finished. */
  callerQueries: { running: number; waiting: number };
  export: {
    /** Exports one principal may run at once. */
    maxPerCaller: number;
    /** Exports the whole process runs at once. */
    maxConcurrent: number;
    /** An export whose client reads nothing for this long is cut. */
    idleTimeoutMs: number;
    /** Rows an export asks its source for at a time (two such pages are held at most). */
    pageRows: number;
  };
  governance: {
    /** Key of the audit chain's HMAC: whoever holds it could rewrite the chain undetected. */
    auditSecret: string;
    /** Key of HASH masks: whoever holds it could test guesses of masked values. */
    maskSecret: string;
    /** Key sealing data cursors, which carry key values the caller may not see. */
    cursorSecret: string;
    /** For measurement only: reads are not audited. Refused in production. */
    auditEnabled: boolean;
    /** Longest access a request may ask for. */
    maxAccessDays: number;
    /** Receives access request and decision events, if set. */
    webhookUrl?: string;
  };
  limits: {
    maxBodyBytes: number;
    maxDepth: number;
    maxAliases: number;
    maxCost: number;
    maxTokens: number;
    maxPageSize: number;
    operationTimeoutMs: number;
    /** How long a client may take to send a whole request (headers and body). */
    requestTimeoutMs: number;
    /** Published datasets given a typed field under `data`; `records` serves every one. */
    dataSchemaMaxDatasets: number;
  };
  /** The web console at `/` and its sign-in at `/auth/…`. */
  console: {
    enabled: boolean;
    /** The origin browsers reach the console at; state changes must come from it. Unset: the request's own host. */
    publicUrl?: string;
    /** The development sign-in with sample personas; never in production. */
    devSignIn: boolean;
    sessionIdleSeconds: number;
    sessionMaxSeconds: number;
  };
  /** The province's OpenID Connect provider: console sign-in, and access tokens the API accepts. */
  oidc?: OidcConfig;
}

export interface OidcConfig {
  issuer: string;
  clientId: string;
  /** Unset: a public client, PKCE alone. */
  clientSecret?: string;
  scopes: string;
  /** Claim (dotted path, e.g. `realm_access.roles`) holding the department code. */
  departmentClaim: string;
  /** Claim (dotted path) holding the roles; values other than the platform's roles are ignored. */
  rolesClaim: string;
  /** `aud` required of access tokens the API accepts from the issuer. */
  apiAudience: string;
  /** Plain-http issuers, for a provider on loopback in tests and development; refused in production. */
  allowInsecure: boolean;
}

const envSchema = {
  type: 'object',
  properties: {
    NODE_ENV: { type: 'string', enum: ['development', 'test', 'production'], default: 'development' },
    HOST: { type: 'string', minLength: 1, default: '127.0.0.1' },
    PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 4000 },
    LOG_LEVEL: { type: 'string', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
    MONGODB_URI: { type: 'string', pattern: '^mongodb(\\+srv)?://' },
    MONGODB_DB: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,63}$', default: 'kho_du_lieu' },
    DATA_DIR: { type: 'string', minLength: 1, default: '.data' },
    SEED_ON_START: { type: 'boolean', default: true },
    SAMPLE_POSTGRES_ADMIN_URL: { type: 'string', pattern: '^postgres(ql)?://', default: 'postgres://postgres@127.0.0.1:5432/test' },
    SAMPLE_MYSQL_ADMIN_URL: { type: 'string', pattern: '^mysql://', default: 'mysql://root@127.0.0.1:3306/test' },
    JWT_SECRET: { type: 'string', minLength: 32 },
    JWT_PUBLIC_KEY: { type: 'string', pattern: '-----BEGIN' },
    JWT_ALGORITHMS: { type: 'string', pattern: '^(HS256|RS256|ES256)(,(HS256|RS256|ES256))*$' },
    JWT_ISSUER: { type: 'string', minLength: 1, default: 'kho-du-lieu' },
    JWT_AUDIENCE: { type: 'string', minLength: 1, default: 'kho-du-lieu-gateway' },
    JWT_CLOCK_TOLERANCE_SECONDS: { type: 'integer', minimum: 0, maximum: 300, default: 30 },
    JWT_MAX_LIFETIME_SECONDS: { type: 'integer', minimum: 60, maximum: 7 * 86_400, default: 12 * 3600 },
    CORS_ORIGINS: { type: 'string', pattern: '^https?://[^,\\s]+(,https?://[^,\\s]+)*$' },
    METRICS_TOKEN: { type: 'string', minLength: 16 },
    MAX_BODY_BYTES: { type: 'integer', minimum: 1024, default: 100_000 },
    QUERY_MAX_DEPTH: { type: 'integer', minimum: 2, default: 10 },
    QUERY_MAX_ALIASES: { type: 'integer', minimum: 0, default: 15 },
    QUERY_MAX_COST: { type: 'integer', minimum: 100, default: 200_000 },
    QUERY_MAX_TOKENS: { type: 'integer', minimum: 100, default: 2000 },
    OPERATION_TIMEOUT_MS: { type: 'integer', minimum: 100, default: 30_000 },
    REQUEST_TIMEOUT_MS: { type: 'integer', minimum: 1000, maximum: 300_000, default: 30_000 },
    DATA_SCHEMA_MAX_DATASETS: { type: 'integer', minimum: 1, default: 2000 },
    SOURCE_CREDENTIALS: { type: 'string', minLength: 2 },
    SOURCE_TIMEOUT_MS: { type: 'integer', minimum: 50, default: 10_000 },
    SOURCE_FILES_DIR: { type: 'string', minLength: 1, default: 'datasets/sources' },
    SOURCE_BREAKER_THRESHOLD: { type: 'integer', minimum: 1, default: 5 },
    SOURCE_MAX_QUERIES_PER_CALLER: { type: 'integer', minimum: 1, maximum: 1000, default: 4 },
    SOURCE_MAX_WAITING_PER_CALLER: { type: 'integer', minimum: 0, maximum: 1000, default: 16 },
    SOURCE_MAX_RESPONSE_BYTES: { type: 'integer', minimum: 1024, maximum: 256 * 1024 * 1024, default: 16 * 1024 * 1024 },
    EXPORT_MAX_PER_CALLER: { type: 'integer', minimum: 1, maximum: 100, default: 2 },
    EXPORT_MAX_CONCURRENT: { type: 'integer', minimum: 1, maximum: 1000, default: 16 },
    EXPORT_IDLE_TIMEOUT_MS: { type: 'integer', minimum: 100, default: 30_000 },
    EXPORT_PAGE_ROWS: { type: 'integer', minimum: 100, maximum: 50_000, default: 10_000 },
    AUDIT_SECRET: { type: 'string', minLength: 32 },
    MASK_SECRET: { type: 'string', minLength: 32 },
    CURSOR_SECRET: { type: 'string', minLength: 32 },
    AUDIT_ENABLED: { type: 'boolean', default: true },
    ACCESS_MAX_DAYS: { type: 'integer', minimum: 1, maximum: 3650, default: 365 },
    STEWARD_WEBHOOK_URL: { type: 'string', pattern: '^https?://' },
    SOURCE_BREAKER_HALF_OPEN_MS: { type: 'integer', minimum: 100, default: 10_000 },
    CONSOLE_ENABLED: { type: 'boolean', default: true },
    CONSOLE_PUBLIC_URL: { type: 'string', pattern: '^https?://[^/\\s]+$' },
    CONSOLE_DEV_SIGN_IN: { type: 'boolean' },
    SESSION_IDLE_MINUTES: { type: 'integer', minimum: 1, maximum: 1440, default: 30 },
    SESSION_MAX_HOURS: { type: 'integer', minimum: 1, maximum: 168, default: 12 },
    OIDC_ISSUER: { type: 'string', pattern: '^https?://[^\\s]+$' },
    OIDC_CLIENT_ID: { type: 'string', minLength: 1 },
    OIDC_CLIENT_SECRET: { type: 'string', minLength: 1 },
    OIDC_SCOPES: { type: 'string', pattern: '^openid( [A-Za-z0-9_:.-]+)*$', default: 'openid profile' },
    OIDC_DEPARTMENT_CLAIM: { type: 'string', pattern: '^[A-Za-z0-9_:-]+(\\.[A-Za-z0-9_:-]+)*$', default: 'dept' },
    OIDC_ROLES_CLAIM: { type: 'string', pattern: '^[A-Za-z0-9_:-]+(\\.[A-Za-z0-9_:-]+)*$', default: 'roles' },
    OIDC_API_AUDIENCE: { type: 'string', minLength: 1 },
  },
} as const;

/** The environment after validation and defaults: every variable with a default is present. */
interface ValidatedEnv {
  NODE_ENV: Config['nodeEnv'];
  HOST: string;
  PORT: number;
  LOG_LEVEL: Config['logLevel'];
  MONGODB_URI?: string;
  MONGODB_DB: string;
  DATA_DIR: string;
  SEED_ON_START: boolean;
  SAMPLE_POSTGRES_ADMIN_URL: string;
  SAMPLE_MYSQL_ADMIN_URL: string;
  JWT_SECRET?: string;
  JWT_PUBLIC_KEY?: string;
  JWT_ALGORITHMS?: string;
  JWT_ISSUER: string;
  JWT_AUDIENCE: string;
  JWT_CLOCK_TOLERANCE_SECONDS: number;
  JWT_MAX_LIFETIME_SECONDS: number;
  CORS_ORIGINS?: string;
  METRICS_TOKEN?: string;
  MAX_BODY_BYTES: number;
  QUERY_MAX_DEPTH: number;
  QUERY_MAX_ALIASES: number;
  QUERY_MAX_COST: number;
  QUERY_MAX_TOKENS: number;
  OPERATION_TIMEOUT_MS: number;
  REQUEST_TIMEOUT_MS: number;
  DATA_SCHEMA_MAX_DATASETS: number;
  SOURCE_CREDENTIALS?: string;
  SOURCE_TIMEOUT_MS: number;
  SOURCE_FILES_DIR: string;
  SOURCE_BREAKER_THRESHOLD: number;
  SOURCE_MAX_QUERIES_PER_CALLER: number;
  SOURCE_MAX_WAITING_PER_CALLER: number;
  SOURCE_MAX_RESPONSE_BYTES: number;
  EXPORT_MAX_PER_CALLER: number;
  EXPORT_MAX_CONCURRENT: number;
  EXPORT_IDLE_TIMEOUT_MS: number;
  EXPORT_PAGE_ROWS: number;
  AUDIT_SECRET?: string;
  MASK_SECRET?: string;
  CURSOR_SECRET?: string;
  AUDIT_ENABLED: boolean;
  ACCESS_MAX_DAYS: number;
  STEWARD_WEBHOOK_URL?: string;
  SOURCE_BREAKER_HALF_OPEN_MS: number;
  CONSOLE_ENABLED: boolean;
  CONSOLE_PUBLIC_URL?: string;
  CONSOLE_DEV_SIGN_IN?: boolean;
  SESSION_IDLE_MINUTES: number;
  SESSION_MAX_HOURS: number;
  OIDC_ISSUER?: string;
  OIDC_CLIENT_ID?: string;
  OIDC_CLIENT_SECRET?: string;
  OIDC_SCOPES: string;
  OIDC_DEPARTMENT_CLAIM: string;
  OIDC_ROLES_CLAIM: string;
  OIDC_API_AUDIENCE?: string;
}

/**
 * The sample sources on this machine's local servers, each through a read-only account that
 * the sample set-up creates with SELECT on its own department's tables only. The MongoDB and
 * JSON API entries get their addresses at start (main.ts); production sets SOURCE_CREDENTIALS.
 */
export const LOCAL_SOURCE_CREDENTIALS: Record<string, RegistryEntry> = {
  'residents-db': { type: 'postgres', url: 'postgres://kho_cong_an_doc:kho_cong_an_doc@127.0.0.1:5432/test', departments: ['cong-an'], reach: { tables: ['cong_an.residents'] } },
  'health-db': { type: 'postgres', url: 'postgres://kho_y_te_doc:kho_y_te_doc@127.0.0.1:5432/test', departments: ['y-te'], reach: { tables: ['y_te.vaccinations'] } },
  'business-db': { type: 'mysql', url: 'mysql://kho_tai_chinh_doc:kho_tai_chinh_doc@127.0.0.1:3306/test', departments: ['tai-chinh'], reach: { tables: ['test.business_registrations'] } },
  'education-files': { type: 'csv', folder: 'giao-duc-dao-tao', departments: ['giao-duc-dao-tao'], reach: {} },
  'science-files': { type: 'csv', folder: 'khoa-hoc-cong-nghe', departments: ['khoa-hoc-cong-nghe'], reach: {} },
  'finance-files': { type: 'csv', folder: 'tai-chinh', departments: ['tai-chinh'], reach: {} },
};

/** One entry of SOURCE_CREDENTIALS as written: the name is its key, the owner defaults to the first department. */
export type RegistryEntry = Omit<SourceCredential, 'name' | 'owner'> & { owner?: string };

const IDENTIFIER_PATTERN = '^[A-Za-z_][A-Za-z0-9_]{0,62}\\.([A-Za-z_][A-Za-z0-9_]{0,62}|\\*)$';
const MONGO_NAME_PATTERN = '^[A-Za-z0-9_-]{1,64}\\.([A-Za-z0-9_-]{1,64}|\\*)$';
const registrySchema = {
  type: 'object',
  propertyNames: { pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' },
  additionalProperties: {
    type: 'object',
    required: ['type', 'departments'],
    additionalProperties: false,
    properties: {
      type: { enum: ['postgres', 'mysql', 'mongodb', 'http-json', 'csv'] },
      url: { type: 'string', pattern: '^(postgres|postgresql|mysql|mongodb|mongodb\\+srv|https?)://' },
      folder: { type: 'string', minLength: 1 },
      departments: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' } },
      owner: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' },
      reach: {
        type: 'object',
        additionalProperties: false,
        properties: {
          tables: { type: 'array', items: { type: 'string', pattern: IDENTIFIER_PATTERN } },
          collections: { type: 'array', items: { type: 'string', pattern: MONGO_NAME_PATTERN } },
          pathPrefix: { type: 'string', pattern: '^/([A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*)?$' },
        },
      },
    },
    allOf: [
      { if: { properties: { type: { const: 'csv' } } }, then: { required: ['folder'] }, else: { required: ['url'] } },
    ],
  },
} as const;

/**
 * Parses SOURCE_CREDENTIALS (or the local defaults) into the registry: every entry with its
 * type, connection, departments and reach, csv folders made absolute under `filesDir`.
 */
export function parseSourceRegistry(value: unknown, filesDir: string): Record<string, SourceCredential> {
  const ajv = new Ajv({ allErrors: true });
  const check = ajv.compile(registrySchema);
  if (!check(value)) {
    const faults = (check.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message}`);
    throw new ConfigError(`SOURCE_CREDENTIALS is invalid (${faults.join('; ')}); each entry is { type, url | folder, departments: [...], reach: { tables | collections | pathPrefix } }.`);
  }
  const registry: Record<string, SourceCredential> = {};
  for (const [name, entry] of Object.entries(value as Record<string, RegistryEntry>)) {
    if (entry.owner && !entry.departments.includes(entry.owner)) throw new ConfigError(`SOURCE_CREDENTIALS.${name}: owner must be one of its departments.`);
    if (entry.reach?.pathPrefix?.split('/').some((segment) => segment === '.' || segment === '..')) throw new ConfigError(`SOURCE_CREDENTIALS.${name}: pathPrefix must not hold . or .. segments.`);
    const credential: SourceCredential = { name, type: entry.type, departments: entry.departments, owner: entry.owner ?? entry.departments[0]!, reach: entry.reach ?? {} };
    if (entry.url) credential.url = entry.url;
    if (entry.folder) credential.folder = resolve(filesDir, entry.folder);
    registry[name] = credential;
  }
  return registry;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: true });
  const validate = ajv.compile(envSchema);
  // ajv coerces and fills defaults in place, so a value that passes has the validated shape.
  const isValidated = (value: object): value is ValidatedEnv => validate(value);
  const raw: Record<string, unknown> = {};
  for (const name of Object.keys(envSchema.properties)) {
    const value = env[name];
    if (value !== undefined && value !== '') raw[name] = value;
  }
  if (!isValidated(raw)) {
    const faults = (validate.errors ?? []).map((e) => `${e.instancePath.slice(1) || e.params['missingProperty']}: ${e.message}`);
    throw new ConfigError(`Invalid configuration: ${faults.join('; ')}`);
  }
  const v = raw;
  const publicKey = v.JWT_PUBLIC_KEY;
  const nodeEnv = v.NODE_ENV;
  const secret = v.JWT_SECRET ?? (publicKey ? undefined : DEVELOPMENT_JWT_SECRET);
  const algorithms = (v.JWT_ALGORITHMS ?? (publicKey ? 'RS256,ES256' : 'HS256')).split(',');

  const auditSecret = v.AUDIT_SECRET ?? DEVELOPMENT_AUDIT_SECRET;
  const maskSecret = v.MASK_SECRET ?? DEVELOPMENT_MASK_SECRET;
  const cursorSecret = v.CURSOR_SECRET ?? DEVELOPMENT_CURSOR_SECRET;
  if (nodeEnv === 'production') {
    if (secret === DEVELOPMENT_JWT_SECRET) {
      throw new ConfigError('Refusing to start in production with the development JWT secret: set JWT_PUBLIC_KEY (RS256/ES256) or a JWT_SECRET of your own.');
    }
    if (auditSecret === DEVELOPMENT_AUDIT_SECRET || maskSecret === DEVELOPMENT_MASK_SECRET || cursorSecret === DEVELOPMENT_CURSOR_SECRET) {
      throw new ConfigError('Refusing to start in production with development AUDIT_SECRET, MASK_SECRET or CURSOR_SECRET.');
    }
    if (!v.SOURCE_CREDENTIALS) throw new ConfigError('Refusing to start in production without SOURCE_CREDENTIALS: the local sample credentials are for development.');
    if (!v.AUDIT_ENABLED) throw new ConfigError('AUDIT_ENABLED=false is for measurement only and refused in production.');
  }
  const sourceFilesDir = resolve(projectRoot, v.SOURCE_FILES_DIR);
  let registry: unknown = LOCAL_SOURCE_CREDENTIALS;
  if (v.SOURCE_CREDENTIALS) {
    try {
      registry = JSON.parse(v.SOURCE_CREDENTIALS);
    } catch {
      throw new ConfigError('SOURCE_CREDENTIALS must be JSON: an object of credential name to { type, url | folder, departments, reach }.');
    }
  }
  const sourceCredentials = parseSourceRegistry(registry, sourceFilesDir);
  if (algorithms.includes('HS256') && !secret) throw new ConfigError('JWT_ALGORITHMS includes HS256 but no JWT_SECRET is set.');
  if (algorithms.some((a) => a !== 'HS256') && !publicKey) throw new ConfigError('RS256/ES256 need JWT_PUBLIC_KEY.');

  const config: Config = {
    nodeEnv,
    host: v.HOST,
    port: v.PORT,
    logLevel: v.LOG_LEVEL,
    mongoDb: v.MONGODB_DB,
    dataDir: v.DATA_DIR,
    seedOnStart: v.SEED_ON_START,
    sampleAdmin: { postgresUrl: v.SAMPLE_POSTGRES_ADMIN_URL, mysqlUrl: v.SAMPLE_MYSQL_ADMIN_URL },
    jwt: {
      algorithms,
      issuer: v.JWT_ISSUER,
      audience: v.JWT_AUDIENCE,
      clockToleranceSeconds: v.JWT_CLOCK_TOLERANCE_SECONDS,
      maxLifetimeSeconds: v.JWT_MAX_LIFETIME_SECONDS,
    },
    corsOrigins: v.CORS_ORIGINS ? v.CORS_ORIGINS.split(',') : [],
    sourceCredentials,
    sourceTimeoutMs: v.SOURCE_TIMEOUT_MS,
    sourceFilesDir,
    sourceMaxResponseBytes: v.SOURCE_MAX_RESPONSE_BYTES,
    sourceBreaker: { threshold: v.SOURCE_BREAKER_THRESHOLD, halfOpenAfterMs: v.SOURCE_BREAKER_HALF_OPEN_MS },
    callerQueries: { running: v.SOURCE_MAX_QUERIES_PER_CALLER, waiting: v.SOURCE_MAX_WAITING_PER_CALLER },
    export: { maxPerCaller: v.EXPORT_MAX_PER_CALLER, maxConcurrent: v.EXPORT_MAX_CONCURRENT, idleTimeoutMs: v.EXPORT_IDLE_TIMEOUT_MS, pageRows: v.EXPORT_PAGE_ROWS },
    governance: { auditSecret, maskSecret, cursorSecret, auditEnabled: v.AUDIT_ENABLED, maxAccessDays: v.ACCESS_MAX_DAYS },
    console: {
      enabled: v.CONSOLE_ENABLED,
      devSignIn: v.CONSOLE_DEV_SIGN_IN ?? nodeEnv !== 'production',
      sessionIdleSeconds: v.SESSION_IDLE_MINUTES * 60,
      sessionMaxSeconds: v.SESSION_MAX_HOURS * 3600,
    },
    limits: {
      maxBodyBytes: v.MAX_BODY_BYTES,
      maxDepth: v.QUERY_MAX_DEPTH,
      maxAliases: v.QUERY_MAX_ALIASES,
      maxCost: v.QUERY_MAX_COST,
      maxTokens: v.QUERY_MAX_TOKENS,
      maxPageSize: 1000,
      operationTimeoutMs: v.OPERATION_TIMEOUT_MS,
      requestTimeoutMs: v.REQUEST_TIMEOUT_MS,
      dataSchemaMaxDatasets: v.DATA_SCHEMA_MAX_DATASETS,
    },
  };
  if (v.MONGODB_URI) config.mongoUri = v.MONGODB_URI;
  if (v.STEWARD_WEBHOOK_URL) config.governance.webhookUrl = v.STEWARD_WEBHOOK_URL;
  if (v.METRICS_TOKEN) config.metricsToken = v.METRICS_TOKEN;
  Object.assign(config, consoleConfig(v));
  if (v.CONSOLE_PUBLIC_URL) config.console.publicUrl = v.CONSOLE_PUBLIC_URL;
  if (secret) config.jwt.secret = secret;
  if (publicKey) config.jwt.publicKey = publicKey;
  return config;
}

/**
 * The console's public URL and identity provider. In production a console needs both (the
 * development sign-in is refused there), and the provider must be reached over https.
 */
function consoleConfig(v: ValidatedEnv): Pick<Config, 'oidc'> {
  const production = v.NODE_ENV === 'production';
  const out: Pick<Config, 'oidc'> = {};
  if (v.OIDC_ISSUER || v.OIDC_CLIENT_ID) {
    if (!v.OIDC_ISSUER || !v.OIDC_CLIENT_ID) throw new ConfigError('OIDC_ISSUER and OIDC_CLIENT_ID go together.');
    if (production && !v.OIDC_ISSUER.startsWith('https://')) throw new ConfigError('OIDC_ISSUER must be an https URL in production.');
    const oidc: OidcConfig = {
      issuer: v.OIDC_ISSUER,
      clientId: v.OIDC_CLIENT_ID,
      scopes: v.OIDC_SCOPES,
      departmentClaim: v.OIDC_DEPARTMENT_CLAIM,
      rolesClaim: v.OIDC_ROLES_CLAIM,
      apiAudience: v.OIDC_API_AUDIENCE ?? v.OIDC_CLIENT_ID,
      allowInsecure: !production && v.OIDC_ISSUER.startsWith('http://'),
    };
    if (v.OIDC_CLIENT_SECRET) oidc.clientSecret = v.OIDC_CLIENT_SECRET;
    out.oidc = oidc;
  }
  if (production && v.CONSOLE_ENABLED) {
    if (v.CONSOLE_DEV_SIGN_IN) throw new ConfigError('CONSOLE_DEV_SIGN_IN is for development only and refused in production.');
    if (!out.oidc) throw new ConfigError('Refusing to start the console in production without OIDC_ISSUER and OIDC_CLIENT_ID (or set CONSOLE_ENABLED=false).');
    if (!v.CONSOLE_PUBLIC_URL?.startsWith('https://')) throw new ConfigError('Refusing to start the console in production without an https CONSOLE_PUBLIC_URL.');
  }
  return out;
}
