import express, { Router } from 'express';
import type { Db } from 'mongodb';
import type { GatewayServices } from '../server/http/context.js';
import { notFound } from '../server/errors.js';
import type { Logger } from '../server/logger.js';
import { assetsRouter } from './assets.js';
import { OidcClient } from './oidc.js';
import { adminPages } from './pages/admin.js';
import { analystPages, graphiqlPage } from './pages/analyst.js';
import { authPages } from './pages/auth.js';
import { cataloguePages } from './pages/catalogue.js';
import { publisherPages } from './pages/publisher.js';
import { stewardPages } from './pages/steward.js';
import { SessionStore } from './session-store.js';
import { renderError } from './views/errors.js';
import { ConsoleCookies, makePage, type ConsoleDeps } from './web.js';

const GRAPHIQL_QUERY = '{\n  me { id department { name } roles }\n}\n';

/**
 * The web console: its pages at `/` and sign-in at `/auth/…` (when enabled), and the assets it
 * and GraphiQL load, all from installed packages. Pages call the same domain services as the
 * GraphQL resolvers, in-process, so policy, masks, quotas and audit apply identically.
 */
export async function createConsole(services: GatewayServices & { db: Db; logger: Logger }) {
  const { config, db, logger } = services;
  const settings = config.console;
  const sessions = new SessionStore(db, { idleSeconds: settings.sessionIdleSeconds, maxSeconds: settings.sessionMaxSeconds });
  await sessions.ensureIndexes();
  const oidc = config.oidc ? new OidcClient(config.oidc) : null;
  const deps: ConsoleDeps = { ...services, sessions, oidc };
  const secure = config.nodeEnv === 'production' || Boolean(settings.publicUrl?.startsWith('https://'));
  const cookies = new ConsoleCookies(secure);

  const router = Router();
  router.use(assetsRouter());
  if (settings.enabled) {
    const formAction = ["'self'", ...(oidc ? [oidc.issuerOrigin] : [])].join(' ');
    const csp = `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action ${formAction}`;
    router.use((_req, res, next) => {
      res.setHeader('content-security-policy', csp);
      res.setHeader('x-content-type-options', 'nosniff');
      res.setHeader('x-frame-options', 'DENY');
      res.setHeader('referrer-policy', 'same-origin');
      // Pages show data under the user's rights: never kept by the browser or a proxy after sign-out.
      res.setHeader('cache-control', 'no-store');
      next();
    });
    router.use(express.urlencoded({ extended: false, limit: config.limits.maxBodyBytes, parameterLimit: 2000 }));
    const page = makePage(deps, cookies, settings.publicUrl, config.limits.operationTimeoutMs, renderError);
    authPages(router, page, deps, cookies, config);
    cataloguePages(router, page, deps);
    analystPages(router, page, deps, config);
    stewardPages(router, page, deps);
    publisherPages(router, page, deps, config);
    adminPages(router, page, deps);
    // A browser that follows a stale link gets a page in its language, not the API's JSON.
    const noPage = page.open(async (ctx) => {
      throw notFound(`No page at ${ctx.req.path}.`);
    });
    router.get('/{*path}', (req, res, next) => (req.headers.accept?.includes('text/html') ? noPage(req, res, next) : next()));
  }
  return {
    router,
    /** GraphiQL at /graphql, from the same installed assets, with yoga's default query and a token for the user to fill. */
    renderGraphiQL: (options?: { defaultQuery?: string }) =>
      graphiqlPage('GraphiQL — Kho dữ liệu dùng chung', 'vi', { url: '/graphql', headers: { Authorization: 'Bearer <token>' }, query: options?.defaultQuery ?? GRAPHIQL_QUERY }).text,
  };
}
