import { timingSafeEqual } from 'node:crypto';
import { parse as parseCookies, serialize as serializeCookie, type SerializeOptions } from 'cookie';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { GatewayServices } from '../server/http/context.js';
import type { Principal } from '../server/auth/principal.js';
import { badInput, isAppError } from '../server/errors.js';
import { inputFault } from '../server/well-formed.js';
import type { Logger } from '../server/logger.js';
import type { Html } from './html.js';
import { i18n, isLang, type I18n, type Lang } from './i18n/index.js';
import type { OidcClient } from './oidc.js';
import type { Session, SessionStore } from './session-store.js';

export interface ConsoleDeps extends GatewayServices {
  logger: Logger;
  sessions: SessionStore;
  /** Null when no identity provider is configured. */
  oidc: OidcClient | null;
}

export const THEMES = ['auto', 'light', 'dark'] as const;
export type Theme = (typeof THEMES)[number];

/** What every page handler gets: the request, its language and theme, the session if any. */
export interface PageContext {
  req: Request;
  res: Response;
  deps: ConsoleDeps;
  i: I18n;
  theme: Theme;
  session: Session | null;
  sessionId: string | undefined;
  /** Whether htmx asked for a fragment rather than a page. */
  partial: boolean;
  /** Aborts when the client goes away or the operation timeout passes. */
  signal: AbortSignal;
}

export interface SignedInContext extends PageContext {
  session: Session;
  sessionId: string;
  principal: Principal;
}

export class ConsoleCookies {
  readonly session: string;
  constructor(private readonly secure: boolean) {
    // __Host- binds the cookie to this origin and path / (the browser refuses it otherwise).
    this.session = secure ? '__Host-kho_session' : 'kho_session';
  }
  options(maxAgeSeconds?: number, sameSite: 'lax' | 'strict' = 'lax'): SerializeOptions {
    const options: SerializeOptions = { httpOnly: true, sameSite, secure: this.secure, path: '/' };
    if (maxAgeSeconds !== undefined) options.maxAge = maxAgeSeconds;
    return options;
  }
  set(res: Response, name: string, value: string, options: SerializeOptions): void {
    res.append('set-cookie', serializeCookie(name, value, options));
  }
  clear(res: Response, name: string): void {
    this.set(res, name, '', { ...this.options(0), expires: new Date(0) });
  }
}

export const LANG_COOKIE = 'kho_lang';
export const THEME_COOKIE = 'kho_theme';
export const LOGIN_COOKIE = 'kho_login';

export function cookiesOf(req: Request): Record<string, string | undefined> {
  return parseCookies(req.headers.cookie ?? '');
}

export function langOf(req: Request): Lang {
  const chosen = cookiesOf(req)[LANG_COOKIE];
  return isLang(chosen) ? chosen : 'vi';
}

export const isTheme = (value: unknown): value is Theme => typeof value === 'string' && (THEMES as readonly string[]).includes(value);

export function themeOf(req: Request): Theme {
  const chosen = cookiesOf(req)[THEME_COOKIE];
  return isTheme(chosen) ? chosen : 'auto';
}

/** The origin state changes must come from: the configured public URL, else this request's own host. */
export function ownOrigin(req: Request, publicUrl: string | undefined): string {
  return publicUrl ?? `${req.protocol}://${req.headers.host ?? ''}`;
}

/**
 * A state change must come from a page of this origin: the Origin header (every current
 * browser sends it on a POST), else the Referer's origin; a request with neither is refused.
 */
export function sameOrigin(req: Request, publicUrl: string | undefined): boolean {
  const expected = ownOrigin(req, publicUrl);
  const origin = req.headers.origin;
  if (typeof origin === 'string') return origin === expected;
  const referer = req.headers.referer;
  if (typeof referer !== 'string') return false;
  try {
    return new URL(referer).origin === expected;
  } catch {
    return false;
  }
}

/** The synchronizer token, from the form field or the header htmx sends. */
export function csrfMatches(req: Request, session: Session): boolean {
  const body = req.body as Record<string, unknown> | undefined;
  const given = req.get('x-csrf-token') ?? (typeof body?.['_csrf'] === 'string' ? body['_csrf'] : undefined);
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(session.csrf);
  return a.length === b.length && timingSafeEqual(a, b);
}

export type PageResult = Html | { redirect: string } | { status: number; body: Html };

export class ConsoleRefusal extends Error {
  constructor(
    readonly status: number,
    readonly reason: 'csrf' | 'origin' | 'signin' | 'disabled',
  ) {
    super(reason);
  }
}

/**
 * Wraps a page handler: reads the session, language and theme, refuses state changes without
 * the session's CSRF token from another origin, and hands errors to the error page.
 */
export function makePage(
  deps: ConsoleDeps,
  cookies: ConsoleCookies,
  publicUrl: string | undefined,
  operationTimeoutMs: number,
  renderError: (ctx: PageContext, error: unknown) => Promise<{ status: number; body: Html }>,
) {
  function wrap<C extends PageContext>(needsSession: boolean, handler: (ctx: C) => Promise<PageResult>): RequestHandler {
    return async (req: Request, res: Response, next: NextFunction) => {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new Error('operation timeout')), operationTimeoutMs);
      res.once('close', () => {
        clearTimeout(timer);
        controller.abort(new Error('request finished'));
      });
      const sessionId = cookiesOf(req)[cookies.session];
      let ctx: PageContext | null = null;
      try {
        const session = await deps.sessions.get(sessionId);
        ctx = { req, res, deps, i: i18n(langOf(req)), theme: themeOf(req), session, sessionId: session ? sessionId : undefined, partial: req.get('hx-request') === 'true', signal: controller.signal };
        const changes = req.method !== 'GET' && req.method !== 'HEAD';
        if (changes && !sameOrigin(req, publicUrl)) throw new ConsoleRefusal(403, 'origin');
        if (changes && session && !csrfMatches(req, session)) throw new ConsoleRefusal(403, 'csrf');
        // The same rule as the API's edge: text that is not well-formed (a NUL, a lone surrogate) is refused, never stored or audited.
        const fault = inputFault(req.query, 'query') ?? inputFault(req.body, 'form');
        if (fault) throw badInput('The form holds text that is not well-formed.', [fault]);
        if (needsSession && !session) {
          if (changes) throw new ConsoleRefusal(401, 'signin');
          res.redirect(303, `/auth/sign-in?return=${encodeURIComponent(req.originalUrl)}`);
          return;
        }
        const full = session ? { ...ctx, session, sessionId: sessionId!, principal: session.principal } : ctx;
        const result = await handler(full as C);
        send(res, result);
      } catch (error) {
        if (!ctx) return next(error);
        if (!isAppError(error) && !(error instanceof ConsoleRefusal)) req.log?.error({ err: error }, 'console page failed');
        try {
          const { status, body } = await renderError(ctx, error);
          if (!res.headersSent) res.status(status).type('html').send(body.text);
        } catch (failed) {
          next(failed);
        }
      }
    };
  }
  return {
    /** A page anyone may open (sign-in, errors). */
    open: (handler: (ctx: PageContext) => Promise<PageResult>) => wrap(false, handler),
    /** A page of a signed-in user. */
    signedIn: (handler: (ctx: SignedInContext) => Promise<PageResult>) => wrap(true, handler),
  };
}

function send(res: Response, result: PageResult): void {
  if (res.headersSent) return;
  if ('redirect' in result) {
    res.redirect(303, result.redirect);
  } else if ('status' in result) {
    res.status(result.status).type('html').send(result.body.text);
  } else {
    res.type('html').send(result.text);
  }
}

/** Form fields of a urlencoded body: a string, or the strings of a repeated field. */
export function field(req: Request, name: string): string {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.normalize('NFC') : '';
}
export function fieldList(req: Request, name: string): string[] {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  if (typeof value === 'string') return [value.normalize('NFC')];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string').map((v) => v.normalize('NFC')) : [];
}
export function query(req: Request, name: string): string {
  const value = req.query[name];
  return typeof value === 'string' ? value.normalize('NFC') : '';
}
export function queryList(req: Request, name: string): string[] {
  const value = req.query[name];
  if (typeof value === 'string') return value ? [value] : [];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v !== '') : [];
}
