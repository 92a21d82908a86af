import type { Router } from 'express';
import { signToken } from '../../server/auth/jwt.js';
import type { Config } from '../../server/config.js';
import { ASSETS } from '../assets.js';
import { html, jsonScript } from '../html.js';
import { alertBox, shell } from '../views/layout.js';
import { grantsTable, requestsTable } from '../views/governance.js';
import { query, type ConsoleDeps } from '../web.js';
import type { Pages } from './pages.js';

const QUERY = '{\n  datasets(search: "dân cư") {\n    totalCount\n    edges { node { id title classification myAccess { canRead maskedFields } } }\n  }\n}\n';

/** The analyst's requests (with withdraw), grants, and GraphiQL with the session's token. */
export function analystPages(router: Router, page: Pages, deps: ConsoleDeps, config: Config) {
  router.get(
    '/my/requests',
    page.signedIn(async (ctx) => {
      const { i, principal: p } = ctx;
      const list = await deps.access.listRequests(p, { first: 200 });
      const mine = list.edges.map((e) => e.node).filter((r) => r.requesterId === p.id && r.requesterDepartment === p.department);
      const created = query(ctx.req, 'created');
      const body = html`${created ? alertBox('ok', i.t('request.created'), [i.t('request.createdNext')]) : ''}
        ${mine.length
          ? await requestsTable(ctx, mine, (r) =>
              r.status === 'PENDING'
                ? html`<form method="post" action="/my/requests/${encodeURIComponent(r._id)}/withdraw"><input type="hidden" name="_csrf" value="${ctx.session.csrf}"><button class="secondary" type="submit">${i.t('request.withdraw')}</button></form>`
                : html``,
            )
          : alertBox('info', i.t('request.none'), [i.t('request.noneNext')])}`;
      return shell(ctx, i.t('nav.myRequests'), body, 'my-requests');
    }),
  );

  router.post(
    '/my/requests/:id/withdraw',
    page.signedIn(async (ctx) => {
      await deps.access.withdraw(ctx.principal, String(ctx.req.params['id']));
      return { redirect: '/my/requests' };
    }),
  );

  router.get(
    '/my/grants',
    page.signedIn(async (ctx) => {
      const { i, principal: p } = ctx;
      const list = await deps.access.listGrants(p, { first: 200 });
      const mine = list.edges.map((e) => e.node).filter((g) => g.granteeId === p.id && g.granteeDepartment === p.department);
      const body = mine.length ? await grantsTable(ctx, mine) : alertBox('info', i.t('grant.none'), [i.t('grant.noneNext')]);
      return shell(ctx, i.t('nav.myGrants'), html`<p class="hint">${i.t('grant.mineHint')}</p>${body}`, 'my-grants');
    }),
  );

  router.get(
    '/query',
    page.signedIn(async (ctx) => {
      const { session } = ctx;
      let token = session.apiToken;
      // A local token is minted again when it ran out; a provider's token lasts as long as the provider said.
      if (session.via === 'dev' && (!token || !session.apiTokenExpiresAt || session.apiTokenExpiresAt.getTime() < Date.now() + 60_000)) {
        const ttl = Math.min(3600, config.jwt.maxLifetimeSeconds);
        token = signToken(session.principal, config.jwt, ttl);
        await deps.sessions.setApiToken(ctx.sessionId, token, new Date(Date.now() + ttl * 1000));
      }
      ctx.res.setHeader('content-security-policy', GRAPHIQL_CSP);
      ctx.res.setHeader('cache-control', 'no-store');
      return graphiqlPage(`GraphiQL — ${ctx.i.t('app.name')}`, ctx.i.lang, { url: '/graphql', headers: token ? { Authorization: `Bearer ${token}` } : {}, query: QUERY });
    }),
  );
}

/** GraphiQL styles itself inline (CodeMirror, React); scripts stay this origin's only. */
export const GRAPHIQL_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** GraphiQL from the installed graphiql, react and react-dom builds, nothing from another origin. */
export function graphiqlPage(title: string, lang: string, settings: { url: string; headers: Record<string, string>; query: string }) {
  return html`<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title>
<link rel="stylesheet" href="${ASSETS.graphiqlCss}"><link rel="icon" href="${ASSETS.favicon}" type="image/svg+xml"></head>
<body class="graphiql-page" style="margin:0"><div id="graphiql" style="height:100vh"></div>
<script type="application/json" id="graphiql-settings">${jsonScript(settings)}</script>
<script src="${ASSETS.react}"></script><script src="${ASSETS.reactDom}"></script><script src="${ASSETS.graphiqlJs}"></script><script src="${ASSETS.graphiqlInit}"></script>
</body></html>`;
}
