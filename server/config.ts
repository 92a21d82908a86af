import { resolve } from 'node:path';
import { Ajv } from 'ajv';
import { projectRoot } from './paths.js';

/**
 * Configuration comes only from environment variables, validated once at start-up so that a
 * wrong value fails fast with its name instead of at the first request.
 */
export const DEVELOPMENT_JWT_SECRET = 'kho-du-lieu-local-development-secret-do-not-use-in-production';
export const DEVELOPMENT_AUDIT_SECRET = 'kho-du-lieu-local-audit-chain-key-do-not-use-in-production';
export const DEVELOPMENT_MASK_SECRET = 'kho-du-lieu-local-mask-hash-key-do-not-use-in-production';

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
  jwt: {
    secret?: string;
    publicKey?: string;
    algorithms: string[];
    issuer: string;
    audience: string;
    clockToleranceSeconds: number;
  };
  /** Source credentials by the name connector bindings use; never stored in the catalogue. */
  sourceCredentials: Record<string, string>;
  sourceTimeoutMs: number;
  /** File-based sources (csv) must lie inside this folder. */
  sourceFilesDir: string;
  sourceBreaker: { threshold: number; halfOpenAfterMs: number };
  governance: {
    /** Key of the audit chain's HMAC: whoever holds it could rewrite the chain undetected. */
    auditSecret: string;
    /** Key of HASH masks: whoever holds it could test guesses of masked values. */
    maskSecret: string;
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
    /** Published datasets given a typed field under `data`; `records` serves every one. */
    dataSchemaMaxDatasets: number;
  };
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
    JWT_SECRET: { type: 'string', minLength: 32 },
    JWT_PUBLIC_KEY: { type: 'string', pattern: '-----BEGIN' },
    JWT_ALGORITHMS: { type: 'string', pattern: '^(HS256|RS256|ES256)(,(HS256|RS256|ES256))*$' },
    JWT_ISSUER: { type: 'string', minLength: 1, default: 'kho-du-lieu' },
    JWT_AUDIENCE: { type: 'string', minLength: 1, default: 'kho-du-lieu-gateway' },
    JWT_CLOCK_TOLERANCE_SECONDS: { type: 'integer', minimum: 0, maximum: 300, default: 30 },
    MAX_BODY_BYTES: { type: 'integer', minimum: 1024, default: 100_000 },
    QUERY_MAX_DEPTH: { type: 'integer', minimum: 2, default: 10 },
    QUERY_MAX_ALIASES: { type: 'integer', minimum: 0, default: 15 },
    QUERY_MAX_COST: { type: 'integer', minimum: 100, default: 200_000 },
    QUERY_MAX_TOKENS: { type: 'integer', minimum: 100, default: 2000 },
    OPERATION_TIMEOUT_MS: { type: 'integer', minimum: 100, default: 30_000 },
    DATA_SCHEMA_MAX_DATASETS: { type: 'integer', minimum: 1, default: 2000 },
    SOURCE_CREDENTIALS: { type: 'string', minLength: 2 },
    SOURCE_TIMEOUT_MS: { type: 'integer', minimum: 50, default: 10_000 },
    SOURCE_FILES_DIR: { type: 'string', minLength: 1, default: 'datasets/sources' },
    SOURCE_BREAKER_THRESHOLD: { type: 'integer', minimum: 1, default: 5 },
    AUDIT_SECRET: { type: 'string', minLength: 32 },
    MASK_SECRET: { type: 'string', minLength: 32 },
    AUDIT_ENABLED: { type: 'boolean', default: true },
    ACCESS_MAX_DAYS: { type: 'integer', minimum: 1, maximum: 3650, default: 365 },
    STEWARD_WEBHOOK_URL: { type: 'string', pattern: '^https?://' },
    SOURCE_BREAKER_HALF_OPEN_MS: { type: 'integer', minimum: 100, default: 10_000 },
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
  JWT_SECRET?: string;
  JWT_PUBLIC_KEY?: string;
  JWT_ALGORITHMS?: string;
  JWT_ISSUER: string;
  JWT_AUDIENCE: string;
  JWT_CLOCK_TOLERANCE_SECONDS: number;
  MAX_BODY_BYTES: number;
  QUERY_MAX_DEPTH: number;
  QUERY_MAX_ALIASES: number;
  QUERY_MAX_COST: number;
  QUERY_MAX_TOKENS: number;
  OPERATION_TIMEOUT_MS: number;
  DATA_SCHEMA_MAX_DATASETS: number;
  SOURCE_CREDENTIALS?: string;
  SOURCE_TIMEOUT_MS: number;
  SOURCE_FILES_DIR: string;
  SOURCE_BREAKER_THRESHOLD: number;
  AUDIT_SECRET?: string;
  MASK_SECRET?: string;
  AUDIT_ENABLED: boolean;
  ACCESS_MAX_DAYS: number;
  STEWARD_WEBHOOK_URL?: string;
  SOURCE_BREAKER_HALF_OPEN_MS: number;
}

/** The sample sources on this machine's local servers; production sets SOURCE_CREDENTIALS. */
const LOCAL_SOURCE_CREDENTIALS: Record<string, string> = {
  'residents-db': 'postgres://postgres@127.0.0.1:5432/test',
  'health-db': 'postgres://postgres@127.0.0.1:5432/test',
  'business-db': 'mysql://root@127.0.0.1:3306/test',
};

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: true });
  const validate = ajv.compile(envSchema);
  const raw: Record<string, unknown> = {};
  for (const name of Object.keys(envSchema.properties)) {
    const value = env[name];
    if (value !== undefined && value !== '') raw[name] = value;
  }
  if (!validate(raw)) {
    const faults = (validate.errors ?? []).map((e) => `${e.instancePath.slice(1) || e.params['missingProperty']}: ${e.message}`);
    throw new ConfigError(`Invalid configuration: ${faults.join('; ')}`);
  }
  const v = raw as unknown as ValidatedEnv;
  const publicKey = v.JWT_PUBLIC_KEY;
  const nodeEnv = v.NODE_ENV;
  const secret = v.JWT_SECRET ?? (publicKey ? undefined : DEVELOPMENT_JWT_SECRET);
  const algorithms = (v.JWT_ALGORITHMS ?? (publicKey ? 'RS256,ES256' : 'HS256')).split(',');

  const auditSecret = v.AUDIT_SECRET ?? DEVELOPMENT_AUDIT_SECRET;
  const maskSecret = v.MASK_SECRET ?? DEVELOPMENT_MASK_SECRET;
  if (nodeEnv === 'production') {
    if (secret === DEVELOPMENT_JWT_SECRET) {
      throw new ConfigError('Refusing to start in production with the development JWT secret: set JWT_PUBLIC_KEY (RS256/ES256) or a JWT_SECRET of your own.');
    }
    if (auditSecret === DEVELOPMENT_AUDIT_SECRET || maskSecret === DEVELOPMENT_MASK_SECRET) {
      throw new ConfigError('Refusing to start in production with development AUDIT_SECRET or MASK_SECRET.');
    }
    if (!v.AUDIT_ENABLED) throw new ConfigError('AUDIT_ENABLED=false is for measurement only and refused in production.');
  }
  let sourceCredentials = LOCAL_SOURCE_CREDENTIALS;
  if (v.SOURCE_CREDENTIALS) {
    try {
      const parsed: unknown = JSON.parse(v.SOURCE_CREDENTIALS);
      if (typeof parsed !== 'object' || parsed === null || Object.values(parsed).some((x) => typeof x !== 'string')) throw new Error();
      sourceCredentials = parsed as Record<string, string>;
    } catch {
      throw new ConfigError('SOURCE_CREDENTIALS must be a JSON object of credential name to connection string.');
    }
  }
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
    jwt: {
      algorithms,
      issuer: v.JWT_ISSUER,
      audience: v.JWT_AUDIENCE,
      clockToleranceSeconds: v.JWT_CLOCK_TOLERANCE_SECONDS,
    },
    sourceCredentials,
    sourceTimeoutMs: v.SOURCE_TIMEOUT_MS,
    sourceFilesDir: resolve(projectRoot, v.SOURCE_FILES_DIR),
    sourceBreaker: { threshold: v.SOURCE_BREAKER_THRESHOLD, halfOpenAfterMs: v.SOURCE_BREAKER_HALF_OPEN_MS },
    governance: { auditSecret, maskSecret, auditEnabled: v.AUDIT_ENABLED, maxAccessDays: v.ACCESS_MAX_DAYS },
    limits: {
      maxBodyBytes: v.MAX_BODY_BYTES,
      maxDepth: v.QUERY_MAX_DEPTH,
      maxAliases: v.QUERY_MAX_ALIASES,
      maxCost: v.QUERY_MAX_COST,
      maxTokens: v.QUERY_MAX_TOKENS,
      maxPageSize: 1000,
      operationTimeoutMs: v.OPERATION_TIMEOUT_MS,
      dataSchemaMaxDatasets: v.DATA_SCHEMA_MAX_DATASETS,
    },
  };
  if (v.MONGODB_URI) config.mongoUri = v.MONGODB_URI;
  if (v.STEWARD_WEBHOOK_URL) config.governance.webhookUrl = v.STEWARD_WEBHOOK_URL;
  if (secret) config.jwt.secret = secret;
  if (publicKey) config.jwt.publicKey = publicKey;
  return config;
}
