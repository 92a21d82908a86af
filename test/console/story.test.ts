import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startTestGateway, type TestGateway } from '../kit.js';
import { PEOPLE_SCHEMA, peopleRows } from '../sample-rows.js';
import { postgresSource, type TestSource } from '../sources.js';
import { foreignRequests, launchChromium, recordingContext, screenshot, signInAs } from './browser.js';

/**
 * The console's whole story, as its users live it, in real headless Chromium: an analyst of Sở
 * Tài chính finds the residents and asks for access; Công an's steward narrows the fields, masks
 * the citizen id, adds a district filter and approves; the analyst previews masked, filtered
 * rows; the steward sees that read in the audit and revokes; the analyst is refused. No request
 * of the browser leaves the gateway's origin.
 */
const rows = peopleRows(200);
const PURPOSE = 'Xác minh người đại diện theo pháp luật khi đăng ký doanh nghiệp';

let source: TestSource;
let gw: TestGateway;
let browser: Browser;
const allRequests: string[] = [];

beforeAll(async () => {
  source = await postgresSource(rows);
  gw = await startTestGateway({ env: { SOURCE_CREDENTIALS: JSON.stringify(source.credentials) } });
  const publisher = gw.token('publisher.cong-an', 'cong-an', ['publisher']);
  await gw.publishDataset(publisher, { slug: 'residents', title: 'Dân cư thành phố', description: 'Cư dân thường trú trên địa bàn thành phố.', classification: 'RESTRICTED', keywords: ['dân cư'], recordSchema: PEOPLE_SCHEMA, connector: source.connector });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await gw?.close();
  await source?.drop();
});

async function as(personaId: string) {
  const { context, requests } = await recordingContext(browser);
  const page = await context.newPage();
  await signInAs(page, gw.base, personaId);
  return { page, context, requests, done: async () => { allRequests.push(...requests); await context.close(); } };
}

describe('the console story in Chromium', () => {
  it('runs from the request to the refusal after revocation, with every request on the gateway', async () => {
    // The analyst finds the residents by a Vietnamese search and asks for four fields.
    const analyst = await as('analyst.tai-chinh');
    const a = analyst.page;
    await a.getByLabel('Tìm bộ dữ liệu').fill('dân cư');
    await a.getByRole('button', { name: 'Tìm', exact: true }).click();
    await a.getByRole('link', { name: 'Dân cư thành phố' }).click();
    await expect.poll(() => a.locator('h1').textContent()).toBe('Dân cư thành phố');
    await expect.poll(() => a.getByText('Bạn chưa đọc được bộ dữ liệu này').count()).toBe(1);
    await screenshot(a, 'vi-light-dataset-analyst');
    await a.getByRole('link', { name: 'Yêu cầu truy cập' }).click();
    for (const f of ['citizenId', 'fullName', 'district', 'birthYear']) await a.locator(`input[name=fields][value=${f}]`).check();
    await a.getByLabel('Mục đích', { exact: true }).fill(PURPOSE);
    await a.getByLabel('Giải trình').fill('Hồ sơ đăng ký doanh nghiệp mới tại Quận 1');
    await a.getByRole('button', { name: 'Gửi yêu cầu' }).click();
    await a.waitForURL(/\/my\/requests/);
    await expect.poll(() => a.getByText('Đang chờ').count()).toBe(1);
    await screenshot(a, 'vi-light-my-requests');

    // Công an's steward sees one pending request in the header and narrows it.
    const steward = await as('steward.cong-an');
    const s = steward.page;
    await expect.poll(() => s.locator('nav.main .badge').textContent()).toBe('1');
    await s.getByRole('link', { name: /Hộp thư yêu cầu/ }).click();
    await s.getByRole('link', { name: 'Xem xét' }).click();
    await s.locator('#grant-fullName').uncheck();
    await s.getByLabel('Cách che trường citizenId').selectOption('PARTIAL');
    await s.locator('#f0-field').selectOption('district');
    await s.locator('#f0-op').selectOption('eq');
    await s.locator('#f0-value').fill('Quận 1');
    await screenshot(s, 'vi-light-approve');
    await s.getByRole('button', { name: 'Phê duyệt', exact: true }).click();
    await s.waitForURL(/decided=approved/);
    await expect.poll(() => s.getByText('Không có yêu cầu nào đang chờ.').count()).toBe(1);

    // The analyst previews: only Quận 1, the citizen id masked, the full name not there at all.
    await a.goto(`${gw.base}/datasets/cong-an.residents`);
    await expect.poll(() => a.getByText('Bạn đọc được bộ dữ liệu này').count()).toBe(1);
    await expect.poll(() => a.getByLabel('Mục đích sử dụng').inputValue()).toBe(PURPOSE);
    await a.getByRole('button', { name: 'Xem trước 10 dòng' }).click();
    const table = a.locator('#preview-table');
    await table.waitFor();
    const headers = await table.locator('thead th').allTextContents();
    expect(headers.map((h) => h.split(' ')[0])).toEqual(['citizenId', 'district', 'birthYear']);
    const districts = await table.locator('tbody tr td:nth-child(2)').allTextContents();
    expect(districts.length).toBeGreaterThan(0);
    expect(new Set(districts)).toEqual(new Set(['Quận 1']));
    const ids = await table.locator('tbody tr td:nth-child(1)').allTextContents();
    const real = new Set(rows.map((r) => r.citizenId));
    for (const id of ids) {
      expect(id).toMatch(/\*/);
      expect(real.has(id)).toBe(false);
    }
    await screenshot(a, 'vi-light-preview');

    // The steward finds that read in the department's audit, then revokes the grant.
    await s.goto(`${gw.base}/audit?action=data.read`);
    const read = s.locator('#audit-table tbody tr', { hasText: 'analyst.tai-chinh' });
    await expect.poll(() => read.count()).toBe(1);
    expect(await read.textContent()).toContain(PURPOSE);
    expect(await read.textContent()).toContain('citizenId, district, birthYear');
    await screenshot(s, 'vi-light-audit');
    await s.getByRole('link', { name: 'Quyền đã cấp' }).click();
    await s.getByLabel('Lý do thu hồi').fill('Hết nhu cầu xác minh');
    await s.getByRole('button', { name: 'Thu hồi' }).click();
    await s.waitForURL(/revoked=1/);

    // The analyst is refused, in Vietnamese, with what to do next.
    await a.getByRole('button', { name: 'Xem trước 10 dòng' }).click();
    await expect.poll(() => a.locator('#preview [role=alert] h2').textContent()).toBe('Bạn không có quyền thực hiện việc này');
    expect(await a.locator('#preview-table').count()).toBe(0);

    await analyst.done();
    await steward.done();
    expect(allRequests.length).toBeGreaterThan(20);
    expect(foreignRequests(allRequests, gw.base)).toEqual([]);
  });
});
