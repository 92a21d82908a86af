import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';
import { startTestGateway, type TestGateway } from '../kit.js';
import { PEOPLE_SCHEMA, peopleRows } from '../sample-rows.js';
import { postgresSource, type TestSource } from '../sources.js';
import { HttpSession } from './http-session.js';

/**
 * The console's sessions and state changes against a hostile web: every state change needs the
 * session's CSRF token and this origin; the cookie is HttpOnly, SameSite and never stored in
 * clear; sessions end on logout, when idle, and at their absolute expiry; the development
 * sign-in is refused in production.
 */
let source: TestSource;
let gw: TestGateway;
const until = () => new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  source = await postgresSource(peopleRows(20));
  gw = await startTestGateway({ env: { SOURCE_CREDENTIALS: JSON.stringify(source.credentials) } });
  const publisher = gw.token('publisher.cong-an', 'cong-an', ['publisher']);
  await gw.publishDataset(publisher, { slug: 'residents', title: 'Dân cư <img src=x onerror=alert(1)>', description: 'Cư dân "thường trú" & <b>tạm trú</b>', classification: 'RESTRICTED', recordSchema: PEOPLE_SCHEMA, connector: source.connector });
});

afterAll(async () => {
  await gw?.close();
  await source?.drop();
});

async function signedIn(persona = 'analyst.tai-chinh'): Promise<HttpSession> {
  const browser = new HttpSession(gw.base);
  const response = await browser.post('/auth/dev-sign-in', { persona, return: '/' });
  expect(response.status).toBe(303);
  return browser;
}

const requestForm = (csrf?: string) => ({ ...(csrf ? { _csrf: csrf } : {}), fields: ['district'], purpose: 'Thống kê', until: until() });
const requestCount = () => gw.access.requests.countDocuments({});

describe('console sessions', () => {
  it('sets an HttpOnly, SameSite session cookie whose value is not what the database holds', async () => {
    const browser = new HttpSession(gw.base);
    const response = await browser.post('/auth/dev-sign-in', { persona: 'analyst.tai-chinh', return: '/' });
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith('kho_session='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure/i);
    const value = browser.cookies.get('kho_session')!;
    expect(await gw.db.collection('console_sessions').countDocuments({ _id: value as never })).toBe(0);
    expect(await gw.db.collection('console_sessions').countDocuments({ _id: createHash('sha256').update(value).digest('base64url') as never })).toBe(1);
    expect((await browser.get('/my/requests')).status).toBe(200);
  });

  it('sends a visitor without a session to the sign-in page, keeping where they were going', async () => {
    const response = await new HttpSession(gw.base).get('/my/grants');
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/auth/sign-in?return=%2Fmy%2Fgrants');
  });

  it('ends the session at logout: the old cookie signs nobody in', async () => {
    const browser = await signedIn();
    const stolen = browser.cookies.get('kho_session')!;
    const out = await browser.post('/auth/logout', { _csrf: await browser.csrf() });
    expect(out.status).toBe(303);
    const replay = new HttpSession(gw.base);
    replay.cookies.set('kho_session', stolen);
    expect((await replay.get('/my/requests')).status).toBe(303);
  });

  it('tells the browser to clear what it kept at logout, GraphiQL’s history with its token included', async () => {
    const browser = await signedIn();
    const out = await browser.post('/auth/logout', { _csrf: await browser.csrf() });
    expect(out.status).toBe(303);
    expect(out.headers.get('clear-site-data')).toBe('"cache", "storage"');
  });

  it('refuses a form holding a NUL, as the API does, and stores nothing', async () => {
    // A browser cannot send a lone surrogate in a form (it becomes U+FFFD); NUL it can.
    const browser = await signedIn('analyst.giao-duc-dao-tao');
    const csrf = await browser.csrf();
    const before = await requestCount();
    for (const purpose of ['Thống kê\u0000 dân số', '\u0000']) {
      const response = await browser.post('/datasets/cong-an.residents/request', { ...requestForm(csrf), purpose });
      expect(response.status, JSON.stringify(purpose)).toBe(400);
    }
    expect(await requestCount()).toBe(before);
  });

  it('ends an idle session and one past its absolute expiry', async () => {
    const idle = await signedIn();
    const key = (b: HttpSession) => createHash('sha256').update(b.cookies.get('kho_session')!).digest('base64url') as never;
    await gw.db.collection('console_sessions').updateOne({ _id: key(idle) }, { $set: { lastSeenAt: new Date(Date.now() - 31 * 60_000) } });
    expect((await idle.get('/my/requests')).status).toBe(303);
    expect(await gw.db.collection('console_sessions').countDocuments({ _id: key(idle) })).toBe(0);

    const old = await signedIn();
    await gw.db.collection('console_sessions').updateOne({ _id: key(old) }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await old.get('/my/requests')).status).toBe(303);
  });

  it('sweeps sessions that ended unread, on any MongoDB', async () => {
    const gone = await signedIn();
    const key = createHash('sha256').update(gone.cookies.get('kho_session')!).digest('base64url') as never;
    await gw.db.collection('console_sessions').updateOne({ _id: key }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    // Another process's sweep (a fresh store over the same database) removes it without its cookie ever coming back.
    const { SessionStore } = await import('../../console/session-store.js');
    await new SessionStore(gw.db, { idleSeconds: 1800, maxSeconds: 3600 }).create({ principal: { id: 'x', department: 'y-te', roles: ['analyst'] }, via: 'dev' });
    expect(await gw.db.collection('console_sessions').countDocuments({ _id: key })).toBe(0);
  });

  it('gives a new session id at every sign-in (no fixation)', async () => {
    const browser = await signedIn();
    const first = browser.cookies.get('kho_session');
    // Signed in already, switching persona is a state change like any other: it carries the token.
    expect((await browser.post('/auth/dev-sign-in', { persona: 'steward.cong-an', return: '/' })).status).toBe(403);
    expect((await browser.post('/auth/dev-sign-in', { _csrf: await browser.csrf(), persona: 'steward.cong-an', return: '/' })).status).toBe(303);
    expect(browser.cookies.get('kho_session')).not.toBe(first);
    const replay = new HttpSession(gw.base);
    replay.cookies.set('kho_session', first!);
    expect((await replay.get('/my/requests')).status).toBe(303);
  });
});

describe('CSRF', () => {
  it('refuses a state change without the token, with a wrong one, from another origin or with no origin at all, and changes nothing', async () => {
    const browser = await signedIn();
    const csrf = await browser.csrf();
    const path = '/datasets/cong-an.residents/request';
    const before = await requestCount();

    const missing = await browser.post(path, requestForm());
    expect(missing.status).toBe(403);
    expect(await missing.text()).toContain('Yêu cầu bị từ chối để bảo vệ phiên làm việc');
    expect((await browser.post(path, requestForm('x'.repeat(csrf.length)))).status).toBe(403);
    expect((await browser.post(path, requestForm(csrf), { origin: 'https://evil.example' })).status).toBe(403);
    expect((await browser.post(path, requestForm(csrf), { origin: null })).status).toBe(403);
    expect((await browser.post(path, requestForm(csrf), { origin: null, referer: 'https://evil.example/form' })).status).toBe(403);
    // Another user's token is not this session's.
    const other = await signedIn('analyst.y-te');
    expect((await browser.post(path, requestForm(await other.csrf()))).status).toBe(403);
    expect(await requestCount()).toBe(before);

    const made = await browser.post(path, requestForm(csrf));
    expect(made.status).toBe(303);
    expect(await requestCount()).toBe(before + 1);
    // The header htmx sends is accepted in place of the field, from a page of this origin.
    const withdraw = (await gw.access.requests.findOne({ requesterId: 'analyst.tai-chinh' }))!._id;
    expect((await browser.post(`/my/requests/${withdraw}/withdraw`, {}, { 'x-csrf-token': csrf, origin: null, referer: `${gw.base}/my/requests` })).status).toBe(303);
    expect((await gw.access.requests.findOne({ _id: withdraw }))!.status).toBe('WITHDRAWN');
  });

  it('refuses a sign-in posted from another site (login CSRF) and a logout without the token', async () => {
    const attacker = new HttpSession(gw.base, 'https://evil.example');
    expect((await attacker.post('/auth/dev-sign-in', { persona: 'admin.platform', return: '/' })).status).toBe(403);
    expect(attacker.cookies.has('kho_session')).toBe(false);
    const browser = await signedIn();
    expect((await browser.post('/auth/logout', {})).status).toBe(403);
    expect((await browser.get('/my/requests')).status).toBe(200);
  });

  it('shows the faults of a request at their fields, in the language of the user, and keeps what was typed', async () => {
    const browser = await signedIn();
    const far = new Date(Date.now() + 800 * 86_400_000).toISOString().slice(0, 10);
    const before = await requestCount();
    const response = await browser.post('/datasets/cong-an.residents/request', { _csrf: await browser.csrf(), purpose: 'ab', justification: 'Giữ lại <nội dung>', until: far });
    expect(response.status).toBe(400);
    const page = await response.text();
    expect(page).toMatch(/<p class="field-error" id="err-fields">Chưa hợp lệ: chọn ít nhất một trường<\/p>/);
    expect(page).toContain('id="err-purpose">Chưa hợp lệ: nêu căn cứ pháp lý');
    expect(page).toContain('id="err-until">Chưa hợp lệ: không quá 365 ngày kể từ hôm nay');
    expect(page).toContain('aria-describedby="err-purpose"');
    expect(page).toContain('Giữ lại &#60;nội dung&#62;');
    expect(await requestCount()).toBe(before);
  });

  it('escapes what metadata holds: a dataset title cannot inject markup', async () => {
    const browser = await signedIn();
    const html = await (await browser.get('/?q=dan+cu')).text();
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&#60;img src&#61;x onerror&#61;alert(1)&#62;');
    const page = await (await browser.get('/datasets/cong-an.residents')).text();
    expect(page).not.toContain('<b>tạm trú</b>');
  });

  it('answers a browser at an unknown address with a page in its language, and other clients with the API error', async () => {
    const browser = await signedIn();
    const page = await fetch(`${gw.base}/no/such/page`, { headers: { accept: 'text/html', cookie: `kho_session=${browser.cookies.get('kho_session')}` } });
    expect(page.status).toBe(404);
    expect(await page.text()).toContain('Không tìm thấy');
    const api = await fetch(`${gw.base}/no/such/page`);
    expect(api.status).toBe(404);
    expect(await api.json()).toEqual({ errors: [{ message: 'No such endpoint.', extensions: { code: 'NOT_FOUND' } }] });
  });

  it('sends GraphQL answers and the GraphiQL page uncached and unframeable', async () => {
    const response = await fetch(`${gw.base}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('sends a Content-Security-Policy that allows this origin only', async () => {
    const browser = await signedIn();
    const response = await browser.get('/');
    expect(response.headers.get('content-security-policy')).toMatch(/default-src 'self'; script-src 'self'; style-src 'self'/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
  });
});

describe('steward decisions', () => {
  it('shows faults of an approval at their fields and changes nothing; a rejection needs a reason and reaches the analyst', async () => {
    const analyst = await signedIn('analyst.y-te');
    expect((await analyst.post('/datasets/cong-an.residents/request', { _csrf: await analyst.csrf(), fields: ['district', 'birthYear'], purpose: 'Thống kê tiêm chủng', until: until() })).status).toBe(303);
    const request = (await gw.access.requests.findOne({ requesterId: 'analyst.y-te', status: 'PENDING' }))!;
    const steward = await signedIn('steward.cong-an');
    const csrf = await steward.csrf('/steward/inbox');
    const later = new Date(Date.now() + 40 * 86_400_000).toISOString().slice(0, 10);
    const bad = await steward.post(`/steward/requests/${request._id}/approve`, { _csrf: csrf, fields: ['district'], until: later, maxRows: '0', rowFilterJson: '{"district": {"$ne": 1}}' });
    expect(bad.status).toBe(400);
    const page = await bad.text();
    for (const id of ['err-until', 'err-maxRows', 'err-rowFilter']) expect(page).toContain(`id="${id}"`);
    expect(page).toContain('chỉ được sớm hơn ngày được yêu cầu');
    expect((await gw.access.requests.findOne({ _id: request._id }))!.status).toBe('PENDING');
    expect(await gw.access.grants.countDocuments({ requestId: request._id })).toBe(0);

    const noReason = await steward.post(`/steward/requests/${request._id}/reject`, { _csrf: csrf, reason: '  ' });
    expect(noReason.status).toBe(400);
    expect(await noReason.text()).toContain('id="err-reason"');
    expect((await steward.post(`/steward/requests/${request._id}/reject`, { _csrf: csrf, reason: 'Mục đích chưa đủ căn cứ' })).status).toBe(303);
    const mine = await (await analyst.get('/my/requests')).text();
    expect(mine).toContain('Bị từ chối');
    expect(mine).toContain('Mục đích chưa đủ căn cứ');
  });

  it('keeps another department\'s requests out of a steward\'s reach', async () => {
    const request = (await gw.access.requests.findOne({ requesterId: 'analyst.y-te' }))!;
    const other = await signedIn('steward.y-te');
    const refused = await other.get(`/steward/requests/${request._id}`);
    expect(refused.status).toBe(404);
  });
});

describe('the development sign-in in production', () => {
  const production = {
    NODE_ENV: 'production',
    JWT_SECRET: 'p'.repeat(40),
    AUDIT_SECRET: 'a'.repeat(40),
    MASK_SECRET: 'm'.repeat(40),
    CURSOR_SECRET: 'c'.repeat(40),
    SOURCE_CREDENTIALS: '{}',
    OIDC_ISSUER: 'https://idp.example.invalid/realms/tinh',
    OIDC_CLIENT_ID: 'kho-console',
    CONSOLE_PUBLIC_URL: 'https://kho.example.invalid',
  };

  it('is not offered and is refused, even when posted from the console origin', async () => {
    const prod = await startTestGateway({ env: production });
    try {
      const browser = new HttpSession(prod.base, 'https://kho.example.invalid');
      const page = await (await browser.get('/auth/sign-in')).text();
      expect(page).toContain('Đăng nhập qua cổng định danh');
      expect(page).not.toContain('analyst.tai-chinh');
      const refused = await browser.post('/auth/dev-sign-in', { persona: 'admin.platform', return: '/' });
      expect(refused.status).toBe(403);
      expect(await refused.text()).toContain('Cách đăng nhập này không được bật');
      expect(browser.cookies.size).toBe(0);
    } finally {
      await prod.close();
    }
  });

  it('refuses to start a console in production without an identity provider, with the development sign-in, or without an https URL', () => {
    const { OIDC_ISSUER: _i, OIDC_CLIENT_ID: _c, ...withoutOidc } = production;
    expect(() => loadConfig(withoutOidc)).toThrow(/OIDC_ISSUER/);
    expect(() => loadConfig({ ...production, CONSOLE_DEV_SIGN_IN: 'true' })).toThrow(/CONSOLE_DEV_SIGN_IN/);
    expect(() => loadConfig({ ...production, CONSOLE_PUBLIC_URL: 'http://kho.example.invalid' })).toThrow(/CONSOLE_PUBLIC_URL/);
    expect(() => loadConfig({ ...production, OIDC_ISSUER: 'http://idp.example.invalid' })).toThrow(/https/);
    expect(loadConfig({ ...withoutOidc, CONSOLE_ENABLED: 'false' }).console.enabled).toBe(false);
    expect(loadConfig(production).console.devSignIn).toBe(false);
  });
});
