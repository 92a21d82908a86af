import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import jwt from 'jsonwebtoken';
import type { Config, OidcConfig } from '../config.js';
import { unauthenticated } from '../errors.js';
import { ROLES, type Principal, type Role } from './principal.js';
import { isWellFormedText } from '../well-formed.js';

type JwtConfig = Config['jwt'];

const DEPARTMENT_CODE = /^[a-z0-9][a-z0-9-]{0,62}$/;

const keys = new WeakMap<JwtConfig, KeyObject>();

/**
 * The key as a KeyObject, made once per configuration: given a string, jsonwebtoken first tries
 * to parse it as a public key on every call, which cost most of a request's CPU.
 */
function verificationKey(config: JwtConfig): KeyObject {
  let key = keys.get(config);
  if (!key) {
    key = config.algorithms.includes('HS256') ? createSecretKey(Buffer.from(config.secret ?? '')) : createPublicKey(config.publicKey ?? '');
    keys.set(config, key);
  }
  return key;
}

/**
 * Verifies a bearer token. Algorithms are pinned from configuration, so `alg: none` or an HS256
 * token forged with a public key as the secret never verifies. Every failure is UNAUTHENTICATED
 * with a message that names the reason but never echoes the token.
 */
export function verifyToken(token: string, config: JwtConfig): Principal {
  const now = Math.floor(Date.now() / 1000);
  let verified = verifiedTokens.get(config);
  if (!verified) verifiedTokens.set(config, (verified = new Map()));
  const known = verified.get(token);
  // The same token verified under the same keys verifies again, until it expires (as
  // jsonwebtoken counts it: at exp plus the tolerance); every other check can only pass again.
  if (known && now < known.exp + config.clockToleranceSeconds) return { ...known.principal, roles: [...known.principal.roles] };
  verified.delete(token);
  const fresh = verifyUncached(token, config, now);
  if (verified.size >= MAX_VERIFIED) verified.delete(verified.keys().next().value!);
  verified.set(token, fresh);
  return { ...fresh.principal, roles: [...fresh.principal.roles] };
}

/** Tokens that verified, per configuration, so that a client's every request does not pay an HMAC or signature check. */
const verifiedTokens = new WeakMap<JwtConfig, Map<string, { principal: Principal; exp: number }>>();
const MAX_VERIFIED = 10_000;

function verifyUncached(token: string, config: JwtConfig, now: number): { principal: Principal; exp: number } {
  const key = verificationKey(config);
  let verified: jwt.Jwt;
  try {
    verified = jwt.verify(token, key, {
      algorithms: config.algorithms as jwt.Algorithm[],
      issuer: config.issuer,
      audience: config.audience,
      clockTolerance: config.clockToleranceSeconds,
      clockTimestamp: now,
      complete: true,
    });
  } catch (error) {
    if (error instanceof jwt.TokenExpiredError) throw unauthenticated('Token expired.');
    if (error instanceof jwt.JsonWebTokenError) throw unauthenticated(`Invalid token: ${error.message}.`);
    throw unauthenticated('Invalid token.');
  }
  // RFC 7515 §4.1.11: a recipient must refuse a token whose `crit` names extensions it does not
  // understand, and we understand none; jsonwebtoken ignores the header.
  if ('crit' in verified.header) throw unauthenticated('Invalid token: critical header extensions (crit) are not supported.');
  const payload = verified.payload;
  if (typeof payload === 'string' || typeof payload.exp !== 'number') throw unauthenticated('Invalid token: an expiry (exp) is required.');
  // A stolen token is only as harmless as it is short-lived: a lifetime above the maximum is
  // refused however it is spelled (a far exp, or an iat long before exp).
  const longest = config.maxLifetimeSeconds + config.clockToleranceSeconds;
  if (typeof payload.iat === 'number' && payload.exp - payload.iat > longest) {
    throw unauthenticated(`Invalid token: lifetime (exp - iat) exceeds the maximum of ${config.maxLifetimeSeconds} seconds.`);
  }
  if (payload.exp - now > longest) throw unauthenticated(`Invalid token: expiry (exp) is more than the maximum lifetime of ${config.maxLifetimeSeconds} seconds away.`);
  const { sub, dept, roles } = payload as { sub?: unknown; dept?: unknown; roles?: unknown };
  if (!isSubject(sub)) throw unauthenticated(SUBJECT_FAULT);
  if (typeof dept !== 'string' || !DEPARTMENT_CODE.test(dept)) throw unauthenticated('Invalid token: claim dept must be a department code.');
  if (!Array.isArray(roles) || !roles.every((r): r is Role => typeof r === 'string' && (ROLES as readonly string[]).includes(r))) {
    throw unauthenticated(`Invalid token: claim roles must be a list of ${ROLES.join(', ')}.`);
  }
  return { principal: { id: sub, department: dept, roles: [...new Set(roles)] }, exp: payload.exp };
}

const MAX_SUBJECT = 200;
const SUBJECT_FAULT = `Invalid token: claim sub is required, as well-formed text of at most ${MAX_SUBJECT} characters.`;

/**
 * Whether a subject claim can name an actor: the id is stored in grants and the audit trail, where
 * a lone surrogate would be stored as U+FFFD and so become the same actor as another subject.
 */
function isSubject(sub: unknown): sub is string {
  return typeof sub === 'string' && sub.length > 0 && sub.length <= MAX_SUBJECT && isWellFormedText(sub);
}

/** The value at a dotted claim path (`realm_access.roles`), or undefined. */
export function claimAt(claims: Record<string, unknown>, path: string): unknown {
  let value: unknown = claims;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/**
 * The principal an identity provider's claims describe, by the configured claim paths. A
 * provider carries many roles of its own: only the platform's are kept, and none is a refusal.
 */
export function principalFromClaims(claims: Record<string, unknown>, oidc: Pick<OidcConfig, 'departmentClaim' | 'rolesClaim'>): Principal {
  const sub = claims['sub'];
  const dept = claimAt(claims, oidc.departmentClaim);
  const given = claimAt(claims, oidc.rolesClaim);
  if (!isSubject(sub)) throw unauthenticated(SUBJECT_FAULT);
  if (typeof dept !== 'string' || !DEPARTMENT_CODE.test(dept)) throw unauthenticated(`Invalid token: claim ${oidc.departmentClaim} must be a department code.`);
  const list = typeof given === 'string' ? given.split(' ') : Array.isArray(given) ? given : [];
  const roles = [...new Set(list.filter((r): r is Role => typeof r === 'string' && (ROLES as readonly string[]).includes(r)))];
  if (roles.length === 0) throw unauthenticated(`Invalid token: claim ${oidc.rolesClaim} names none of ${ROLES.join(', ')}.`);
  return { id: sub, department: dept, roles };
}

/** Verifies a bearer token of any accepted kind into its principal. */
export type BearerVerifier = (token: string) => Promise<Principal>;

const ISSUER_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'];

/**
 * Local tokens (HS256 or the configured public key) and, when an identity provider is
 * configured, its access tokens, verified against its JWKS. The JWKS address comes from the
 * provider's discovery document, read once; jose refetches the key set when a token names a
 * key it does not hold (a rotation), at most once per `jwksCooldownMs`.
 */
export function createBearerVerifier(config: Pick<Config, 'jwt' | 'oidc'>, options: { jwksCooldownMs?: number } = {}): BearerVerifier {
  const oidc = config.oidc;
  if (!oidc) return async (token) => verifyToken(token, config.jwt);
  let keySet: Promise<ReturnType<typeof createRemoteJWKSet>> | null = null;
  const jwks = () => {
    keySet ??= discoverJwksUri(oidc).then((uri) => createRemoteJWKSet(uri, { cooldownDuration: options.jwksCooldownMs ?? 30_000, timeoutDuration: 5000 }));
    // A provider down at the first token must not be remembered as down for good.
    keySet.catch(() => (keySet = null));
    return keySet;
  };
  return async (token) => {
    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(token);
    } catch {
      throw unauthenticated('Invalid token: not a JWT.');
    }
    if (unverified.iss !== oidc.issuer) return verifyToken(token, config.jwt);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, await jwks(), {
        issuer: oidc.issuer,
        audience: oidc.apiAudience,
        algorithms: ISSUER_ALGORITHMS,
        clockTolerance: config.jwt.clockToleranceSeconds,
        requiredClaims: ['exp', 'sub'],
        maxTokenAge: config.jwt.maxLifetimeSeconds,
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw unauthenticated('Token expired.');
      if (error instanceof joseErrors.JOSEError) throw unauthenticated(`Invalid token: ${error.code}.`);
      throw unauthenticated('Invalid token: the identity provider\'s keys could not be read.');
    }
    const now = Math.floor(Date.now() / 1000);
    if ((payload.exp ?? 0) - now > config.jwt.maxLifetimeSeconds + config.jwt.clockToleranceSeconds) {
      throw unauthenticated(`Invalid token: expiry (exp) is more than the maximum lifetime of ${config.jwt.maxLifetimeSeconds} seconds away.`);
    }
    return principalFromClaims(payload, oidc);
  };
}

async function discoverJwksUri(oidc: OidcConfig): Promise<URL> {
  const response = await fetch(new URL('.well-known/openid-configuration', oidc.issuer.endsWith('/') ? oidc.issuer : `${oidc.issuer}/`), { signal: AbortSignal.timeout(5000), redirect: 'error' });
  if (!response.ok) throw new Error(`discovery answered ${response.status}`);
  const document: unknown = await response.json();
  const uri = typeof document === 'object' && document !== null ? (document as Record<string, unknown>)['jwks_uri'] : undefined;
  if (typeof uri !== 'string') throw new Error('discovery has no jwks_uri');
  const url = new URL(uri);
  if (url.protocol !== 'https:' && !oidc.allowInsecure) throw new Error('jwks_uri is not https');
  return url;
}

export function bearerToken(header: string | null | undefined): string {
  if (!header) throw unauthenticated();
  const match = /^Bearer ([A-Za-z0-9_\-.]+)$/.exec(header.trim());
  if (!match?.[1]) throw unauthenticated('Malformed Authorization header: expected "Bearer <JWT>".');
  return match[1];
}

/** Signs a token for local use (the token command, tests). Only HS256 with the configured secret. */
export function signToken(principal: Principal, config: JwtConfig, ttl: string | number = '1h'): string {
  if (!config.secret) throw new Error('No JWT_SECRET configured: tokens for RS256/ES256 are issued by your identity provider.');
  const token = jwt.sign({ dept: principal.department, roles: principal.roles }, config.secret, {
    algorithm: 'HS256',
    subject: principal.id,
    issuer: config.issuer,
    audience: config.audience,
    expiresIn: ttl as jwt.SignOptions['expiresIn'],
  });
  // Said here rather than by a 401 at the first request.
  const { iat, exp } = jwt.decode(token, { json: true }) ?? {};
  if (typeof iat === 'number' && typeof exp === 'number' && exp - iat > config.maxLifetimeSeconds) {
    throw new Error(`A token may live at most ${config.maxLifetimeSeconds} seconds (JWT_MAX_LIFETIME_SECONDS); ask for a shorter ttl.`);
  }
  return token;
}
