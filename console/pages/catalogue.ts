import type { Router } from 'express';
import { may } from '../../server/auth/permissions.js';
import type { Principal } from '../../server/auth/principal.js';
import { CLASSIFICATIONS, type Dataset } from '../../server/catalogue/dataset.js';
import { badInput, notFound } from '../../server/errors.js';
import { defaultMask } from '../../server/governance/masks.js';
import { html, type Html } from '../html.js';
import { errorBox, faultsByField, fieldError, statusOf } from '../views/errors.js';
import { cell, classificationPill, descriptionOf, endOfDay, isoDay, maskLabel, statusPill, titleOf } from '../views/format.js';
import { alertBox, departmentName, shell } from '../views/layout.js';
import { field, fieldList, query, queryList, type ConsoleDeps, type PageContext, type SignedInContext } from '../web.js';
import type { Pages } from './pages.js';

const PAGE_SIZE = 20;
const PREVIEW_ROWS = 10;

/** Whether the caller could ask for a grant on this dataset (an analyst of another department, on a guarded dataset). */
export const mayRequest = (p: Principal, d: Dataset) => may.requestAccess(p) && d.department !== p.department && d.classification !== 'PUBLIC' && d.status === 'PUBLISHED';

/** Catalogue search, the dataset page with "my access" and a preview, and the request-access form. */
export function cataloguePages(router: Router, page: Pages, deps: ConsoleDeps) {
  router.get(
    '/',
    page.signedIn(async (ctx) => {
      const { i } = ctx;
      const q = query(ctx.req, 'q');
      const results = await searchResults(ctx, q);
      if (ctx.partial) return results;
      const body = html`<form id="search" role="search" method="get" action="/" hx-get="/" hx-target="#catalogue" hx-push-url="true" hx-trigger="submit, input changed delay:400ms from:#q">
        <label for="q">${i.t('catalogue.searchLabel')}</label>
        <div class="actions"><input id="q" name="q" type="search" value="${q}" placeholder="${i.t('catalogue.placeholder')}" aria-describedby="q-hint"><button type="submit">${i.t('catalogue.search')}</button></div>
        <p class="hint" id="q-hint">${i.t('catalogue.hint')}</p>
      </form>
      <div id="catalogue" aria-live="polite">${results}</div>`;
      return shell(ctx, i.t('catalogue.title'), body, 'catalogue');
    }),
  );

  async function searchResults(ctx: SignedInContext, q: string): Promise<Html> {
    const { i } = ctx;
    const departments = queryList(ctx.req, 'department');
    const themes = queryList(ctx.req, 'theme');
    const classifications = queryList(ctx.req, 'classification').filter((c): c is (typeof CLASSIFICATIONS)[number] => (CLASSIFICATIONS as readonly string[]).includes(c));
    const after = query(ctx.req, 'after');
    const result = await deps.catalogue.search(ctx.principal, {
      search: q || null,
      filter: { departments: departments.length ? departments : null, themes: themes.length ? themes : null, classifications: classifications.length ? classifications : null },
      first: PAGE_SIZE,
      after: after || null,
    });
    const names = new Map((await deps.catalogue.listDepartments()).map((d) => [d.code, i.lang === 'en' && d.nameEn ? d.nameEn : d.name]));
    const facet = (name: string, legend: string, counts: { value: string; count: number }[], chosen: string[], label: (v: string) => string) =>
      html`<fieldset class="facet"><legend>${legend}</legend><ul>${counts.map(
        (c) => html`<li><label class="inline"><input type="checkbox" form="search" name="${name}" value="${c.value}"${chosen.includes(c.value) ? html` checked` : ''}> ${label(c.value)} <span class="muted">(${i.number(c.count)})</span></label></li>`,
      )}</ul></fieldset>`;
    const next = new URLSearchParams();
    if (q) next.set('q', q);
    departments.forEach((d) => next.append('department', d));
    themes.forEach((t) => next.append('theme', t));
    classifications.forEach((c) => next.append('classification', c));
    if (result.pageInfo.endCursor) next.set('after', result.pageInfo.endCursor);
    const items = result.edges.map(
      ({ node: d }) => html`<li><h3><a href="/datasets/${encodeURIComponent(d.id)}">${titleOf(ctx, d)}</a></h3>
        <p class="muted">${names.get(d.department) ?? d.department} · ${classificationPill(ctx, d.classification)} ${d.status !== 'PUBLISHED' ? statusPill(ctx, d.status) : ''} · <code>${d.id}</code></p>
        <p>${truncate(descriptionOf(ctx, d), 240)}</p></li>`,
    );
    // Facet boxes belong to the search form (form="search"); a change anywhere in them searches again.
    return html`<div class="grid"><aside aria-label="${i.t('catalogue.facets')}" hx-get="/" hx-trigger="change" hx-include="#search" hx-target="#catalogue" hx-push-url="true">
        ${facet('department', i.t('common.department'), result.facets.departments, departments, (v) => names.get(v) ?? v)}
        ${facet('theme', i.t('catalogue.theme'), result.facets.themes, themes, (v) => v)}
        ${facet('classification', i.t('common.classification'), result.facets.classifications, classifications, (v) => i.t(`classification.${v}` as 'classification.PUBLIC'))}
      </aside><section aria-label="${i.t('catalogue.results')}">
        <p role="status">${i.t('catalogue.count', { count: i.number(result.totalCount) })}</p>
        ${items.length ? html`<ul class="results">${items}</ul>` : alertBox('info', i.t('catalogue.none'), [i.t('catalogue.noneNext')])}
        ${result.pageInfo.hasNextPage ? html`<p class="pager"><a class="button secondary" href="/?${next.toString()}">${i.t('common.nextPage')}</a></p>` : ''}
      </section></div>`;
  }

  async function loadDataset(ctx: SignedInContext): Promise<Dataset> {
    const id = String(ctx.req.params['id']);
    const dataset = await deps.catalogue.get(ctx.principal, id);
    if (!dataset) throw notFound(`Dataset ${id} not found.`);
    return dataset;
  }

  router.get(
    '/datasets/:id',
    page.signedIn(async (ctx) => {
      const { i } = ctx;
      const d = await loadDataset(ctx);
      const purpose = query(ctx.req, 'purpose');
      const access = await deps.records.accessFor(ctx.principal, d, purpose || null);
      const masked = new Set(access.maskedFields);
      const visible = new Set(access.visibleFields);
      const p = ctx.principal;
      const stateOf = (name: string) =>
        !visible.has(name) ? html`<span class="muted">${i.t('access.hidden')}</span>` : masked.has(name) ? html`<span class="masked">${i.t('access.masked')}: ${maskLabel(ctx, access.masks[name])}</span>` : html`${i.t('access.visible')}`;
      const fields = html`<div class="table-wrap"><table><caption class="muted">${i.t('dataset.fieldsCaption')}</caption><thead><tr>
          <th scope="col">${i.t('dataset.field')}</th><th scope="col">${i.t('dataset.fieldTitle')}</th><th scope="col">${i.t('dataset.type')}</th><th scope="col">${i.t('dataset.pii')}</th><th scope="col">${i.t('dataset.defaultMask')}</th><th scope="col">${i.t('access.mine')}</th></tr></thead>
        <tbody>${d.fields.map(
          (f) => html`<tr><td><code>${f.name}</code></td><td>${f.title ?? ''}</td><td>${f.type}${f.nullable ? html` <span class="muted">${i.t('dataset.nullable')}</span>` : ''}</td>
            <td>${f.pii ? html`<span class="pill pii">${i.t('dataset.piiYes')}</span>` : i.t('common.no')}</td><td>${f.pii ? maskLabel(ctx, defaultMask(f)) : '—'}</td><td>${stateOf(f.name)}</td></tr>`,
        )}</tbody></table></div>`;
      const links = d.links.length
        ? html`<ul>${d.links.map((l) => html`<li><code>${l.field}</code> → <a href="/datasets/${encodeURIComponent(l.dataset)}">${l.dataset}</a>.<code>${l.targetField}</code> (${l.as})</li>`)}</ul>`
        : html`<p class="muted">${i.t('dataset.noLinks')}</p>`;
      const health = d.health
        ? d.health.ok
          ? alertBox('ok', i.t('health.ok'), [i.t('health.checkedAt', { at: i.dateTime(d.health.checkedAt) })])
          : alertBox('warn', i.t('health.issues'), [...d.health.issues, i.t('health.checkedAt', { at: i.dateTime(d.health.checkedAt) })])
        : html`<p class="muted">${i.t('health.never')}</p>`;
      const grantPurpose = access.grant?.purpose ?? purpose;
      const accessCard = access.canRead
        ? html`${alertBox('ok', i.t('access.canRead'), [
            access.grant ? i.t('access.underGrant', { id: access.grant._id, until: i.date(access.grant.until) }) : d.department === p.department ? i.t('access.own') : i.t(`access.by.${d.classification}` as 'access.by.PUBLIC'),
            access.maskedFields.length ? i.t('access.maskedList', { fields: access.maskedFields.join(', ') }) : i.t('access.noneMasked'),
            access.hiddenFields.length ? i.t('access.hiddenList', { fields: access.hiddenFields.join(', ') }) : i.t('access.noneHidden'),
            ...(access.grant?.rowFilter ? [html`${i.t('access.rowFilter')} <code>${JSON.stringify(access.grant.rowFilter)}</code>`] : []),
            ...(access.grant?.maxRows ? [i.t('access.quota', { rows: i.number(access.grant.maxRows) })] : []),
          ])}`
        : alertBox('warn', i.t('access.cannotRead'), [
            mayRequest(p, d) ? i.t('access.cannotReadNext') : i.t('access.cannotReadAsk'),
            html`<details><summary>${i.t('error.details')}</summary><p>${access.reason ?? ''}</p></details>`,
          ]);
      const actions = html`<div class="actions">
        ${mayRequest(p, d) ? html`<a class="button" href="/datasets/${encodeURIComponent(d.id)}/request">${i.t('request.action')}</a>` : ''}
        ${may.publishFor(p, d.department) ? html`<a class="button secondary" href="/publish/${encodeURIComponent(d.id)}">${i.t('publish.edit')}</a>` : ''}
      </div>`;
      const preview = html`<section class="card" aria-labelledby="preview-h"><h2 id="preview-h">${i.t('preview.title')}</h2><p class="hint">${i.t('preview.hint')}</p>
        <form method="post" action="/datasets/${encodeURIComponent(d.id)}/preview" hx-post="/datasets/${encodeURIComponent(d.id)}/preview" hx-target="#preview" hx-swap="innerHTML">
          <input type="hidden" name="_csrf" value="${ctx.session.csrf}">
          <label for="purpose">${i.t('preview.purpose')}</label>
          <input id="purpose" name="purpose" type="text" value="${grantPurpose}" aria-describedby="purpose-hint">
          <p class="hint" id="purpose-hint">${i.t('preview.purposeHint')}</p>
          <div class="actions"><button type="submit">${i.t('preview.show')}</button><span class="htmx-indicator muted">${i.t('common.loading')}</span></div>
        </form><div id="preview" aria-live="polite"></div></section>`;
      const body = html`<p class="muted"><code>${d.id}</code> · ${classificationPill(ctx, d.classification)} ${statusPill(ctx, d.status)}</p>
        <p>${descriptionOf(ctx, d)}</p>
        ${actions}
        <section class="card" aria-labelledby="meta-h"><h2 id="meta-h">${i.t('dataset.about')}</h2><dl class="meta">
          <dt>${i.t('dataset.owner')}</dt><dd>${await departmentName(ctx, d.department)}</dd>
          <dt>${i.t('common.classification')}</dt><dd>${i.t(`classification.${d.classification}` as 'classification.PUBLIC')}</dd>
          <dt>${i.t('catalogue.theme')}</dt><dd>${d.themes.join(', ') || '—'}</dd>
          <dt>${i.t('dataset.keywords')}</dt><dd>${d.keywords.join(', ') || '—'}</dd>
          <dt>${i.t('dataset.frequency')}</dt><dd>${d.updateFrequency ?? '—'}</dd>
          <dt>${i.t('dataset.license')}</dt><dd>${d.license ?? '—'}</dd>
          <dt>${i.t('dataset.contact')}</dt><dd>${d.contact ?? '—'}</dd>
          <dt>${i.t('dataset.updatedAt')}</dt><dd>${i.dateTime(d.updatedAt)} (${i.t('dataset.version', { version: d.version })})</dd>
          ${d.deprecationReason ? html`<dt>${i.t('dataset.deprecated')}</dt><dd>${d.deprecationReason}</dd>` : ''}
        </dl></section>
        <section class="card" aria-labelledby="access-h"><h2 id="access-h">${i.t('access.mine')}</h2>${accessCard}</section>
        <section aria-labelledby="fields-h"><h2 id="fields-h">${i.t('dataset.fields')}</h2>${fields}</section>
        <section aria-labelledby="links-h"><h2 id="links-h">${i.t('dataset.links')}</h2>${links}</section>
        <section aria-labelledby="health-h"><h2 id="health-h">${i.t('health.title')}</h2>${health}</section>
        ${preview}`;
      return shell(ctx, titleOf(ctx, d), body, 'catalogue');
    }),
  );

  router.post(
    '/datasets/:id/preview',
    page.signedIn(async (ctx) => {
      const id = String(ctx.req.params['id']);
      const purpose = field(ctx.req, 'purpose').trim();
      let body: Html;
      try {
        const result = await deps.records.records(ctx.principal, { dataset: id, first: PREVIEW_ROWS, ...(purpose ? { purpose } : {}) }, ctx.signal);
        body = previewTable(ctx, result.fields, result.edges.map((e) => e.node), new Set(result.maskedFields));
      } catch (error) {
        body = errorBox(ctx, error).box;
      }
      if (ctx.partial) return body;
      return shell(ctx, ctx.i.t('preview.title'), html`${body}<p><a href="/datasets/${encodeURIComponent(id)}">${ctx.i.t('common.back')}</a></p>`, 'catalogue');
    }),
  );

  function previewTable(ctx: PageContext, fields: string[], rows: Record<string, unknown>[], masked: Set<string>): Html {
    const { i } = ctx;
    if (rows.length === 0) return alertBox('info', i.t('preview.empty'));
    return html`<p role="status">${i.t('preview.count', { count: i.number(rows.length) })}${masked.size ? ` ${i.t('access.maskedList', { fields: [...masked].join(', ') })}` : ''}</p>
      <div class="table-wrap"><table id="preview-table"><thead><tr>${fields.map((f) => html`<th scope="col">${f}${masked.has(f) ? html` <span class="masked">(${i.t('access.masked')})</span>` : ''}</th>`)}</tr></thead>
      <tbody>${rows.map((r) => html`<tr>${fields.map((f) => (masked.has(f) ? html`<td class="masked">${r[f] === null || r[f] === undefined ? i.t('preview.redacted') : cell(r[f])}</td>` : html`<td>${cell(r[f])}</td>`))}</tr>`)}</tbody></table></div>`;
  }

  async function requestForm(ctx: SignedInContext, d: Dataset, values: { fields: string[]; purpose: string; justification: string; until: string }, error?: unknown): Promise<Html> {
    const { i } = ctx;
    const faults = faultsByField(error);
    const e = (name: string) => fieldError(faults, name, ctx);
    const maxDays = ctx.deps.config.governance.maxAccessDays;
    const body = html`${error ? errorBox(ctx, error).box : ''}
      <p>${i.t('request.intro', { dataset: titleOf(ctx, d) })}</p>
      <form method="post" action="/datasets/${encodeURIComponent(d.id)}/request" novalidate>
        <input type="hidden" name="_csrf" value="${ctx.session.csrf}">
        <fieldset${e('fields').attrs}><legend>${i.t('request.fields')}</legend><p class="hint">${i.t('request.fieldsHint')}</p>
          ${d.fields.map((f) => html`<label class="inline"><input type="checkbox" name="fields" value="${f.name}"${values.fields.includes(f.name) ? html` checked` : ''}> <code>${f.name}</code> ${f.title ?? ''} ${f.pii ? html`<span class="pill pii">${i.t('dataset.piiYes')}</span>` : ''}</label>`)}
          ${e('fields').message}</fieldset>
        <label for="purpose">${i.t('request.purpose')}</label>
        <textarea class="prose" id="purpose" name="purpose" required aria-describedby="purpose-hint"${e('purpose').attrs}>${values.purpose}</textarea>
        <p class="hint" id="purpose-hint">${i.t('request.purposeHint')}</p>${e('purpose').message}
        <label for="justification">${i.t('request.justification')}</label>
        <textarea class="prose" id="justification" name="justification"${e('justification').attrs}>${values.justification}</textarea>${e('justification').message}
        <label for="until">${i.t('request.until')}</label>
        <input id="until" name="until" type="date" value="${values.until}" min="${isoDay(new Date())}" max="${isoDay(new Date(Date.now() + maxDays * 86_400_000))}" aria-describedby="until-hint"${e('until').attrs}>
        <p class="hint" id="until-hint">${i.t('request.untilHint', { days: maxDays })}</p>${e('until').message}
        <div class="actions"><button type="submit">${i.t('request.submit')}</button><a href="/datasets/${encodeURIComponent(d.id)}">${i.t('common.cancel')}</a></div>
      </form>`;
    return shell(ctx, i.t('request.title'), body, 'catalogue');
  }

  router.get(
    '/datasets/:id/request',
    page.signedIn(async (ctx) => {
      const d = await loadDataset(ctx);
      return requestForm(ctx, d, { fields: [], purpose: '', justification: '', until: isoDay(new Date(Date.now() + 90 * 86_400_000)) });
    }),
  );

  router.post(
    '/datasets/:id/request',
    page.signedIn(async (ctx) => {
      const d = await loadDataset(ctx);
      const values = { fields: fieldList(ctx.req, 'fields'), purpose: field(ctx.req, 'purpose'), justification: field(ctx.req, 'justification'), until: field(ctx.req, 'until') };
      try {
        const until = endOfDay(values.until);
        if (!until) throw badInput('A date is required.', [{ path: 'input.until', message: ctx.i.t('form.date') }]);
        const request = await deps.access.requestAccess(ctx.principal, { datasetId: d.id, fields: values.fields, purpose: values.purpose, justification: values.justification || null, until });
        return { redirect: `/my/requests?created=${encodeURIComponent(request._id)}` };
      } catch (error) {
        return { status: statusOf(error), body: await requestForm(ctx, d, values, error) };
      }
    }),
  );
}


function truncate(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}
