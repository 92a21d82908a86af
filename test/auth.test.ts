import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEVELOPMENT_JWT_SECRET, loadConfig } from '../server/config.js';
import { datasetInput, REGISTER } from './fixtures.js';
import { codeOf, dataOf } from './kit.js';
import { operations } from './kit/operations.js';
import { analystOfTaiChinh, like } from './kit/personas.js';
import { withGateway } from './kit/stories.js';

const story = withGateway();
// Tokens forged or broken by hand are sent as raw bearer strings with story.gw.gql.
const ME = operations.me.document;
const nowSeconds = () => Math.floor(Date.now() / 1000);

function forge(claims: Record<string, unknown>, options: jwt.SignOptions = {}, secret: string = story.gw.config.jwt.secret!): string {
  return jwt.sign({ dept: 'tai-chinh', roles: ['publisher'], ...claims }, secret, {
    algorithm: 'HS256',
    subject: 'mallory',
    issuer: story.gw.config.jwt.issuer,
    audience: story.gw.config.jwt.audience,
    // jsonwebtoken refuses expiresIn next to an exp claim.
    ...('exp' in claims ? {} : { expiresIn: '5m' }),
    ...options,
  });
}

describe('JWT authentication', () => {
  it('checks the token before the query: without one, nothing about the schema comes back', async () => {
    for (const query of ['{ me { id department roles } }', '{ mee }', '{ data { cong_an_nope { edges { cursor } } } }', '{ me { id ']) {
      for (const bearer of [undefined, 'not-a-jwt']) {
        const response = await fetch(`${story.gw.base}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
          body: JSON.stringify({ query }),
        });
        expect(response.status, query).toBe(401);
        const text = await response.text();
        expect(JSON.parse(text).errors[0].extensions.code).toBe('UNAUTHENTICATED');
        expect(text).not.toMatch(/Did you mean|Cannot query|selection|Syntax/);
      }
    }
  });

  it('accepts a token from the token command key and describes the caller', async () => {
    const result = await story.as(like(analystOfTaiChinh, { roles: ['analyst', 'steward'] })).me();
    expect(dataOf(result).me).toEqual({ id: analystOfTaiChinh.id, department: { code: 'tai-chinh', name: 'Sở Tài chính' }, roles: ['ANALYST', 'STEWARD'] });
  });

  const unsigned = () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const payload = Buffer.from(
      JSON.stringify({ sub: 'mallory', dept: 'tai-chinh', roles: ['admin'], iss: story.gw.config.jwt.issuer, aud: story.gw.config.jwt.audience, exp: now + 300 }),
    ).toString('base64url');
    return `${header}.${payload}.`;
  };

  const cases: [string, () => string | undefined][] = [
    ['no token', () => undefined],
    ['alg none', unsigned],
    ['wrong key', () => forge({}, {}, 'another-secret-of-sufficient-length-0123456789')],
    ['wrong audience', () => forge({}, { audience: 'someone-else' })],
    ['wrong issuer', () => forge({}, { issuer: 'evil-issuer' })],
    ['expired', () => forge({}, { expiresIn: -120 })],
    ['malformed', () => 'not.a.jwt'],
    ['no expiry', () => jwt.sign({ dept: 'tai-chinh', roles: ['publisher'] }, story.gw.config.jwt.secret!, { subject: 'x', issuer: story.gw.config.jwt.issuer, audience: story.gw.config.jwt.audience })],
    ['unknown role', () => forge({ roles: ['superuser'] })],
    ['missing department', () => forge({ dept: undefined })],
    ['an expiry beyond the maximum lifetime', () => forge({ exp: 1e308 }, { noTimestamp: true })],
    ['a lifetime (exp - iat) above the maximum', () => forge({ iat: nowSeconds() - 86_400, exp: nowSeconds() + 300 })],
    ['a crit header', () => forge({}, { header: { alg: 'HS256', crit: ['exp'] } })],
    // A subject stored as U+FFFD would be the same actor as another one in grants and the trail.
    ['a subject with a lone surrogate', () => forge({}, { subject: '\ud800x' })],
    ['a subject with NUL', () => forge({}, { subject: 'a\u0000b' })],
    ['a subject of 201 characters', () => forge({}, { subject: 'a'.repeat(201) })],
  ];

  for (const [name, make] of cases) {
    it(`refuses a request with ${name} as UNAUTHENTICATED and does nothing`, async () => {
      const input = datasetInput({ slug: `x-${name.replace(/\s+/g, '-')}` });
      const result = await story.gw.gql(REGISTER, { input }, make());
      expect(result.status).toBe(401);
      expect(codeOf(result)).toBe('UNAUTHENTICATED');
      expect(result.data ?? null).toBeNull();
      expect(await story.gw.catalogue.datasets.countDocuments({ slug: input['slug'] as string })).toBe(0);
    });
  }

  it('names the reason when a token lives too long or has critical extensions', async () => {
    const far = await story.gw.gql(ME, undefined, forge({ exp: nowSeconds() + 2 * story.gw.config.jwt.maxLifetimeSeconds }, { noTimestamp: true }));
    expect(far.errors?.[0]?.message).toMatch(/expiry \(exp\) is more than the maximum lifetime/);
    const long = await story.gw.gql(ME, undefined, forge({}, { expiresIn: story.gw.config.jwt.maxLifetimeSeconds + story.gw.config.jwt.clockToleranceSeconds + 60 }));
    expect(long.errors?.[0]?.message).toMatch(/lifetime \(exp - iat\) exceeds the maximum/);
    const crit = await story.gw.gql(ME, undefined, forge({}, { header: { alg: 'HS256', crit: ['b64'] } }));
    expect(crit.errors?.[0]?.message).toMatch(/crit/);
    const longest = await story.gw.gql(ME, undefined, forge({}, { expiresIn: story.gw.config.jwt.maxLifetimeSeconds }));
    expect(longest.errors).toBeUndefined();
  });

  it('will not sign a token longer than the maximum lifetime', () => {
    expect(() => story.gw.token('an', 'tai-chinh', ['analyst'], story.gw.config.jwt.maxLifetimeSeconds + 1)).toThrow(/at most/);
  });

  it('tolerates a few seconds of clock skew (two minutes is refused above)', async () => {
    const slightlyExpired = forge({}, { expiresIn: -5 });
    expect((await story.gw.gql(ME, undefined, slightlyExpired)).errors).toBeUndefined();
  });

  it('refuses a token once it expires, though it was accepted before (verified tokens are remembered)', async () => {
    const token = forge({ exp: nowSeconds() - story.gw.config.jwt.clockToleranceSeconds + 2 });
    expect((await story.gw.gql(ME, undefined, token)).errors).toBeUndefined();
    expect((await story.gw.gql(ME, undefined, token)).errors).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(codeOf(await story.gw.gql(ME, undefined, token))).toBe('UNAUTHENTICATED');
  });

  it('refuses a malformed Authorization header', async () => {
    const response = await fetch(`${story.gw.base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Basic YWRtaW46YWRtaW4=' },
      body: JSON.stringify({ query: ME }),
    });
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(response.status).toBe(401);
    expect(body.errors[0]?.extensions.code).toBe('UNAUTHENTICATED');
  });
});

describe('configuration', () => {
  it('refuses to start in production with development secrets or audit switched off', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: DEVELOPMENT_JWT_SECRET })).toThrow(/development JWT secret/);
    const own = {
      JWT_SECRET: 'a-production-secret-of-at-least-32-characters',
      AUDIT_SECRET: 'an-audit-chain-key-of-at-least-32-characters',
      MASK_SECRET: 'a-mask-hash-key-of-at-least-32-characters!!',
      CURSOR_SECRET: 'a-cursor-seal-key-of-at-least-32-characters',
      SOURCE_CREDENTIALS: '{}',
    };
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: own.JWT_SECRET })).toThrow(/AUDIT_SECRET, MASK_SECRET or CURSOR_SECRET/);
    expect(() => loadConfig({ NODE_ENV: 'production', ...own, CURSOR_SECRET: undefined })).toThrow(/CURSOR_SECRET/);
    expect(() => loadConfig({ NODE_ENV: 'production', ...own, SOURCE_CREDENTIALS: undefined })).toThrow(/without SOURCE_CREDENTIALS/);
    expect(() => loadConfig({ NODE_ENV: 'production', ...own, AUDIT_ENABLED: 'false' })).toThrow(/measurement only/);
    // The console needs an identity provider in production (test/console/security.test.ts); without one it must be switched off.
    expect(() => loadConfig({ NODE_ENV: 'production', ...own })).toThrow(/OIDC_ISSUER/);
    expect(loadConfig({ NODE_ENV: 'production', ...own, CONSOLE_ENABLED: 'false' }).nodeEnv).toBe('production');
  });

  it('names each invalid variable', () => {
    expect(() => loadConfig({ PORT: 'eighty', QUERY_MAX_DEPTH: '1' })).toThrow(/PORT.*QUERY_MAX_DEPTH|QUERY_MAX_DEPTH.*PORT/);
  });
});
