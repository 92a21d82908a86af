import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { sampleRuntimeCredentials } from '../../datasets/sample-credentials.js';
import { LOCAL_SOURCE_CREDENTIALS } from '../../server/config.js';
import { startTestGateway, type TestGateway } from '../kit.js';
import { PEOPLE_SCHEMA, peopleRows } from '../sample-rows.js';
import { postgresSource, type TestSource } from '../sources.js';
import { lowContrastText, unlabelledControls } from './a11y.js';
import { foreignRequests, launchChromium, recordingContext, screenshot, signInAs } from './browser.js';

/**
 * Every page of every role, in Vietnamese and English, light and dark: each loads with no
 * request to another origin and no error in the browser's console (a blocked script or style
 * is one), and GraphiQL, served from the installed packages, runs a query with the session's
 * token. The screenshots are looked at by people (docs/ holds the Vietnamese ones).
 */
let source: TestSource;
let gw: TestGateway;
let browser: Browser;

const PAGES: Record<string, string[]> = {
  'analyst.tai-chinh': ['/', '/?q=dan+cu', '/datasets/cong-an.registry', '/datasets/cong-an.residents/request', '/my/requests', '/my/grants'],
  'steward.cong-an': ['/steward/inbox', '/steward/grants', '/audit'],
  'publisher.cong-an': ['/publish', '/publish/new', '/publish/cong-an.registry'],
  'admin.platform': ['/admin', '/audit'],
};

beforeAll(async () => {
  source = await postgresSource(peopleRows(100));
  const credentials = { ...LOCAL_SOURCE_CREDENTIALS, ...sampleRuntimeCredentials({ mongoUri: inject('mongoUri'), apiUrl: 'http://127.0.0.1:9' }), ...source.credentials };
  gw = await startTestGateway({ sampleCatalogue: true, env: { SOURCE_CREDENTIALS: JSON.stringify(credentials) } });
  const publisher = gw.token('publisher.cong-an', 'cong-an', ['publisher']);
  await gw.publishDataset(publisher, {
    slug: 'registry', title: 'Sổ đăng ký cư trú (bản thử nghiệm)', titleEn: 'Residence register (trial)', description: 'Cư dân thường trú, để thử nghiệm chia sẻ dữ liệu nội bộ.',
    classification: 'INTERNAL', keywords: ['dân cư', 'cư trú'], themes: ['dan-cu'], recordSchema: PEOPLE_SCHEMA, connector: source.connector,
  });
  // Something for the steward's pages to show: a pending request, a grant and a read.
  const analyst = gw.token('analyst.tai-chinh', 'tai-chinh', ['analyst']);
  const until = new Date(Date.now() + 5 * 86_400_000).toISOString();
  const asked = await gw.gql<{ requestAccess: { id: string } }>('mutation($i: AccessRequestInput!) { requestAccess(input: $i) { id } }', { i: { datasetId: 'cong-an.residents', fields: ['citizenId', 'district'], purpose: 'Đối chiếu hồ sơ thuế', until } }, analyst);
  expect(asked.errors).toBeUndefined();
  const other = gw.token('analyst.y-te', 'y-te', ['analyst']);
  const second = await gw.gql<{ requestAccess: { id: string } }>('mutation($i: AccessRequestInput!) { requestAccess(input: $i) { id } }', { i: { datasetId: 'cong-an.residents', fields: ['district'], purpose: 'Thống kê tiêm chủng theo quận', until } }, other);
  const steward = gw.token('steward.cong-an', 'cong-an', ['steward']);
  await gw.gql('mutation($id: ID!) { approveAccessRequest(id: $id, input: { maxRows: 500 }) { id } }', { id: second.data!.requestAccess.id }, steward);
  await gw.gql('{ records(dataset: "cong-an.registry", first: 5) { edges { node } } }', undefined, analyst);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await gw?.close();
  await source?.drop();
});

async function visitAll(theme: 'light' | 'dark', lang: 'vi' | 'en', shots: boolean) {
  for (const [persona, paths] of Object.entries(PAGES)) {
    const { context, requests } = await recordingContext(browser, { colorScheme: theme });
    const host = new URL(gw.base).hostname;
    await context.addCookies([
      { name: 'kho_lang', value: lang, domain: host, path: '/' },
      { name: 'kho_theme', value: theme, domain: host, path: '/' },
    ]);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(`${page.url()}: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`${page.url()}: ${e.message}`));
    await signInAs(page, gw.base, persona);
    for (const path of paths) {
      const response = await page.goto(`${gw.base}${path}`);
      expect(response?.status(), `${persona} ${path}`).toBe(200);
      expect(await page.locator('html').getAttribute('lang')).toBe(lang);
      if (path.startsWith('/datasets/cong-an.registry')) {
        await page.getByRole('button', { name: lang === 'vi' ? 'Xem trước 10 dòng' : 'Preview 10 rows' }).click();
        await page.locator('#preview-table').waitFor();
      }
      if (path === '/admin') {
        await page.getByRole('button', { name: lang === 'vi' ? 'Kiểm tra chuỗi nhật ký' : 'Verify the audit chain' }).click();
        await page.locator('#verify-result [role=status]').waitFor();
        expect(await page.locator('#verify-result').textContent()).toContain(lang === 'vi' ? 'Chuỗi nhật ký nguyên vẹn' : 'The audit chain is intact');
      }
      expect(await unlabelledControls(page), `${persona} ${path}`).toEqual([]);
      expect(await lowContrastText(page), `${persona} ${path} ${theme}`).toEqual([]);
      if (shots) await screenshot(page, `${lang}-${theme}-${persona.split('.')[0]}${path.replace(/[^a-z0-9]+/gi, '-').replace(/-$/, '') || '-catalogue'}`);
    }
    await context.close();
    expect(problems).toEqual([]);
    expect(foreignRequests(requests, gw.base)).toEqual([]);
  }
}

/** Both languages and both themes are covered by two passes; CONSOLE_SHOTS=all takes every combination, for looking at them. */
const allCombinations = process.env['CONSOLE_SHOTS'] === 'all';

describe('every page in Chromium', () => {
  it('has checks that find unlabelled controls and faint text', async () => {
    const page = await browser.newPage();
    await page.setContent('<p style="color:#aaa">faint</p><p>fine</p><div style="background:#222"><span style="color:#333">dark</span></div><input name="x"><label>ok <input name="y"></label>');
    expect(await lowContrastText(page)).toEqual([expect.stringContaining('"faint"'), expect.stringContaining('"dark"')]);
    expect(await unlabelledControls(page)).toEqual(['input[name=x]']);
    await page.close();
  });

  it('loads in Vietnamese, light, from the gateway alone', async () => visitAll('light', 'vi', true));
  it('loads in English, dark', async () => visitAll('dark', 'en', true));
  it.runIf(allCombinations)('loads in Vietnamese, dark, and in English, light', async () => {
    await visitAll('dark', 'vi', true);
    await visitAll('light', 'en', true);
  });

  it('registers a dataset from the field table, rows added with the keyboard, and publishes it', async () => {
    const { context, requests } = await recordingContext(browser);
    const page = await context.newPage();
    await signInAs(page, gw.base, 'publisher.cong-an');
    await page.goto(`${gw.base}/publish/new`);
    await page.getByLabel('Mã ngắn').fill('households');
    await page.getByLabel('Tên (tiếng Việt)').fill('Hộ khẩu thử nghiệm');
    await page.getByLabel('Mô tả (tiếng Việt)').fill('Nhân khẩu theo hộ, để thử biểu mẫu.');
    const add = page.getByRole('button', { name: 'Thêm trường' });
    await add.focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Shift+Tab');
    await add.press('Enter');
    const names = ['citizenId', 'fullName', 'district', 'birthYear', 'note'];
    for (const [n, name] of names.entries()) await page.getByLabel(`Tên trường dòng ${n + 1}`, { exact: true }).fill(name);
    await page.getByLabel('Kiểu dòng 4', { exact: true }).selectOption('integer');
    await page.getByLabel('Dữ liệu cá nhân dòng 1', { exact: true }).check();
    await page.getByLabel('Cách che dòng 1', { exact: true }).selectOption('PARTIAL');
    await page.getByLabel('Dữ liệu cá nhân dòng 5', { exact: true }).check();
    await page.getByLabel('Có thể trống dòng 5', { exact: true }).check();
    await page.getByLabel('Thông tin kết nối', { exact: true }).selectOption('test-pg');
    await page.getByLabel('Tuỳ chọn kết nối (JSON)').fill(JSON.stringify({ schema: source.connector.options['schema'], table: 'people', keyField: 'citizenId' }));
    await page.getByRole('button', { name: 'Đăng ký (bản nháp)' }).click();
    await page.waitForURL(/\/publish\/cong-an\.households\?done=registered/);
    const stored = (await gw.catalogue.getUnchecked('cong-an.households'))!;
    expect(stored.fields.map((f) => [f.name, f.type, f.pii])).toEqual([['citizenId', 'string', true], ['fullName', 'string', false], ['district', 'string', false], ['birthYear', 'integer', false], ['note', 'string', true]]);
    expect(stored.fields.find((f) => f.name === 'note')!.nullable).toBe(true);
    await page.getByRole('button', { name: 'Xuất bản', exact: true }).click();
    await page.waitForURL(/done=published/);
    expect(await page.locator('main').textContent()).toContain('Nguồn hoạt động bình thường và khớp lược đồ');
    await screenshot(page, 'vi-light-publisher-registered');
    await context.close();
    expect(foreignRequests(requests, gw.base)).toEqual([]);
  });

  it('switches language from the header and remembers it', async () => {
    const { context, requests } = await recordingContext(browser);
    const page = await context.newPage();
    await page.goto(`${gw.base}/auth/sign-in`);
    expect(await unlabelledControls(page)).toEqual([]);
    expect(await lowContrastText(page)).toEqual([]);
    await screenshot(page, 'vi-light-sign-in');
    await signInAs(page, gw.base, 'analyst.tai-chinh');
    expect(await page.locator('h1').textContent()).toBe('Danh mục dữ liệu');
    await page.getByLabel('Ngôn ngữ').selectOption('en');
    await page.getByRole('button', { name: 'Áp dụng' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Data catalogue');
    await page.goto(`${gw.base}/my/requests`);
    expect(await page.locator('h1').textContent()).toBe('My requests');
    // Dates follow the language: English month names now.
    expect(await page.locator('table').textContent()).toMatch(/\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b/);
    await context.close();
    expect(foreignRequests(requests, gw.base)).toEqual([]);
  });

  it('opens GraphiQL with the session token and shows a query result, offline', async () => {
    const { context, requests } = await recordingContext(browser);
    const page: Page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await signInAs(page, gw.base, 'analyst.tai-chinh');
    await page.goto(`${gw.base}/query`);
    await page.locator('.graphiql-container').waitFor();
    await page.locator('.graphiql-execute-button').click();
    await expect.poll(() => page.locator('.result-window').textContent(), { timeout: 15_000 }).toContain('"totalCount"');
    expect(await page.locator('.result-window').textContent()).toContain('cong-an.residents');
    await screenshot(page, 'vi-light-analyst-query');
    // The bare /graphql page too: GraphiQL from the installed packages, not a CDN.
    await page.goto(`${gw.base}/graphql`, { waitUntil: 'load' });
    await page.locator('.graphiql-container').waitFor();
    await context.close();
    expect(problems).toEqual([]);
    expect(foreignRequests(requests, gw.base)).toEqual([]);
  });
});
