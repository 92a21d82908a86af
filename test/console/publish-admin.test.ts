import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../kit.js';
import { peopleRows } from '../sample-rows.js';
import { postgresSource, type TestSource } from '../sources.js';
import { HttpSession } from './http-session.js';

/**
 * The publisher's and the admin's forms through HTTP as a browser posts them: a dataset is
 * registered from the field table, a fault shows at its field and stores nothing, it is
 * published and deprecated; departments are created and renamed, by admins only; the audit
 * chain's verification is shown.
 */
let source: TestSource;
let gw: TestGateway;

beforeAll(async () => {
  source = await postgresSource(peopleRows(10));
  gw = await startTestGateway({ env: { SOURCE_CREDENTIALS: JSON.stringify(source.credentials) } });
});

afterAll(async () => {
  await gw?.close();
  await source?.drop();
});

async function as(persona: string): Promise<HttpSession> {
  const browser = new HttpSession(gw.base);
  expect((await browser.post('/auth/dev-sign-in', { persona, return: '/' })).status).toBe(303);
  return browser;
}

const datasetForm = (csrf: string, overrides: Record<string, string | string[]> = {}) => ({
  _csrf: csrf,
  slug: 'people',
  title: 'Nhân khẩu thử nghiệm',
  description: 'Bảng nhân khẩu để thử biểu mẫu.',
  classification: 'INTERNAL',
  themes: 'dan-cu',
  keywords: 'nhân khẩu, dân cư',
  updateFrequency: 'daily',
  credential: 'test-pg',
  connectorOptions: JSON.stringify({ schema: source.connector.options['schema'], table: 'people', keyField: 'citizenId' }),
  schemaSource: 'table',
  fieldName: ['citizenId', 'fullName', 'district', 'birthYear'],
  fieldType: ['string', 'string', 'string', 'integer'],
  fieldTitle: ['Số định danh', 'Họ tên', 'Quận', 'Năm sinh'],
  fieldRequired: ['0', '2'],
  fieldPii: ['0', '1'],
  fieldMask: ['PARTIAL', 'REDACT', '', ''],
  ...overrides,
});

describe('publisher pages', () => {
  it('shows a fault at its field and stores nothing, then registers, publishes and deprecates', async () => {
    const publisher = await as('publisher.cong-an');
    const csrf = await publisher.csrf('/publish/new');
    const broken = await publisher.post('/publish/new', datasetForm(csrf, { fieldType: ['string', 'string', 'string', 'integer'], schemaSource: 'json', schemaJson: '{"type":"object","properties":{"a":{"type":"strange"}}}' }));
    expect(broken.status).toBe(400);
    const page = await broken.text();
    expect(page).toContain('Thông tin nhập chưa hợp lệ');
    expect(page).toMatch(/<fieldset aria-invalid="true" aria-describedby="err-recordSchema">/);
    expect(page).toContain('id="err-recordSchema"');
    // What was typed is kept.
    expect(page).toContain('value="Nhân khẩu thử nghiệm"');
    expect(await gw.catalogue.getUnchecked('cong-an.people')).toBeNull();

    for (const connectorOptions of ['{not json', '["table"]', '"people"']) {
      const badJson = await publisher.post('/publish/new', datasetForm(csrf, { connectorOptions }));
      expect(badJson.status).toBe(400);
      expect(await badJson.text()).toContain('id="err-connector"');
    }

    const made = await publisher.post('/publish/new', datasetForm(csrf));
    expect(made.status).toBe(303);
    expect(made.headers.get('location')).toBe('/publish/cong-an.people?done=registered');
    const stored = (await gw.catalogue.getUnchecked('cong-an.people'))!;
    expect(stored.status).toBe('DRAFT');
    expect(stored.fields.find((f) => f.name === 'citizenId')).toMatchObject({ pii: true, required: true, mask: { strategy: 'PARTIAL' } });
    expect(stored.fields.find((f) => f.name === 'birthYear')).toMatchObject({ type: 'integer', pii: false, required: false });
    expect(stored.connector).toEqual({ type: 'postgres', options: { ...source.connector.options, credentials: 'test-pg' } });

    const edit = await (await publisher.get(made.headers.get('location')!)).text();
    expect(edit).toContain('Đã đăng ký bản nháp');
    expect(edit).not.toContain(source.credentials['test-pg']!.url!);

    expect((await publisher.post('/publish/cong-an.people/publish', { _csrf: csrf })).status).toBe(303);
    const published = (await gw.catalogue.getUnchecked('cong-an.people'))!;
    expect(published.status).toBe('PUBLISHED');
    expect(published.health?.ok).toBe(true);

    const renamed = await publisher.post('/publish/cong-an.people', datasetForm(csrf, { title: 'Nhân khẩu (đã sửa)' }));
    expect(renamed.status).toBe(303);
    expect((await gw.catalogue.getUnchecked('cong-an.people'))!.title).toBe('Nhân khẩu (đã sửa)');

    expect((await publisher.post('/publish/cong-an.people/deprecate', { _csrf: csrf, reason: 'Thay bằng bộ mới' })).status).toBe(303);
    expect((await gw.catalogue.getUnchecked('cong-an.people'))!.status).toBe('DEPRECATED');
  });

  it('refuses a publisher of another department and an analyst', async () => {
    const other = await as('publisher.y-te');
    const refused = await other.post('/publish/cong-an.people', datasetForm(await other.csrf('/publish')));
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('Bạn không có quyền thực hiện việc này');
    const analyst = await as('analyst.tai-chinh');
    expect((await analyst.get('/publish/new')).status).toBe(403);
    // A credential the department may not bind is not offered, and not accepted.
    const form = await (await other.get('/publish/new')).text();
    expect(form).not.toContain('value="test-pg"');
  });
});

describe('admin pages', () => {
  it('creates and renames departments, with faults at their fields, for admins only', async () => {
    const admin = await as('admin.platform');
    const csrf = await admin.csrf('/admin');
    const bad = await admin.post('/admin/departments', { _csrf: csrf, code: 'Sở Xây dựng', name: '' });
    expect(bad.status).toBe(400);
    const page = await bad.text();
    expect(page).toContain('id="err-code"');
    expect(page).toContain('id="err-name"');
    expect((await admin.post('/admin/departments', { _csrf: csrf, code: 'xay-dung', name: 'Sở Xây dựng', nameEn: 'Department of Construction' })).status).toBe(303);
    expect(await gw.catalogue.getDepartment('xay-dung')).toEqual({ code: 'xay-dung', name: 'Sở Xây dựng', nameEn: 'Department of Construction' });
    const again = await admin.post('/admin/departments', { _csrf: csrf, code: 'xay-dung', name: 'Lần hai' });
    expect(await again.text()).toContain('Dữ liệu vừa được thay đổi');
    expect((await admin.post('/admin/departments/xay-dung', { _csrf: csrf, name: 'Sở Xây dựng Thành phố', nameEn: '' })).status).toBe(303);
    expect(await gw.catalogue.getDepartment('xay-dung')).toEqual({ code: 'xay-dung', name: 'Sở Xây dựng Thành phố' });

    const verified = await (await admin.post('/admin/verify', { _csrf: csrf })).text();
    expect(verified).toContain('Chuỗi nhật ký nguyên vẹn');

    const steward = await as('steward.cong-an');
    const refused = await steward.post('/admin/departments', { _csrf: await steward.csrf('/steward/inbox'), code: 'gia-mao', name: 'Giả mạo' });
    expect(refused.status).toBe(403);
    expect(await gw.catalogue.getDepartment('gia-mao')).toBeNull();
  });

  it('shows a broken audit chain with its first broken link', async () => {
    const admin = await as('admin.platform');
    const csrf = await admin.csrf('/admin');
    await gw.db.collection('audit_events').updateOne({ _id: 2 as never }, { $set: { actor: 'someone-else' } });
    const html = await (await admin.post('/admin/verify', { _csrf: csrf }, { 'hx-request': 'true' })).text();
    expect(html).toContain('Chuỗi nhật ký bị hỏng');
    expect(html).toContain('Mắt xích hỏng đầu tiên: số 2.');
  });
});
