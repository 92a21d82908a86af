import type { Router } from 'express';
import { may } from '../../server/auth/permissions.js';
import { MASK_STRATEGIES, type MaskStrategy } from '../../server/catalogue/record-schema.js';
import type { Dataset } from '../../server/catalogue/dataset.js';
import { badInput, notFound } from '../../server/errors.js';
import type { AccessRequest, ApprovalInput } from '../../server/governance/access-service.js';
import { auditEventsFor } from '../../server/governance/audit-access.js';
import type { AuditEvent } from '../../server/audit/audit-log.js';
import { defaultMask } from '../../server/governance/masks.js';
import { html, type Html } from '../html.js';
import type { MessageKey } from '../i18n/index.js';
import { filterRows, OPERATORS, rowFilterFromForm, type FilterRow } from '../row-filter.js';
import { errorBox, faultsByField, fieldError, statusOf } from '../views/errors.js';
import { endOfDay, isoDay, maskLabel } from '../views/format.js';
import { DAY_MS, grantsTable, isLive, requestsTable } from '../views/governance.js';
import { alertBox, departmentName, shell } from '../views/layout.js';
import { field, fieldList, query, type ConsoleDeps, type PageContext, type SignedInContext } from '../web.js';
import type { Pages } from './pages.js';

const CHART_DAYS = 14;

/** The steward's inbox (approve with narrowing, or reject), the department's grants with revoke, and the audit with its chart. */
export function stewardPages(router: Router, page: Pages, deps: ConsoleDeps) {
  const decidable = (ctx: SignedInContext, r: AccessRequest) =>
    may.stewardFor(ctx.principal, r.datasetDepartment) && !(r.requesterId === ctx.principal.id && r.requesterDepartment === ctx.principal.department);

  router.get(
    '/steward/inbox',
    page.signedIn(async (ctx) => {
      const { i } = ctx;
      const list = await deps.access.listRequests(ctx.principal, { status: 'PENDING', first: 200 });
      const pending = list.edges.map((e) => e.node).filter((r) => decidable(ctx, r));
      const decided = query(ctx.req, 'decided');
      const body = html`${decided ? alertBox('ok', i.t(decided === 'rejected' ? 'inbox.rejected' : 'inbox.approved')) : ''}
        <p class="hint">${i.t('inbox.hint')}</p>
        ${pending.length ? await requestsTable(ctx, pending, (r) => html`<a class="button" href="/steward/requests/${encodeURIComponent(r._id)}">${i.t('inbox.decide')}</a>`) : alertBox('info', i.t('inbox.empty'))}`;
      return shell(ctx, i.t('nav.inbox'), body, 'inbox');
    }),
  );

  async function pendingRequest(ctx: SignedInContext): Promise<{ request: AccessRequest; dataset: Dataset }> {
    const id = String(ctx.req.params['id']);
    const request = await deps.access.requests.findOne({ _id: id });
    if (!request || !decidable(ctx, request)) throw notFound(`Request ${id} not found.`);
    const dataset = await deps.catalogue.get(ctx.principal, request.datasetId);
    if (!dataset) throw notFound(`Dataset ${request.datasetId} not found.`);
    return { request, dataset };
  }

  interface DecisionValues {
    fields: string[];
    masks: Record<string, string>;
    keep: Record<string, { start: string; end: string }>;
    rows: FilterRow[];
    rowFilterJson: string;
    until: string;
    maxRows: string;
    note: string;
    reason: string;
  }

  function defaults(request: AccessRequest, dataset: Dataset): DecisionValues {
    const byName = new Map(dataset.fields.map((f) => [f.name, f]));
    const masks: Record<string, string> = {};
    const keep: Record<string, { start: string; end: string }> = {};
    for (const name of request.fields) {
      const f = byName.get(name);
      masks[name] = f?.pii ? defaultMask(f).strategy : '';
      keep[name] = { start: String(f?.mask?.keepStart ?? 3), end: String(f?.mask?.keepEnd ?? 3) };
    }
    return { fields: [...request.fields], masks, keep, rows: [], rowFilterJson: '', until: isoDay(request.until), maxRows: '', note: '', reason: '' };
  }

  function filterRowControls(ctx: PageContext, fields: string[], row: FilterRow | null, index: number): Html {
    const { i } = ctx;
    const id = `f${index}`;
    return html`<div class="row-filter" role="group" aria-label="${i.t('approve.condition', { n: index + 1 })}">
      <div><label for="${id}-field">${i.t('dataset.field')}</label><select id="${id}-field" name="filterField"><option value="">${i.t('approve.noCondition')}</option>${fields.map((f) => html`<option value="${f}"${row?.field === f ? html` selected` : ''}>${f}</option>`)}</select></div>
      <div><label for="${id}-op">${i.t('approve.operator')}</label><select id="${id}-op" name="filterOp">${OPERATORS.map((o) => html`<option value="${o}"${(row?.op ?? 'eq') === o ? html` selected` : ''}>${i.t(`op.${o}`)}</option>`)}</select></div>
      <div><label for="${id}-value">${i.t('approve.value')}</label><input id="${id}-value" name="filterValue" type="text" value="${row?.value ?? ''}"></div>
    </div>`;
  }

  async function decisionPage(ctx: SignedInContext, request: AccessRequest, dataset: Dataset, values: DecisionValues, error?: unknown, rejecting = false): Promise<Html> {
    const { i } = ctx;
    const faults = faultsByField(error);
    const e = (name: string) => fieldError(faults, name, ctx);
    const byName = new Map(dataset.fields.map((f) => [f.name, f]));
    const csrf = html`<input type="hidden" name="_csrf" value="${ctx.session.csrf}">`;
    const filterFields = dataset.fields.map((f) => f.name);
    const rows = [...values.rows, ...Array.from({ length: Math.max(2, 3 - values.rows.length) }, () => null)];
    const approve = html`<form method="post" action="/steward/requests/${encodeURIComponent(request._id)}/approve" novalidate aria-labelledby="approve-h">${csrf}
      <h2 id="approve-h">${i.t('approve.title')}</h2>
      ${!rejecting && error ? errorBox(ctx, error).box : ''}
      <fieldset${e('fields').attrs}><legend>${i.t('approve.fields')}</legend><p class="hint">${i.t('approve.fieldsHint')}</p>
        <div class="table-wrap"><table><thead><tr><th scope="col">${i.t('approve.grant')}</th><th scope="col">${i.t('dataset.field')}</th><th scope="col">${i.t('dataset.pii')}</th><th scope="col">${i.t('approve.mask')}</th><th scope="col">${i.t('approve.keep')}</th></tr></thead><tbody>
        ${request.fields.map((name) => {
          const f = byName.get(name);
          const keep = values.keep[name] ?? { start: '3', end: '3' };
          return html`<tr><td><input type="checkbox" id="grant-${name}" name="fields" value="${name}"${values.fields.includes(name) ? html` checked` : ''}></td>
            <td><label class="inline" for="grant-${name}"><code>${name}</code> ${f?.title ?? ''}</label></td>
            <td>${f?.pii ? html`<span class="pill pii">${i.t('dataset.piiYes')}</span> <span class="muted">${maskLabel(ctx, defaultMask(f))}</span>` : i.t('common.no')}</td>
            <td><label class="sr-only" for="mask-${name}">${i.t('approve.maskFor', { field: name })}</label><select id="mask-${name}" name="mask_${name}"><option value="">${i.t('approve.noMask')}</option>${MASK_STRATEGIES.map((s) => html`<option value="${s}"${values.masks[name] === s ? html` selected` : ''}>${i.t(`mask.${s}`)}</option>`)}</select></td>
            <td><label class="inline">${i.t('approve.keepStart')} <input type="number" min="0" max="16" name="keepStart_${name}" value="${keep.start}"></label><label class="inline">${i.t('approve.keepEnd')} <input type="number" min="0" max="16" name="keepEnd_${name}" value="${keep.end}"></label></td></tr>`;
        })}</tbody></table></div>${e('fields').message}${e('masks').message}</fieldset>
      <fieldset${e('rowFilter').attrs}><legend>${i.t('approve.rowFilter')}</legend><p class="hint">${i.t('approve.rowFilterHint')}</p>
        <div id="filter-rows">${rows.map((r, n) => filterRowControls(ctx, filterFields, r, n))}</div>
        <template id="filter-row-template">${filterRowControls(ctx, filterFields, null, rows.length)}</template>
        <button type="button" class="secondary" data-add-row="filter-rows" data-template="filter-row-template">${i.t('approve.addCondition')}</button>
        <details${values.rowFilterJson ? html` open` : ''}><summary>${i.t('approve.rowFilterJson')}</summary><label for="rowFilterJson">${i.t('approve.rowFilterJsonLabel')}</label><textarea id="rowFilterJson" name="rowFilterJson">${values.rowFilterJson}</textarea></details>
        ${e('rowFilter').message}</fieldset>
      <label for="until">${i.t('approve.until')}</label><input id="until" name="until" type="date" value="${values.until}" max="${isoDay(request.until)}" aria-describedby="until-hint"${e('until').attrs}>
      <p class="hint" id="until-hint">${i.t('approve.untilHint', { date: i.date(request.until) })}</p>${e('until').message}
      <label for="maxRows">${i.t('approve.maxRows')}</label><input id="maxRows" name="maxRows" type="number" min="1" value="${values.maxRows}" aria-describedby="maxRows-hint"${e('maxRows').attrs}>
      <p class="hint" id="maxRows-hint">${i.t('approve.maxRowsHint')}</p>${e('maxRows').message}
      <label for="note">${i.t('approve.note')}</label><textarea class="prose" id="note" name="note">${values.note}</textarea>
      <div class="actions"><button type="submit">${i.t('approve.submit')}</button></div></form>`;
    const reject = html`<form method="post" action="/steward/requests/${encodeURIComponent(request._id)}/reject" novalidate aria-labelledby="reject-h" class="card">${csrf}
      <h2 id="reject-h">${i.t('reject.title')}</h2>${rejecting && error ? errorBox(ctx, error).box : ''}
      <label for="reason">${i.t('reject.reason')}</label><textarea class="prose" id="reason" name="reason" required${e('reason').attrs}>${values.reason}</textarea>${e('reason').message}
      <div class="actions"><button class="danger" type="submit">${i.t('reject.submit')}</button></div></form>`;
    const body = html`<section class="card"><dl class="meta">
        <dt>${i.t('common.dataset')}</dt><dd><a href="/datasets/${encodeURIComponent(dataset.id)}">${dataset.title}</a> <code>${dataset.id}</code></dd>
        <dt>${i.t('request.requester')}</dt><dd>${request.requesterId} · ${await departmentName(ctx, request.requesterDepartment)}</dd>
        <dt>${i.t('request.fields')}</dt><dd>${request.fields.join(', ')}</dd>
        <dt>${i.t('request.purpose')}</dt><dd>${request.purpose}</dd>
        <dt>${i.t('request.justification')}</dt><dd>${request.justification ?? '—'}</dd>
        <dt>${i.t('request.until')}</dt><dd>${i.date(request.until)}</dd>
        <dt>${i.t('request.createdAt')}</dt><dd>${i.dateTime(request.createdAt)}</dd></dl></section>
      <section class="card">${approve}</section>${reject}`;
    return shell(ctx, i.t('inbox.decideTitle'), body, 'inbox');
  }

  router.get(
    '/steward/requests/:id',
    page.signedIn(async (ctx) => {
      const { request, dataset } = await pendingRequest(ctx);
      if (request.status !== 'PENDING') return shell(ctx, ctx.i.t('inbox.decideTitle'), alertBox('info', ctx.i.t('inbox.alreadyDecided'), [html`<a href="/steward/inbox">${ctx.i.t('nav.inbox')}</a>`]), 'inbox');
      return decisionPage(ctx, request, dataset, defaults(request, dataset));
    }),
  );

  router.post(
    '/steward/requests/:id/approve',
    page.signedIn(async (ctx) => {
      const { request, dataset } = await pendingRequest(ctx);
      const req = ctx.req;
      const fields = fieldList(req, 'fields');
      const masks: Record<string, string> = {};
      const keep: Record<string, { start: string; end: string }> = {};
      for (const name of request.fields) {
        masks[name] = field(req, `mask_${name}`);
        keep[name] = { start: field(req, `keepStart_${name}`), end: field(req, `keepEnd_${name}`) };
      }
      const values: DecisionValues = {
        fields,
        masks,
        keep,
        rows: filterRows(fieldList(req, 'filterField'), fieldList(req, 'filterOp'), fieldList(req, 'filterValue')).filter((r) => r.field),
        rowFilterJson: field(req, 'rowFilterJson'),
        until: field(req, 'until'),
        maxRows: field(req, 'maxRows'),
        note: field(req, 'note'),
        reason: '',
      };
      try {
        if (fields.length === 0) throw badInput('Grant at least one field.', [{ path: 'input.fields', message: ctx.i.t('approve.atLeastOne') }]);
        const until = values.until ? endOfDay(values.until) : null;
        if (values.until && !until) throw badInput('Invalid date.', [{ path: 'input.until', message: ctx.i.t('form.date') }]);
        const maxRows = values.maxRows.trim() ? Number(values.maxRows) : null;
        const rowFilter = rowFilterFromForm(values.rows, values.rowFilterJson, dataset.fields);
        const chosenMasks = fields.flatMap((name): NonNullable<ApprovalInput['masks']> => {
          const strategy = masks[name];
          // "No mask" on personal data must be said (CLEAR): otherwise the declared mask applies.
          if (!strategy) return dataset.fields.some((f) => f.name === name && f.pii) ? [{ field: name, strategy: 'CLEAR' as const }] : [];
          if (!(MASK_STRATEGIES as readonly string[]).includes(strategy)) return [];
          const k = keep[name];
          return [{ field: name, strategy: strategy as MaskStrategy, ...(strategy === 'PARTIAL' ? { keepStart: Number(k?.start || 0), keepEnd: Number(k?.end || 0) } : {}) }];
        });
        // An earlier end that is the requested day itself is no narrowing: the request's own time stands.
        const earlier = until && isoDay(until) !== isoDay(request.until) ? until : null;
        await deps.access.approve(ctx.principal, request._id, { fields, masks: chosenMasks, rowFilter, until: earlier, maxRows, note: values.note || null });
        return { redirect: '/steward/inbox?decided=approved' };
      } catch (error) {
        return { status: statusOf(error), body: await decisionPage(ctx, request, dataset, values, error) };
      }
    }),
  );

  router.post(
    '/steward/requests/:id/reject',
    page.signedIn(async (ctx) => {
      const { request, dataset } = await pendingRequest(ctx);
      const reason = field(ctx.req, 'reason');
      try {
        if (!reason.trim()) throw badInput('A reason is required.', [{ path: 'reason', message: ctx.i.t('form.required') }]);
        await deps.access.reject(ctx.principal, request._id, reason);
        return { redirect: '/steward/inbox?decided=rejected' };
      } catch (error) {
        return { status: statusOf(error), body: await decisionPage(ctx, request, dataset, { ...defaults(request, dataset), reason }, error, true) };
      }
    }),
  );

  router.get(
    '/steward/grants',
    page.signedIn(async (ctx) => {
      const { i, principal: p } = ctx;
      const ending = query(ctx.req, 'ending') === '7';
      const list = await deps.access.listGrants(p, { active: true, first: 500 });
      let grants = list.edges.map((e) => e.node).filter((g) => may.administer(p) || g.datasetDepartment === p.department);
      if (ending) grants = grants.filter((g) => g.until.getTime() - Date.now() <= 7 * DAY_MS);
      const revoked = query(ctx.req, 'revoked');
      const body = html`${revoked ? alertBox('ok', i.t('grant.revokedOk')) : ''}
        <nav class="actions" aria-label="${i.t('grant.filter')}"><a href="/steward/grants"${!ending ? html` aria-current="page"` : ''}>${i.t('grant.all')}</a> <a href="/steward/grants?ending=7"${ending ? html` aria-current="page"` : ''}>${i.t('grant.ending7')}</a></nav>
        ${grants.length
          ? await grantsTable(ctx, grants, (g) =>
              isLive(g)
                ? html`<form method="post" action="/steward/grants/${encodeURIComponent(g._id)}/revoke"><input type="hidden" name="_csrf" value="${ctx.session.csrf}">
                  <label for="reason-${g._id}">${i.t('grant.revokeReason')}</label><input id="reason-${g._id}" name="reason" type="text" required>
                  <button class="danger" type="submit">${i.t('grant.revoke')}</button></form>`
                : html``,
            )
          : alertBox('info', i.t('grant.noneDept'))}`;
      return shell(ctx, i.t('nav.stewardGrants'), body, 'steward-grants');
    }),
  );

  router.post(
    '/steward/grants/:id/revoke',
    page.signedIn(async (ctx) => {
      const reason = field(ctx.req, 'reason');
      if (!reason.trim()) throw badInput('A reason is required.', [{ path: 'reason', message: ctx.i.t('form.required') }]);
      await deps.access.revoke(ctx.principal, String(ctx.req.params['id']), reason);
      return { redirect: '/steward/grants?revoked=1' };
    }),
  );

  router.get(
    '/audit',
    page.signedIn(async (ctx) => {
      const { i } = ctx;
      const datasetId = query(ctx.req, 'dataset');
      const actor = query(ctx.req, 'actor');
      const action = query(ctx.req, 'action');
      const page = await auditEventsFor(ctx.principal, { datasetId: datasetId || null, actor: actor || null, first: 1000 }, deps.auditLog, deps.catalogue);
      const events = action ? page.edges.map((e) => e.node).filter((e) => e.action === action) : page.edges.map((e) => e.node);
      const shown = events.slice(0, 200);
      const rows = [];
      for (const e of shown) {
        rows.push(html`<tr><td>${i.dateTime(e.at)}</td><td>${e.actor}</td><td>${await departmentName(ctx, e.actorDepartment)}</td><td>${actionLabel(ctx, e.action)}</td>
          <td>${e.datasetId ? html`<code>${e.datasetId}</code>` : '—'}</td><td>${e.purpose ?? '—'}</td><td>${e.fields?.join(', ') ?? '—'}</td><td>${e.rowCount !== undefined ? i.number(e.rowCount) : '—'}</td><td><code>${e._id}</code></td></tr>`);
      }
      const actions = ['data.read', 'access.request', 'access.approve', 'access.reject', 'access.withdraw', 'access.revoke', 'dataset.register', 'dataset.update', 'dataset.publish', 'dataset.deprecate'];
      const body = html`<form method="get" action="/audit" class="card" aria-label="${i.t('audit.filters')}">
          <div class="row-filter">
            <div><label for="a-dataset">${i.t('common.dataset')}</label><input id="a-dataset" name="dataset" type="text" value="${datasetId}"></div>
            <div><label for="a-actor">${i.t('audit.actor')}</label><input id="a-actor" name="actor" type="text" value="${actor}"></div>
            <div><label for="a-action">${i.t('audit.action')}</label><select id="a-action" name="action"><option value="">${i.t('audit.anyAction')}</option>${actions.map((a) => html`<option value="${a}"${a === action ? html` selected` : ''}>${actionLabel(ctx, a)}</option>`)}</select></div>
            <div><button type="submit">${i.t('audit.apply')}</button></div>
          </div></form>
        <section aria-labelledby="chart-h"><h2 id="chart-h">${i.t('audit.chart')}</h2>${readsChart(ctx, page.edges.map((e) => e.node))}</section>
        <h2>${i.t('audit.events')}</h2>
        ${shown.length
          ? html`<div class="table-wrap"><table id="audit-table"><thead><tr><th scope="col">${i.t('audit.at')}</th><th scope="col">${i.t('audit.actor')}</th><th scope="col">${i.t('common.department')}</th><th scope="col">${i.t('audit.action')}</th><th scope="col">${i.t('common.dataset')}</th><th scope="col">${i.t('request.purpose')}</th><th scope="col">${i.t('request.fields')}</th><th scope="col">${i.t('audit.rows')}</th><th scope="col">${i.t('audit.seq')}</th></tr></thead><tbody>${rows}</tbody></table></div>`
          : alertBox('info', i.t('audit.none'))}`;
      return shell(ctx, i.t('nav.audit'), body, 'audit');
    }),
  );
}

export function actionLabel(ctx: PageContext, action: string): string {
  const key = `action.${action}` as MessageKey;
  return ctx.i.has(key) ? ctx.i.t(key) : action;
}

/** Reads per day (Vietnam time) per dataset over the last days, as stacked bars drawn on the server. */
function readsChart(ctx: PageContext, events: AuditEvent[]): Html {
  const { i } = ctx;
  const days = Array.from({ length: CHART_DAYS }, (_, n) => isoDay(new Date(Date.now() - (CHART_DAYS - 1 - n) * DAY_MS)));
  const reads = events.filter((e) => e.action === 'data.read' && e.datasetId);
  const datasets = [...new Set(reads.map((e) => e.datasetId!))].slice(0, 5);
  if (reads.length === 0) return html`<p class="muted">${i.t('audit.noReads')}</p>`;
  const counts = new Map<string, number>();
  for (const e of reads) {
    const key = `${isoDay(e.at)}|${e.datasetId}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const totals = days.map((d) => datasets.reduce((sum, ds) => sum + (counts.get(`${d}|${ds}`) ?? 0), 0));
  const max = Math.max(1, ...totals);
  const width = 720;
  const height = 170;
  const barWidth = (width - 40) / days.length;
  const bars = days.map((d, n) => {
    let y = height - 30;
    return datasets.map((ds, k) => {
      const count = counts.get(`${d}|${ds}`) ?? 0;
      if (!count) return html``;
      const h = (count / max) * (height - 50);
      y -= h;
      return html`<rect class="fill-${k + 1}" x="${40 + n * barWidth + 4}" y="${y}" width="${barWidth - 8}" height="${h}"><title>${d} · ${ds}: ${count}</title></rect>`;
    });
  });
  const labels = days.map((d, n) => html`<text x="${40 + n * barWidth + barWidth / 2}" y="${height - 12}" text-anchor="middle">${d.slice(5)}</text>`);
  return html`<div class="chart"><svg viewBox="0 0 ${width} ${height}" role="img" aria-label="${i.t('audit.chartLabel', { days: CHART_DAYS })}">
      <line class="axis" x1="40" y1="${height - 30}" x2="${width}" y2="${height - 30}"/><text x="34" y="24" text-anchor="end">${i.number(max)}</text><text x="34" y="${height - 30}" text-anchor="end">0</text>
      ${bars}${labels}</svg>
    <ul class="legend">${datasets.map((ds, k) => html`<li><span class="swatch swatch-${k + 1}"></span><code>${ds}</code></li>`)}</ul></div>`;
}
