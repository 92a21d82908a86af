import type { Request, Router } from 'express';
import { signToken } from '../../server/auth/jwt.js';
import type { Principal } from '../../server/auth/principal.js';
import type { Config } from '../../server/config.js';
import { html, localPath } from '../html.js';
import { isLang } from '../i18n/index.js';
import { PERSONAS, personaById } from '../personas.js';
import { alertBox, departmentName, roleLabels, shell } from '../views/layout.js';
import { ConsoleRefusal, cookiesOf, field, LANG_COOKIE, LOGIN_COOKIE, ownOrigin, isTheme, query, THEME_COOKIE, type ConsoleCookies, type ConsoleDeps, type PageContext } from '../web.js';
import type { Pages } from './pages.js';

const YEAR = 365 * 86_400;

/** Sign-in (the identity provider, or the development personas), sign-out, and the language and theme preferences. */
export function authPages(router: Router, page: Pages, deps: ConsoleDeps, cookies: ConsoleCookies, config: Config) {
  const settings = config.console;

  async function startSession(ctx: PageContext, fields: { principal: Principal; via: 'dev' | 'oidc'; apiToken?: string; apiTokenExpiresAt?: Date; idToken?: string }) {
    // A new session id at every sign-in, so an id planted before it (session fixation) is worthless.
    await deps.sessions.destroy(ctx.sessionId);
    const { id } = await deps.sessions.create(fields);
    cookies.set(ctx.res, cookies.session, id, cookies.options());
  }

  router.get(
    '/auth/sign-in',
    page.open(async (ctx) => {
      const { i } = ctx;
      const back = localPath(query(ctx.req, 'return'));
      const parts = [];
      if (query(ctx.req, 'signedOut')) parts.push(alertBox('ok', i.t('auth.signedOut')));
      if (deps.oidc) {
        parts.push(html`<section class="card"><h2>${i.t('auth.oidc.title')}</h2><p>${i.t('auth.oidc.text')}</p>
          <a class="button" href="/auth/login?return=${encodeURIComponent(back)}">${i.t('auth.oidc.button')}</a></section>`);
      }
      if (settings.devSignIn) {
        const rows = [];
        for (const persona of PERSONAS) {
          rows.push(html`<tr><td>${persona.name}</td><td><code>${persona.id}</code></td><td>${await departmentName(ctx, persona.principal.department)}</td><td>${roleLabels(ctx, persona.principal)}</td>
            <td><form method="post" action="/auth/dev-sign-in">${ctx.session ? html`<input type="hidden" name="_csrf" value="${ctx.session.csrf}">` : ''}<input type="hidden" name="persona" value="${persona.id}"><input type="hidden" name="return" value="${back}">
            <button type="submit" aria-label="${i.t('auth.dev.signInAs', { name: persona.name })}">${i.t('auth.dev.signIn')}</button></form></td></tr>`);
        }
        parts.push(html`<section class="card"><h2>${i.t('auth.dev.title')}</h2>${alertBox('warn', i.t('auth.dev.warning'))}
          <div class="table-wrap"><table class="personas"><caption class="muted">${i.t('auth.dev.caption')}</caption>
          <thead><tr><th scope="col">${i.t('auth.dev.name')}</th><th scope="col">${i.t('auth.dev.id')}</th><th scope="col">${i.t('common.department')}</th><th scope="col">${i.t('auth.dev.roles')}</th><th scope="col"><span class="muted">${i.t('common.action')}</span></th></tr></thead>
          <tbody>${rows}</tbody></table></div></section>`);
      }
      if (!deps.oidc && !settings.devSignIn) parts.push(alertBox('error', i.t('auth.none.title'), [i.t('auth.none.next')]));
      return shell(ctx, i.t('auth.title'), html`${parts}`);
    }),
  );

  router.post(
    '/auth/dev-sign-in',
    page.open(async (ctx) => {
      if (!settings.devSignIn) throw new ConsoleRefusal(403, 'disabled');
      const persona = personaById(field(ctx.req, 'persona'));
      if (!persona) return { status: 400, body: await shell(ctx, ctx.i.t('auth.title'), alertBox('error', ctx.i.t('auth.dev.unknown'), [html`<a href="/auth/sign-in">${ctx.i.t('auth.backToSignIn')}</a>`])) };
      const ttl = Math.min(3600, config.jwt.maxLifetimeSeconds);
      await startSession(ctx, { principal: persona.principal, via: 'dev', apiToken: signToken(persona.principal, config.jwt, ttl), apiTokenExpiresAt: new Date(Date.now() + ttl * 1000) });
      return { redirect: localPath(field(ctx.req, 'return')) };
    }),
  );

  const redirectUri = (req: Request) => `${ownOrigin(req, settings.publicUrl)}/auth/callback`;

  router.get(
    '/auth/login',
    page.open(async (ctx) => {
      if (!deps.oidc) throw new ConsoleRefusal(404, 'disabled');
      let start;
      try {
        start = await deps.oidc.start(redirectUri(ctx.req));
      } catch (error) {
        ctx.req.log?.warn({ err: error }, 'identity provider unreachable at sign-in');
        return {
          status: 503,
          body: await shell(ctx, ctx.i.t('auth.title'), alertBox('error', ctx.i.t('auth.oidc.unavailable'), [ctx.i.t('auth.oidc.unavailableNext'), html`<a href="/auth/sign-in">${ctx.i.t('auth.backToSignIn')}</a>`])),
        };
      }
      await deps.sessions.saveLogin(start.state, { codeVerifier: start.codeVerifier, nonce: start.nonce, returnTo: localPath(query(ctx.req, 'return')) });
      // The state is also bound to this browser: a callback carrying another browser's state is refused (login CSRF).
      cookies.set(ctx.res, LOGIN_COOKIE, start.state, cookies.options(600));
      return { redirect: start.url };
    }),
  );

  router.get(
    '/auth/callback',
    page.open(async (ctx) => {
      if (!deps.oidc) throw new ConsoleRefusal(404, 'disabled');
      const state = query(ctx.req, 'state');
      const bound = cookiesOf(ctx.req)[LOGIN_COOKIE];
      cookies.clear(ctx.res, LOGIN_COOKIE);
      const login = state && bound === state ? await deps.sessions.takeLogin(state) : null;
      const failed = async (detail: string) => ({
        status: 400,
        body: await shell(ctx, ctx.i.t('auth.title'), alertBox('error', ctx.i.t('auth.oidc.failed'), [ctx.i.t('auth.oidc.failedNext'), html`<a href="/auth/sign-in">${ctx.i.t('auth.backToSignIn')}</a>`, html`<span class="muted">${detail}</span>`])),
      });
      if (!login) return failed(ctx.i.t('auth.oidc.stateMismatch'));
      if (query(ctx.req, 'error')) return failed(query(ctx.req, 'error').slice(0, 100));
      try {
        const callbackUrl = new URL(ctx.req.originalUrl, redirectUri(ctx.req));
        const signIn = await deps.oidc.finish(callbackUrl, { state, codeVerifier: login.codeVerifier, nonce: login.nonce });
        const fields = { principal: signIn.principal, via: 'oidc' as const, apiToken: signIn.accessToken, apiTokenExpiresAt: signIn.accessTokenExpiresAt, ...(signIn.idToken ? { idToken: signIn.idToken } : {}) };
        await startSession(ctx, fields);
      } catch (error) {
        ctx.req.log?.warn({ err: error }, 'OIDC callback refused');
        return failed(ctx.i.t('auth.oidc.exchangeFailed'));
      }
      return { redirect: login.returnTo };
    }),
  );

  router.post(
    '/auth/logout',
    page.open(async (ctx) => {
      const session = ctx.session;
      await deps.sessions.destroy(ctx.sessionId);
      cookies.clear(ctx.res, cookies.session);
      // GraphiQL keeps its query history, headers and with them the session's API token, in the
      // browser's storage: the next person at this browser must not find it there.
      ctx.res.setHeader('clear-site-data', '"cache", "storage"');
      const signedOut = `${ownOrigin(ctx.req, settings.publicUrl)}/auth/sign-in?signedOut=1`;
      if (session?.via === 'oidc' && deps.oidc) {
        const url = await deps.oidc.endSessionUrl(session.idToken, signedOut);
        if (url) return { redirect: url };
      }
      return { redirect: '/auth/sign-in?signedOut=1' };
    }),
  );

  router.post(
    '/prefs',
    page.open(async (ctx) => {
      const lang = field(ctx.req, 'lang');
      const theme = field(ctx.req, 'theme');
      if (isLang(lang)) cookies.set(ctx.res, LANG_COOKIE, lang, cookies.options(YEAR));
      if (isTheme(theme)) cookies.set(ctx.res, THEME_COOKIE, theme, cookies.options(YEAR));
      return { redirect: localPath(field(ctx.req, 'return')) };
    }),
  );
}
