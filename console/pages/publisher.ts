import type { Router } from 'express';
import { may } from '../../server/auth/permissions.js';
import { CLASSIFICATIONS, UPDATE_FREQUENCIES, type Dataset, type DatasetInput } from '../../server/catalogue/dataset.js';
import { MASK_STRATEGIES } from '../../server/catalogue/record-schema.js';
import type { Config } from '../../server/config.js';
import { badInput, forbidden, notFound } from '../../server/errors.js';
import { html, type Html } from '../html.js';
import { commaList, FIELD_TYPES, linksOfRows, parseJsonField, rowsOfFields, schemaOfRows, type FieldRow } from '../schema-form.js';
import { errorBox, faultsByField, fieldError, statusOf } from '../views/errors.js';
import { classificationPill, statusPill, titleOf } from '../views/format.js';
import { alertBox, shell } from '../views/layout.js';
import { field, fieldList, query, type ConsoleDeps, type SignedInContext } from '../web.js';
import type { Pages } from './pages.js';

interface FormValues {
  slug: string;
  title: string;
  titleEn: string;
  description: string;
  descriptionEn: string;
  classification: string;
  themes: string;
  keywords: string;
  updateFrequency: string;
  license: string;
  contact: string;
  credential: string;
  connectorOptions: string;
  schemaSource: 'table' | 'json';
  rows: FieldRow[];
  schemaJson: string;
  links: { field: string; dataset: string; targetField: string; as: string }[];
}

/** Register and edit datasets (metadata, record schema, PII and masks, connector binding, links), publish, deprecate, check the source. */
export function publisherPages(router: Router, page: Pages, deps: ConsoleDeps, config: Config) {
  const assertPublisher = (ctx: SignedInContext) => {
    if (!may.registerDatasets(ctx.principal)) throw forbidden('Registering and editing datasets needs the publisher role.');
  };

  /** Credentials the department may bind, by name; their connections are never shown. */
  const credentialsFor = (department: string) => Object.values(config.sourceCredentials).filter((c) => c.departments.includes(department));

  router.get(
    '/publish',
    page.signedIn(async (ctx) => {
      assertPublisher(ctx);
      const { i, principal: p } = ctx;
      const result = await deps.catalogue.search(p, { filter: may.administer(p) ? {} : { departments: [p.department], statuses: ['DRAFT', 'PUBLISHED', 'DEPRECATED'] }, first: 200 });
      const done = query(ctx.req, 'done');
      const rows = result.edges.map(
        ({ node: d }) => html`<tr><td><a href="/publish/${encodeURIComponent(d.id)}">${titleOf(ctx, d)}</a><br><code>${d.id}</code></td><td>${statusPill(ctx, d.status)}</td><td>${classificationPill(ctx, d.classification)}</td>
          <td>${d.health ? (d.health.ok ? i.t('health.ok') : html`<span class="masked">${i.t('health.issues')}</span>`) : '—'}</td><td>${i.dateTime(d.updatedAt)}</td></tr>`,
      );
      const body = html`${i.has(`publish.done.${done}`) ? alertBox('ok', i.t(`publish.done.${done}` as 'publish.done.saved')) : ''}
        <div class="actions"><a class="button" href="/publish/new">${i.t('publish.new')}</a></div>
        ${rows.length ? html`<div class="table-wrap"><table><thead><tr><th scope="col">${i.t('common.dataset')}</th><th scope="col">${i.t('common.status')}</th><th scope="col">${i.t('common.classification')}</th><th scope="col">${i.t('health.title')}</th><th scope="col">${i.t('dataset.updatedAt')}</th></tr></thead><tbody>${rows}</tbody></table></div>` : alertBox('info', i.t('publish.none'))}`;
      return shell(ctx, i.t('nav.publish'), body, 'publish');
    }),
  );

  const emptyValues = (): FormValues => ({
    slug: '', title: '', titleEn: '', description: '', descriptionEn: '', classification: 'INTERNAL', themes: '', keywords: '', updateFrequency: 'monthly', license: '', contact: '',
    credential: '', connectorOptions: '{}', schemaSource: 'table', rows: [], schemaJson: '', links: [],
  });

  function valuesOf(d: Dataset): FormValues {
    const { credentials, ...options } = d.connector.options;
    return {
      slug: d.slug, title: d.title, titleEn: d.titleEn ?? '', description: d.description, descriptionEn: d.descriptionEn ?? '', classification: d.classification,
      themes: d.themes.join(', '), keywords: d.keywords.join(', '), updateFrequency: d.updateFrequency ?? '', license: d.license ?? '', contact: d.contact ?? '',
      credential: typeof credentials === 'string' ? credentials : '', connectorOptions: JSON.stringify(options, null, 2), schemaSource: 'table', rows: rowsOfFields(d.fields),
      schemaJson: JSON.stringify(d.recordSchema, null, 2), links: d.links,
    };
  }

  function valuesFromForm(ctx: SignedInContext): FormValues {
    const req = ctx.req;
    const names = fieldList(req, 'fieldName');
    const types = fieldList(req, 'fieldType');
    const titles = fieldList(req, 'fieldTitle');
    const masks = fieldList(req, 'fieldMask');
    // Checkboxes send the row's index, so an unticked box does not shift the others.
    const ticked = (name: string) => new Set(fieldList(req, name));
    const [required, nullable, pii] = [ticked('fieldRequired'), ticked('fieldNullable'), ticked('fieldPii')];
    const rows = names.map((name, n) => ({ name, type: types[n] ?? 'string', title: titles[n] ?? '', required: required.has(String(n)), nullable: nullable.has(String(n)), pii: pii.has(String(n)), mask: masks[n] ?? '' }));
    return {
      slug: field(req, 'slug'), title: field(req, 'title'), titleEn: field(req, 'titleEn'), description: field(req, 'description'), descriptionEn: field(req, 'descriptionEn'),
      classification: field(req, 'classification'), themes: field(req, 'themes'), keywords: field(req, 'keywords'), updateFrequency: field(req, 'updateFrequency'),
      license: field(req, 'license'), contact: field(req, 'contact'), credential: field(req, 'credential'), connectorOptions: field(req, 'connectorOptions'),
      schemaSource: field(req, 'schemaSource') === 'json' ? 'json' : 'table', rows: rows.filter((r) => r.name.trim()), schemaJson: field(req, 'schemaJson'),
      links: linksOfRows(fieldList(req, 'linkField'), fieldList(req, 'linkDataset'), fieldList(req, 'linkTarget'), fieldList(req, 'linkAs')),
    };
  }

  /** The catalogue input of a form; JSON that does not parse is a fault at its field. */
  function inputOf(v: FormValues, department: string): Omit<DatasetInput, 'slug'> {
    const credential = config.sourceCredentials[v.credential];
    const given = parseJsonField(v.connectorOptions || '{}', 'connector.options');
    if (typeof given !== 'object' || given === null || Array.isArray(given)) throw badInput('Connector options must be a JSON object.', [{ path: 'input.connector.options', message: 'must be a JSON object' }]);
    const options = { ...given, credentials: v.credential };
    const recordSchema = v.schemaSource === 'json' ? parseJsonField(v.schemaJson, 'recordSchema') : schemaOfRows(v.rows);
    const input: Record<string, unknown> = {
      title: v.title, description: v.description, classification: v.classification, themes: commaList(v.themes), keywords: commaList(v.keywords),
      recordSchema, connector: { type: credential?.departments.includes(department) ? credential.type : '', options }, links: v.links,
    };
    for (const key of ['titleEn', 'descriptionEn', 'license', 'contact', 'updateFrequency'] as const) if (v[key].trim()) input[key] = v[key].trim();
    return input as Omit<DatasetInput, 'slug'>;
  }

  async function formPage(ctx: SignedInContext, dataset: Dataset | null, v: FormValues, error?: unknown, notice?: Html): Promise<Html> {
    const { i } = ctx;
    const faults = faultsByField(error);
    const e = (name: string) => fieldError(faults, name, ctx);
    const department = dataset?.department ?? ctx.principal.department;
    const text = (name: keyof FormValues, label: string, hint?: string) => {
      const err = e(name);
      return html`<label for="${name}">${label}</label><input id="${name}" name="${name}" type="text" value="${String(v[name])}"${hint ? html` aria-describedby="${name}-hint"` : ''}${err.attrs}>${hint ? html`<p class="hint" id="${name}-hint">${hint}</p>` : ''}${err.message}`;
    };
    const fieldRow = (r: FieldRow, n: number) => html`<tr>
          <td><input type="text" name="fieldName" value="${r.name}" aria-label="${i.t('publish.fieldN', { n: n + 1 })}"></td>
          <td><select name="fieldType" aria-label="${i.t('publish.typeN', { n: n + 1 })}">${FIELD_TYPES.map((t) => html`<option value="${t}"${t === r.type ? html` selected` : ''}>${t}</option>`)}</select></td>
          <td><input type="text" name="fieldTitle" value="${r.title}" aria-label="${i.t('publish.titleN', { n: n + 1 })}"></td>
          <td><input type="checkbox" name="fieldRequired" value="${n}" data-row-index${r.required ? html` checked` : ''} aria-label="${i.t('publish.requiredN', { n: n + 1 })}"></td>
          <td><input type="checkbox" name="fieldNullable" value="${n}" data-row-index${r.nullable ? html` checked` : ''} aria-label="${i.t('publish.nullableN', { n: n + 1 })}"></td>
          <td><input type="checkbox" name="fieldPii" value="${n}" data-row-index${r.pii ? html` checked` : ''} aria-label="${i.t('publish.piiN', { n: n + 1 })}"></td>
          <td><select name="fieldMask" aria-label="${i.t('publish.maskN', { n: n + 1 })}"><option value="">—</option>${MASK_STRATEGIES.map((s) => html`<option value="${s}"${s === r.mask ? html` selected` : ''}>${i.t(`mask.${s}`)}</option>`)}</select></td></tr>`;
    const rows = [...v.rows, ...Array.from({ length: 3 }, (): FieldRow => ({ name: '', type: 'string', title: '', required: false, nullable: false, pii: false, mask: '' }))];
    const links = [...v.links, { field: '', dataset: '', targetField: '', as: '' }];
    const action = dataset ? `/publish/${encodeURIComponent(dataset.id)}` : '/publish/new';
    const form = html`<form method="post" action="${action}" novalidate>${html`<input type="hidden" name="_csrf" value="${ctx.session.csrf}">`}
      ${error ? errorBox(ctx, error).box : ''}
      <fieldset><legend>${i.t('publish.metadata')}</legend>
        ${dataset ? html`<p>${i.t('publish.id')}: <code>${dataset.id}</code></p>` : text('slug', i.t('publish.slug'), i.t('publish.slugHint', { department }))}
        ${text('title', i.t('publish.titleVi'))}${text('titleEn', i.t('publish.titleEn'))}
        <label for="description">${i.t('publish.descriptionVi')}</label><textarea class="prose" id="description" name="description"${e('description').attrs}>${v.description}</textarea>${e('description').message}
        <label for="descriptionEn">${i.t('publish.descriptionEn')}</label><textarea class="prose" id="descriptionEn" name="descriptionEn">${v.descriptionEn}</textarea>
        <label for="classification">${i.t('common.classification')}</label><select id="classification" name="classification"${e('classification').attrs}>${CLASSIFICATIONS.map((c) => html`<option value="${c}"${c === v.classification ? html` selected` : ''}>${i.t(`classification.${c}`)}</option>`)}</select>${e('classification').message}
        ${text('themes', i.t('catalogue.theme'), i.t('publish.commaHint'))}${text('keywords', i.t('dataset.keywords'), i.t('publish.commaHint'))}
        <label for="updateFrequency">${i.t('dataset.frequency')}</label><select id="updateFrequency" name="updateFrequency"><option value="">—</option>${UPDATE_FREQUENCIES.map((f) => html`<option value="${f}"${f === v.updateFrequency ? html` selected` : ''}>${i.t(`frequency.${f}`)}</option>`)}</select>${e('updateFrequency').message}
        ${text('license', i.t('dataset.license'))}${text('contact', i.t('dataset.contact'))}
      </fieldset>
      <fieldset${e('recordSchema').attrs}><legend>${i.t('publish.schema')}</legend><p class="hint">${i.t('publish.schemaHint')}</p>
        <label class="inline"><input type="radio" name="schemaSource" value="table"${v.schemaSource === 'table' ? html` checked` : ''}> ${i.t('publish.schemaFromTable')}</label>
        <label class="inline"><input type="radio" name="schemaSource" value="json"${v.schemaSource === 'json' ? html` checked` : ''}> ${i.t('publish.schemaFromJson')}</label>
        <div class="table-wrap"><table><thead><tr><th scope="col">${i.t('dataset.field')}</th><th scope="col">${i.t('dataset.type')}</th><th scope="col">${i.t('dataset.fieldTitle')}</th><th scope="col">${i.t('publish.required')}</th><th scope="col">${i.t('dataset.nullable')}</th><th scope="col">${i.t('dataset.pii')}</th><th scope="col">${i.t('dataset.defaultMask')}</th></tr></thead><tbody id="schema-rows">
        ${rows.map((r, n) => fieldRow(r, n))}
        </tbody></table></div>
        <template id="schema-row-template">${fieldRow({ name: '', type: 'string', title: '', required: false, nullable: false, pii: false, mask: '' }, rows.length)}</template>
        <button type="button" class="secondary" data-add-row="schema-rows" data-template="schema-row-template">${i.t('publish.addField')}</button>
        <details${v.schemaSource === 'json' ? html` open` : ''}><summary>${i.t('publish.schemaJson')}</summary><label for="schemaJson">${i.t('publish.schemaJsonLabel')}</label><textarea id="schemaJson" name="schemaJson" rows="14">${v.schemaJson}</textarea></details>
        ${e('recordSchema').message}</fieldset>
      <fieldset${e('connector').attrs}><legend>${i.t('publish.connector')}</legend><p class="hint">${i.t('publish.connectorHint')}</p>
        <label for="credential">${i.t('publish.credential')}</label><select id="credential" name="credential"><option value="">—</option>${credentialsFor(department).map((c) => html`<option value="${c.name}"${c.name === v.credential ? html` selected` : ''}>${c.name} (${c.type})</option>`)}</select>
        <label for="connectorOptions">${i.t('publish.options')}</label><textarea id="connectorOptions" name="connectorOptions" aria-describedby="options-hint">${v.connectorOptions}</textarea>
        <p class="hint" id="options-hint">${i.t('publish.optionsHint')}</p>${e('connector').message}</fieldset>
      <fieldset${e('links').attrs}><legend>${i.t('dataset.links')}</legend><p class="hint">${i.t('publish.linksHint')}</p>
        ${links.map((l, n) => html`<div class="row-filter" role="group" aria-label="${i.t('publish.linkN', { n: n + 1 })}">
          <div><label for="lf${n}">${i.t('dataset.field')}</label><input id="lf${n}" name="linkField" type="text" value="${l.field}"></div>
          <div><label for="ld${n}">${i.t('common.dataset')}</label><input id="ld${n}" name="linkDataset" type="text" value="${l.dataset}"></div>
          <div><label for="lt${n}">${i.t('publish.linkTarget')}</label><input id="lt${n}" name="linkTarget" type="text" value="${l.targetField}"></div>
          <div><label for="la${n}">${i.t('publish.linkAs')}</label><input id="la${n}" name="linkAs" type="text" value="${l.as}"></div></div>`)}
        ${e('links').message}</fieldset>
      <div class="actions"><button type="submit">${dataset ? i.t('publish.save') : i.t('publish.register')}</button><a href="/publish">${i.t('common.cancel')}</a></div></form>`;
    const csrf = html`<input type="hidden" name="_csrf" value="${ctx.session.csrf}">`;
    const lifecycle = dataset
      ? html`<section class="card" aria-labelledby="life-h"><h2 id="life-h">${i.t('publish.lifecycle')}</h2><p>${statusPill(ctx, dataset.status)}</p>
          <div class="actions">
          ${dataset.status !== 'PUBLISHED' ? html`<form method="post" action="/publish/${encodeURIComponent(dataset.id)}/publish">${csrf}<button type="submit">${i.t('publish.publish')}</button></form>` : ''}
          <form method="post" action="/publish/${encodeURIComponent(dataset.id)}/health">${csrf}<button class="secondary" type="submit">${i.t('publish.checkHealth')}</button></form></div>
          ${dataset.status === 'PUBLISHED' ? html`<form method="post" action="/publish/${encodeURIComponent(dataset.id)}/deprecate">${csrf}<label for="dep-reason">${i.t('publish.deprecateReason')}</label><input id="dep-reason" name="reason" type="text" required><div class="actions"><button class="danger" type="submit">${i.t('publish.deprecate')}</button></div></form>` : ''}
          <h3>${i.t('health.title')}</h3>${dataset.health ? (dataset.health.ok ? alertBox('ok', i.t('health.ok'), [i.t('health.checkedAt', { at: i.dateTime(dataset.health.checkedAt) })]) : alertBox('warn', i.t('health.issues'), [...dataset.health.issues, i.t('health.checkedAt', { at: i.dateTime(dataset.health.checkedAt) })])) : html`<p class="muted">${i.t('health.never')}</p>`}
        </section>`
      : '';
    return shell(ctx, dataset ? i.t('publish.editTitle', { title: titleOf(ctx, dataset) }) : i.t('publish.new'), html`${notice ?? ''}${lifecycle}${form}`, 'publish');
  }

  async function ownDataset(ctx: SignedInContext): Promise<Dataset> {
    assertPublisher(ctx);
    const id = String(ctx.req.params['id']);
    const d = await deps.catalogue.get(ctx.principal, id);
    if (!d) throw notFound(`Dataset ${id} not found.`);
    if (!may.publishFor(ctx.principal, d.department)) throw forbidden(`Only publishers of ${d.department} may change its datasets.`);
    return d;
  }

  router.get('/publish/new', page.signedIn(async (ctx) => (assertPublisher(ctx), formPage(ctx, null, emptyValues()))));

  router.post(
    '/publish/new',
    page.signedIn(async (ctx) => {
      assertPublisher(ctx);
      const v = valuesFromForm(ctx);
      try {
        const d = await deps.catalogue.register(ctx.principal, { slug: v.slug, ...inputOf(v, ctx.principal.department) });
        return { redirect: `/publish/${encodeURIComponent(d.id)}?done=registered` };
      } catch (error) {
        return { status: statusOf(error), body: await formPage(ctx, null, v, error) };
      }
    }),
  );

  router.get(
    '/publish/:id',
    page.signedIn(async (ctx) => {
      const d = await ownDataset(ctx);
      const done = query(ctx.req, 'done');
      const notice = ctx.i.has(`publish.done.${done}`) ? alertBox('ok', ctx.i.t(`publish.done.${done}` as 'publish.done.saved')) : undefined;
      return formPage(ctx, d, valuesOf(d), undefined, notice);
    }),
  );

  router.post(
    '/publish/:id',
    page.signedIn(async (ctx) => {
      const d = await ownDataset(ctx);
      const v = valuesFromForm(ctx);
      try {
        await deps.catalogue.update(ctx.principal, d.id, inputOf(v, d.department));
        return { redirect: `/publish/${encodeURIComponent(d.id)}?done=saved` };
      } catch (error) {
        return { status: statusOf(error), body: await formPage(ctx, d, v, error) };
      }
    }),
  );

  router.post(
    '/publish/:id/publish',
    page.signedIn(async (ctx) => {
      const d = await ownDataset(ctx);
      const published = await deps.catalogue.publish(ctx.principal, d.id);
      await deps.health.check(published);
      return { redirect: `/publish/${encodeURIComponent(d.id)}?done=published` };
    }),
  );

  router.post(
    '/publish/:id/deprecate',
    page.signedIn(async (ctx) => {
      const d = await ownDataset(ctx);
      await deps.catalogue.deprecate(ctx.principal, d.id, field(ctx.req, 'reason'));
      return { redirect: `/publish/${encodeURIComponent(d.id)}?done=deprecated` };
    }),
  );

  router.post(
    '/publish/:id/health',
    page.signedIn(async (ctx) => {
      const d = await ownDataset(ctx);
      await deps.health.checkFor(ctx.principal, d.id);
      return { redirect: `/publish/${encodeURIComponent(d.id)}?done=checked` };
    }),
  );
}
