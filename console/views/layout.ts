import { may } from '../../server/auth/permissions.js';
import type { Principal } from '../../server/auth/principal.js';
import { ASSETS } from '../assets.js';
import { html, type Fragment, type Html } from '../html.js';
import type { MessageKey } from '../i18n/index.js';
import type { PageContext } from '../web.js';

export type NavKey = 'catalogue' | 'my-requests' | 'my-grants' | 'query' | 'inbox' | 'steward-grants' | 'audit' | 'publish' | 'admin' | 'none';

interface NavItem {
  key: NavKey;
  href: string;
  label: MessageKey;
  show: (p: Principal) => boolean;
}

const NAV: NavItem[] = [
  { key: 'catalogue', href: '/', label: 'nav.catalogue', show: () => true },
  { key: 'my-requests', href: '/my/requests', label: 'nav.myRequests', show: (p) => may.requestAccess(p) },
  { key: 'my-grants', href: '/my/grants', label: 'nav.myGrants', show: (p) => may.requestAccess(p) },
  { key: 'query', href: '/query', label: 'nav.query', show: () => true },
  { key: 'inbox', href: '/steward/inbox', label: 'nav.inbox', show: (p) => may.overseeDepartment(p) },
  { key: 'steward-grants', href: '/steward/grants', label: 'nav.stewardGrants', show: (p) => may.overseeDepartment(p) },
  { key: 'audit', href: '/audit', label: 'nav.audit', show: (p) => may.overseeDepartment(p) },
  { key: 'publish', href: '/publish', label: 'nav.publish', show: (p) => may.registerDatasets(p) },
  { key: 'admin', href: '/admin', label: 'nav.admin', show: (p) => may.administer(p) },
];

/** Pending requests a steward can decide, for the header's count; at most 100 are counted. */
async function pendingCount(ctx: PageContext): Promise<number | null> {
  const p = ctx.session?.principal;
  if (!p || !may.overseeDepartment(p)) return null;
  const page = await ctx.deps.access.listRequests(p, { status: 'PENDING', first: 100 });
  return page.edges.map((e) => e.node).filter((r) => r.requesterId !== p.id || r.requesterDepartment !== p.department).length;
}

export async function departmentName(ctx: PageContext, code: string): Promise<string> {
  const d = await ctx.deps.catalogue.getDepartment(code);
  if (!d) return code;
  return ctx.i.lang === 'en' && d.nameEn ? d.nameEn : d.name;
}

export const roleLabels = (ctx: PageContext, p: Principal) => p.roles.map((r) => ctx.i.t(`role.${r}`)).join(', ');

/** The whole page around a body: header with navigation, language and theme, the signed-in user. */
export async function shell(ctx: PageContext, title: string, body: Html, active: NavKey = 'none'): Promise<Html> {
  const { i, session } = ctx;
  const p = session?.principal;
  const count = await pendingCount(ctx);
  const back = ctx.req.originalUrl;
  const csrf = session ? html`<input type="hidden" name="_csrf" value="${session.csrf}">` : '';
  const nav = p
    ? html`<nav class="main" aria-label="${i.t('nav.label')}">${NAV.filter((n) => n.show(p)).map(
        (n) =>
          html`<a href="${n.href}"${n.key === active ? html` aria-current="page"` : ''}>${i.t(n.label)}${n.key === 'inbox' && count ? html` <span class="badge" aria-label="${i.t('inbox.count', { count })}">${count >= 100 ? '99+' : count}</span>` : ''}</a>`,
      )}</nav>`
    : html`<span class="spacer"></span>`;
  const who = p
    ? html`<span>${p.id} · ${await departmentName(ctx, p.department)} · ${roleLabels(ctx, p)}</span>
        <form method="post" action="/auth/logout">${csrf}<button class="secondary" type="submit">${i.t('auth.signOut')}</button></form>`
    : '';
  const prefs = html`<form method="post" action="/prefs" class="prefs">${csrf}<input type="hidden" name="return" value="${back}">
      <label class="inline" for="pref-lang">${i.t('prefs.language')}</label>
      <select id="pref-lang" name="lang">${(['vi', 'en'] as const).map((l) => html`<option value="${l}"${l === i.lang ? html` selected` : ''}>${i.t(`lang.${l}`)}</option>`)}</select>
      <label class="inline" for="pref-theme">${i.t('prefs.theme')}</label>
      <select id="pref-theme" name="theme">${(['auto', 'light', 'dark'] as const).map((t) => html`<option value="${t}"${t === ctx.theme ? html` selected` : ''}>${i.t(`theme.${t}`)}</option>`)}</select>
      <button class="secondary" type="submit">${i.t('prefs.apply')}</button></form>`;
  return html`<!doctype html>
<html lang="${i.lang}" data-theme="${ctx.theme}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false}'>
<title>${title} — ${i.t('app.name')}</title>
${ASSETS.fonts.map((href) => html`<link rel="stylesheet" href="${href}">`)}
<link rel="stylesheet" href="${ASSETS.css}">
<link rel="icon" href="${ASSETS.favicon}" type="image/svg+xml">
<script src="${ASSETS.htmx}" defer></script>
<script src="${ASSETS.js}" defer></script>
</head>
<body${session ? html` hx-headers='${JSON.stringify({ 'x-csrf-token': session.csrf })}'` : ''}>
<a class="skip" href="#main">${i.t('a11y.skip')}</a>
<header class="top"><div class="top-inner">
<a class="brand" href="/">${i.t('app.name')}</a>
${nav}
<div class="who">${who}${prefs}</div>
</div></header>
<main id="main" tabindex="-1">
<h1>${title}</h1>
${body}
</main>
</body>
</html>`;
}

/** A message box; `role=alert` for errors so screen readers announce them. */
export function alertBox(kind: 'error' | 'ok' | 'info' | 'warn', title: string, lines: Fragment[] = []): Html {
  return html`<div class="alert ${kind}"${kind === 'error' ? html` role="alert"` : html` role="status"`}><h2>${title}</h2>${lines.map((l) => html`<p>${l}</p>`)}</div>`;
}
