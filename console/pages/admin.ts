import type { Router } from 'express';
import { may } from '../../server/auth/permissions.js';
import { forbidden } from '../../server/errors.js';
import { verifyAuditFor } from '../../server/governance/audit-access.js';
import { html, type Html } from '../html.js';
import { errorBox, faultsByField, fieldError, statusOf } from '../views/errors.js';
import { alertBox, shell } from '../views/layout.js';
import { field, query, type ConsoleDeps, type SignedInContext } from '../web.js';
import type { Pages } from './pages.js';

/** Departments (create, rename) and the audit chain's verification. */
export function adminPages(router: Router, page: Pages, deps: ConsoleDeps) {
  async function adminPage(ctx: SignedInContext, extra: { notice?: Html; error?: unknown; create?: { code: string; name: string; nameEn: string } } = {}): Promise<Html> {
    const { i } = ctx;
    if (!may.administer(ctx.principal)) throw forbidden('Only admins manage departments.');
    const departments = await deps.catalogue.listDepartments();
    const faults = faultsByField(extra.error);
    const e = (name: string) => fieldError(faults, name, ctx);
    const csrf = html`<input type="hidden" name="_csrf" value="${ctx.session.csrf}">`;
    const create = extra.create ?? { code: '', name: '', nameEn: '' };
    const body = html`${extra.notice ?? ''}
      <section class="card" aria-labelledby="verify-h"><h2 id="verify-h">${i.t('admin.verify')}</h2><p class="hint">${i.t('admin.verifyHint')}</p>
        <form method="post" action="/admin/verify" hx-post="/admin/verify" hx-target="#verify-result">${csrf}<button type="submit">${i.t('admin.verifyButton')}</button> <span class="htmx-indicator muted">${i.t('common.loading')}</span></form>
        <div id="verify-result" aria-live="polite"></div><p><a href="/audit">${i.t('admin.allAudit')}</a></p></section>
      <section aria-labelledby="dept-h"><h2 id="dept-h">${i.t('admin.departments')}</h2>
        <div class="table-wrap"><table><thead><tr><th scope="col">${i.t('admin.code')}</th><th scope="col">${i.t('admin.names')}</th></tr></thead><tbody>
        ${departments.map((d) => html`<tr><td><code>${d.code}</code></td><td><form method="post" action="/admin/departments/${encodeURIComponent(d.code)}" class="row-filter wide">${csrf}
          <div><label for="n-${d.code}">${i.t('admin.nameVi')}</label><input id="n-${d.code}" name="name" type="text" value="${d.name}"></div>
          <div><label for="ne-${d.code}">${i.t('admin.nameEn')}</label><input id="ne-${d.code}" name="nameEn" type="text" value="${d.nameEn ?? ''}"></div>
          <div><button class="secondary" type="submit">${i.t('admin.rename')}</button></div></form></td></tr>`)}
        </tbody></table></div></section>
      <form method="post" action="/admin/departments" class="card spaced" novalidate aria-labelledby="new-h">${csrf}<h2 id="new-h">${i.t('admin.create')}</h2>${extra.error ? errorBox(ctx, extra.error).box : ''}
        <label for="code">${i.t('admin.code')}</label><input id="code" name="code" type="text" value="${create.code}" aria-describedby="code-hint"${e('code').attrs}><p class="hint" id="code-hint">${i.t('admin.codeHint')}</p>${e('code').message}
        <label for="name">${i.t('admin.nameVi')}</label><input id="name" name="name" type="text" value="${create.name}"${e('name').attrs}>${e('name').message}
        <label for="nameEn">${i.t('admin.nameEn')}</label><input id="nameEn" name="nameEn" type="text" value="${create.nameEn}"${e('nameEn').attrs}>${e('nameEn').message}
        <div class="actions"><button type="submit">${i.t('admin.createButton')}</button></div></form>`;
    return shell(ctx, i.t('nav.admin'), body, 'admin');
  }

  router.get(
    '/admin',
    page.signedIn(async (ctx) => {
      const done = query(ctx.req, 'done');
      return adminPage(ctx, ctx.i.has(`admin.done.${done}`) ? { notice: alertBox('ok', ctx.i.t(`admin.done.${done}` as 'admin.done.created')) } : {});
    }),
  );

  router.post(
    '/admin/departments',
    page.signedIn(async (ctx) => {
      const create = { code: field(ctx.req, 'code').trim(), name: field(ctx.req, 'name'), nameEn: field(ctx.req, 'nameEn') };
      try {
        await deps.catalogue.createDepartment(ctx.principal, { code: create.code, name: create.name, ...(create.nameEn.trim() ? { nameEn: create.nameEn } : {}) });
        return { redirect: '/admin?done=created' };
      } catch (error) {
        return { status: statusOf(error), body: await adminPage(ctx, { error, create }) };
      }
    }),
  );

  router.post(
    '/admin/departments/:code',
    page.signedIn(async (ctx) => {
      try {
        await deps.catalogue.renameDepartment(ctx.principal, String(ctx.req.params['code']), { name: field(ctx.req, 'name'), nameEn: field(ctx.req, 'nameEn') || null });
        return { redirect: '/admin?done=renamed' };
      } catch (error) {
        return { status: statusOf(error), body: await adminPage(ctx, { error }) };
      }
    }),
  );

  router.post(
    '/admin/verify',
    page.signedIn(async (ctx) => {
      const { i } = ctx;
      const result = await verifyAuditFor(ctx.principal, deps.auditLog);
      const box = result.ok
        ? alertBox('ok', i.t('admin.chainOk'), [i.t('admin.chainChecked', { count: i.number(result.checked) })])
        : alertBox('error', i.t('admin.chainBroken', { count: i.number(result.brokenCount) }), [
            i.t('admin.chainFirst', { seq: String(result.firstBrokenSeq) }),
            i.t('admin.chainSeqs', { seqs: result.brokenSeqs.join(', ') }),
            i.t('admin.chainNext'),
          ]);
      if (ctx.partial) return box;
      return adminPage(ctx, { notice: box });
    }),
  );
}
