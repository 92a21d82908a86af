import type { AccessRequest } from '../../server/governance/access-service.js';
import type { Grant } from '../../server/governance/policy.js';
import { html, type Html } from '../html.js';
import type { PageContext } from '../web.js';
import { maskLabel, statusPill } from './format.js';
import { departmentName } from './layout.js';

const datasetLink = (id: string) => html`<a href="/datasets/${encodeURIComponent(id)}"><code>${id}</code></a>`;

export const DAY_MS = 86_400_000;
export const isLive = (g: Grant) => g.active && !g.revokedAt && g.until.getTime() > Date.now();

export function grantState(ctx: PageContext, g: Grant): Html {
  const { i } = ctx;
  if (g.revokedAt) return html`<span class="pill REJECTED">${i.t('grant.revoked')}</span> <span class="muted">${i.dateTime(g.revokedAt)}${g.revokeReason ? ` — ${g.revokeReason}` : ''}</span>`;
  if (g.until.getTime() <= Date.now()) return html`<span class="pill WITHDRAWN">${i.t('grant.expired')}</span>`;
  const days = Math.ceil((g.until.getTime() - Date.now()) / DAY_MS);
  return html`<span class="pill APPROVED">${i.t('grant.active')}</span>${days <= 7 ? html` <span class="pill PENDING">${i.t('grant.endsInDays', { days })}</span>` : ''}`;
}

/** Requests as a table; `actions` adds a last column (withdraw, decide). */
export async function requestsTable(ctx: PageContext, requests: AccessRequest[], actions?: (r: AccessRequest) => Html): Promise<Html> {
  const { i } = ctx;
  const rows = [];
  for (const r of requests) {
    rows.push(html`<tr id="request-${r._id}"><td>${datasetLink(r.datasetId)}</td><td>${r.requesterId}<br><span class="muted">${await departmentName(ctx, r.requesterDepartment)}</span></td>
      <td>${r.fields.join(', ')}</td><td>${r.purpose}${r.justification ? html`<br><span class="muted">${r.justification}</span>` : ''}</td>
      <td>${i.date(r.until)}</td><td>${i.dateTime(r.createdAt)}</td><td>${statusPill(ctx, r.status)}${r.reason ? html`<br><span class="muted">${r.reason}</span>` : ''}</td>
      ${actions ? html`<td>${actions(r)}</td>` : ''}</tr>`);
  }
  return html`<div class="table-wrap"><table><thead><tr><th scope="col">${i.t('common.dataset')}</th><th scope="col">${i.t('request.requester')}</th><th scope="col">${i.t('request.fields')}</th>
    <th scope="col">${i.t('request.purpose')}</th><th scope="col">${i.t('request.until')}</th><th scope="col">${i.t('request.createdAt')}</th><th scope="col">${i.t('common.status')}</th>${actions ? html`<th scope="col">${i.t('common.action')}</th>` : ''}</tr></thead>
    <tbody>${rows}</tbody></table></div>`;
}

export async function grantsTable(ctx: PageContext, grants: Grant[], actions?: (g: Grant) => Html): Promise<Html> {
  const { i } = ctx;
  const rows = [];
  for (const g of grants) {
    rows.push(html`<tr id="grant-${g._id}"><td>${datasetLink(g.datasetId)}<br><span class="muted"><code>${g._id}</code></span></td><td>${g.granteeId}<br><span class="muted">${await departmentName(ctx, g.granteeDepartment)}</span></td>
      <td>${g.fields.join(', ')}</td><td>${g.masks.length ? g.masks.map((m) => `${m.field}: ${maskLabel(ctx, m)}`).join('; ') : '—'}</td>
      <td>${g.rowFilter ? html`<code>${JSON.stringify(g.rowFilter)}</code>` : '—'}</td><td>${g.purpose}</td>
      <td>${i.date(g.until)}</td><td>${g.maxRows ? i.number(g.maxRows) : '—'}</td><td>${grantState(ctx, g)}</td>${actions ? html`<td>${actions(g)}</td>` : ''}</tr>`);
  }
  return html`<div class="table-wrap"><table><thead><tr><th scope="col">${i.t('common.dataset')}</th><th scope="col">${i.t('grant.grantee')}</th><th scope="col">${i.t('request.fields')}</th>
    <th scope="col">${i.t('grant.masks')}</th><th scope="col">${i.t('grant.rowFilter')}</th><th scope="col">${i.t('request.purpose')}</th><th scope="col">${i.t('grant.until')}</th><th scope="col">${i.t('grant.maxRows')}</th><th scope="col">${i.t('common.status')}</th>${actions ? html`<th scope="col">${i.t('common.action')}</th>` : ''}</tr></thead>
    <tbody>${rows}</tbody></table></div>`;
}
