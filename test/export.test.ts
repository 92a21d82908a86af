import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { analystOfTaiChinh, officerOfCongAn } from './kit/personas.js';
import { withPublishedSource } from './kit/stories.js';
import { peopleRows } from './sample-rows.js';

// A few notes a spreadsheet would run as formulas, as a source may hold them.
const FORMULAS = ['=HYPERLINK("http://x.invalid","bấm")', '+1+1', '@SUM(A1)', '-2+3'];
const people = withPublishedSource(
  peopleRows(2500).map((row, i) => (i < FORMULAS.length ? { ...row, note: FORMULAS[i]! } : row)),
  'RESTRICTED',
  // Pages of 1,000 rows, so the 2,500 rows take three source pages.
  { title: 'Dân cư thử nghiệm', gateway: { env: { EXPORT_PAGE_ROWS: '1000' } } },
);
const rows = people.rows;
const owner = people.as(officerOfCongAn);

const get = (path: string, token: string | null = owner.token) => fetch(`${people.gw.base}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

describe('streaming export', () => {
  it('streams every row as NDJSON across several source pages', async () => {
    const response = await get('/export/cong-an.people.ndjson');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = (await response.text()).trim().split('\n').map((l) => JSON.parse(l) as { citizenId: string });
    expect(lines).toHaveLength(rows.length);
    expect(lines.map((l) => l.citizenId)).toEqual(rows.map((r) => r.citizenId).sort());
    expect(lines[0]).toEqual(rows.find((r) => r.citizenId === lines[0]!.citizenId));
  });

  it('applies the filter and fields, as CSV with a header', async () => {
    const where = encodeURIComponent(JSON.stringify({ district: { eq: 'Quận 1' } }));
    const response = await get(`/export/cong-an.people.csv?where=${where}&select=citizenId,fullName,birthYear`);
    expect(response.status).toBe(200);
    const table = parse(await response.text(), { columns: true }) as Record<string, string>[];
    const expected = rows.filter((r) => r.district === 'Quận 1');
    expect(table).toHaveLength(expected.length);
    expect(Object.keys(table[0]!)).toEqual(['citizenId', 'fullName', 'birthYear']);
    expect(new Set(table.map((t) => t['fullName']))).toEqual(new Set(expected.map((r) => r.fullName)));
  });

  it('answers HEAD with 405 and reads nothing', async () => {
    const reads = await people.gw.auditLog.events.countDocuments({ action: 'data.read' });
    const response = await fetch(`${people.gw.base}/export/cong-an.people.ndjson`, { method: 'HEAD', headers: { authorization: `Bearer ${owner.token}` } });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET');
    expect(await people.gw.auditLog.events.countDocuments({ action: 'data.read' })).toBe(reads);
  });

  it('writes CSV cells that start like a formula as text, and negative numbers as numbers', async () => {
    const response = await get('/export/cong-an.people.csv?select=citizenId,note,income');
    const table = parse(await response.text(), { columns: true }) as Record<string, string>[];
    const notes = table.map((t) => t['note']).filter((n) => n && FORMULAS.some((f) => n.endsWith(f)));
    expect(notes.sort()).toEqual(FORMULAS.map((f) => `'${f}`).sort());
    expect(table.some((t) => t['income']!.startsWith("'"))).toBe(false);
  });

  it('refuses before streaming, with the API code and status', async () => {
    const expectError = async (response: Response, status: number, code: string) => {
      expect(response.status).toBe(status);
      const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
      expect(body.errors[0]!.extensions.code).toBe(code);
    };
    await expectError(await get('/export/cong-an.people.ndjson', null), 401, 'UNAUTHENTICATED');
    await expectError(await get('/export/cong-an.people.ndjson', people.as(analystOfTaiChinh).token), 403, 'FORBIDDEN');
    await expectError(await get('/export/cong-an.nothing.csv'), 404, 'NOT_FOUND');
    await expectError(await get('/export/cong-an.people.xlsx'), 400, 'BAD_USER_INPUT');
    await expectError(await get(`/export/cong-an.people.ndjson?where=${encodeURIComponent('{"$where":"1"}')}`), 400, 'BAD_USER_INPUT');
    await expectError(await get('/export/cong-an.people.ndjson?where={oops'), 400, 'BAD_USER_INPUT');
  });
});
