import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBearerVerifier, signToken } from '../../server/auth/jwt.js';
import { loadConfig } from '../../server/config.js';
import { startTestGateway, type TestGateway } from '../kit.js';
import { HttpSession } from './http-session.js';

/**
 * Sign-in against a real OpenID provider (oidc-provider) on loopback: authorization code with
 * PKCE, state bound to the browser, department and roles from configured claims; the
 * provider's JWT access tokens are accepted by the API through its JWKS, including after the
 * provider rotates its keys, beside the local HS256 tokens.
 */
const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

async function signingKey(kid: string): Promise<{ jwk: JWK; privateKey: CryptoKey }> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { jwk: { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' }, privateKey: privateKey as CryptoKey };
}

const formAction = (html: string, base: string) => new URL(/<form[^>]*action="([^"]+)"/.exec(html)![1]!, base).href;

let providerServer: Server;
let issuer: string;
let gw: TestGateway;
let provider: Provider;

beforeAll(async () => {
  providerServer = createServer();
  issuer = await listen(providerServer);
  gw = await startTestGateway({
    env: { OIDC_ISSUER: issuer, OIDC_CLIENT_ID: 'kho-console', OIDC_CLIENT_SECRET: 'kho-console-test-secret', OIDC_SCOPES: 'openid profile api', OIDC_API_AUDIENCE: 'kho-du-lieu-api', OIDC_DEPARTMENT_CLAIM: 'org.dept', OIDC_ROLES_CLAIM: 'roles' },
  });
  const claims = (sub: string) => ({ sub, name: 'Nguyễn Văn An', org: { dept: 'tai-chinh' }, roles: ['analyst', 'uma_authorization'] });
  provider = new Provider(issuer, {
    clients: [{ client_id: 'kho-console', client_secret: 'kho-console-test-secret', redirect_uris: [`${gw.base}/auth/callback`], post_logout_redirect_uris: [`${gw.base}/auth/sign-in?signedOut=1`], token_endpoint_auth_method: 'client_secret_post' }],
    pkce: { required: () => true },
    claims: { openid: ['sub'], profile: ['name', 'org', 'roles'] },
    conformIdTokenClaims: false,
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => claims(sub) }),
    extraTokenClaims: async (_ctx, token) => (token.kind === 'AccessToken' && 'accountId' in token ? { org: { dept: 'tai-chinh' }, roles: ['analyst'] } : undefined),
    features: {
      devInteractions: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => 'urn:kho-du-lieu:api',
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({ scope: 'api', audience: 'kho-du-lieu-api', accessTokenFormat: 'jwt', accessTokenTTL: 600, jwt: { sign: { alg: 'RS256' } } }),
      },
    },
    jwks: { keys: [(await signingKey('provider-1')).jwk] },
    cookies: { keys: ['oidc-test-cookie-key'] },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
  });
  providerServer.on('request', provider.callback());
});

afterAll(async () => {
  await gw?.close();
  providerServer?.closeAllConnections();
  await new Promise((resolve) => providerServer?.close(resolve));
});

describe('OpenID Connect sign-in', () => {
  it('signs in with code + PKCE at the provider; the session token works on the API', async () => {
    const browser = new HttpSession(gw.base);
    const start = await browser.go(`${gw.base}/auth/login?return=%2Fmy%2Fgrants`);
    expect(start.status).toBe(303);
    const authorize = new URL(start.headers.get('location')!);
    expect(authorize.origin).toBe(issuer);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorize.searchParams.get('state')).toBeTruthy();
    expect(authorize.searchParams.get('nonce')).toBeTruthy();
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${gw.base}/auth/callback`);

    const login = await browser.follow(authorize.href);
    const loginHtml = await login.response.text();
    const consent = await browser.follow(formAction(loginHtml, login.url), { form: { prompt: 'login', login: 'an.oidc', password: 'any' } });
    const done = await browser.follow(formAction(await consent.response.text(), consent.url), { form: { prompt: 'consent' } });
    expect(done.url).toBe(`${gw.base}/my/grants`);
    expect(done.response.status).toBe(200);
    const page = await done.response.text();
    expect(page).toContain('an.oidc · Sở Tài chính · Phân tích viên');
    expect(browser.cookies.has('kho_login')).toBe(false);

    // GraphiQL's token is the provider's access token, and the API accepts it.
    const query = await (await browser.go(`${gw.base}/query`)).text();
    const token = /"Authorization":"Bearer ([^"]+)"/.exec(query)![1]!;
    expect(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).iss).toBe(issuer);
    const me = await gw.gql<{ me: { id: string; department: { code: string }; roles: string[] } }>('{ me { id department { code } roles } }', undefined, token);
    expect(me.data?.me).toEqual({ id: 'an.oidc', department: { code: 'tai-chinh' }, roles: ['ANALYST'] });

    // Signing out ends the console session and hands over to the provider's end-session page.
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
    const out = await browser.go(`${gw.base}/auth/logout`, { form: { _csrf: csrf } });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toMatch(new RegExp(`^${issuer}/session/end`));
    expect((await browser.go(`${gw.base}/my/grants`)).status).toBe(303);
  });

  it('refuses a callback whose state this browser did not start, and a replayed one', async () => {
    const victim = new HttpSession(gw.base);
    const start = await victim.go(`${gw.base}/auth/login`);
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    // An attacker's browser brings the victim's state (login CSRF): refused, no session.
    const attacker = new HttpSession(gw.base);
    const forged = await attacker.go(`${gw.base}/auth/callback?code=abc&state=${encodeURIComponent(state)}`);
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain('Không đăng nhập được qua cổng định danh');
    expect(attacker.cookies.has('kho_session')).toBe(false);
    // The victim's own callback with a made-up code fails at the provider, and the state is spent.
    const bad = await victim.go(`${gw.base}/auth/callback?code=made-up&state=${encodeURIComponent(state)}`);
    expect(bad.status).toBe(400);
    expect(victim.cookies.has('kho_session')).toBe(false);
  });
});

describe('JWKS verification of the provider\'s access tokens', () => {
  let jwksServer: Server;
  let jwksIssuer: string;
  let keys: { jwk: JWK; privateKey: CryptoKey }[];
  let served: JWK[];

  beforeAll(async () => {
    keys = [await signingKey('k1'), await signingKey('k2'), await signingKey('k1')];
    served = [keys[0]!.jwk];
    jwksServer = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/.well-known/openid-configuration') res.end(JSON.stringify({ issuer: jwksIssuer, jwks_uri: `${jwksIssuer}/jwks` }));
      else if (req.url === '/jwks') res.end(JSON.stringify({ keys: served.map(({ d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub }) => pub) }));
      else res.writeHead(404).end('{}');
    });
    jwksIssuer = await listen(jwksServer);
  });

  afterAll(async () => {
    jwksServer?.closeAllConnections();
    await new Promise((resolve) => jwksServer?.close(resolve));
  });

  const mint = (key: { privateKey: CryptoKey; jwk: JWK }, claims: Record<string, unknown> = {}, ttl = '5m', audience = 'kho-du-lieu-api') =>
    new SignJWT({ dept: 'cong-an', roles: ['steward', 'manage-account'], ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: key.jwk.kid!, typ: 'at+jwt' })
      .setIssuer(jwksIssuer)
      .setSubject('binh.tran')
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime(ttl)
      .sign(key.privateKey);

  it('accepts a token of the current key, then of a rotated one, and refuses the retired key', async () => {
    const config = loadConfig({ NODE_ENV: 'test', OIDC_ISSUER: jwksIssuer, OIDC_CLIENT_ID: 'kho-console', OIDC_API_AUDIENCE: 'kho-du-lieu-api' });
    const verify = createBearerVerifier(config, { jwksCooldownMs: 0 });
    expect(await verify(await mint(keys[0]!))).toEqual({ id: 'binh.tran', department: 'cong-an', roles: ['steward'] });

    // The provider rotates: k1 is retired, k2 signs. A token naming k2 makes the key set reload.
    served = [keys[1]!.jwk];
    expect((await verify(await mint(keys[1]!))).id).toBe('binh.tran');
    await expect(verify(await mint(keys[0]!))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    // A key of the same id but not the provider's does not verify.
    await expect(verify(await mint(keys[2]!))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('refuses a wrong audience, an expired token, a too long life, missing claims, and an HS256 token claiming the issuer', async () => {
    const config = loadConfig({ NODE_ENV: 'test', OIDC_ISSUER: jwksIssuer, OIDC_CLIENT_ID: 'kho-console', OIDC_API_AUDIENCE: 'kho-du-lieu-api' });
    const verify = createBearerVerifier(config, { jwksCooldownMs: 0 });
    served = [keys[1]!.jwk];
    const key = keys[1]!;
    await expect(verify(await mint(key, {}, '5m', 'someone-else'))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(verify(await mint(key, {}, '-1m'))).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'Token expired.' });
    await expect(verify(await mint(key, {}, '30d'))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(verify(await mint(key, { dept: undefined }))).rejects.toMatchObject({ message: expect.stringMatching(/dept/) });
    await expect(verify(await mint(key, { roles: ['manage-account'] }))).rejects.toMatchObject({ message: expect.stringMatching(/roles/) });
    const forged = await new SignJWT({ dept: 'cong-an', roles: ['admin'] }).setProtectedHeader({ alg: 'HS256' }).setIssuer(jwksIssuer).setSubject('x').setAudience('kho-du-lieu-api').setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode(config.jwt.secret));
    await expect(verify(forged)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    // Local tokens still verify beside the provider's.
    expect((await verify(signToken({ id: 'local', department: 'y-te', roles: ['analyst'] }, config.jwt))).id).toBe('local');
  });
});
