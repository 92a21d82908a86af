import type { SourceCredential } from '../credentials.js';

/** Longer paths are not plain API paths; a cap keeps error messages and logs small. */
const MAX_PATH_LENGTH = 512;

/**
 * Why a binding's `path` (or a registry's path prefix) is not a plain absolute path, or null.
 * Only letters, digits and `. _ ~ -` between single slashes pass: every way text can climb out
 * of the base URL (`//host`, a scheme, `\`, `..`, percent-encoded dots and slashes, a query or
 * fragment) is refused by name, so the publisher learns which rule it broke.
 */
export function pathFault(path: unknown): string | null {
  if (typeof path !== 'string' || path.length === 0) return 'must be a path starting with /';
  if (path.length > MAX_PATH_LENGTH) return `must be at most ${MAX_PATH_LENGTH} characters`;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(path)) return "must be a path under the credential's base URL, not a URL";
  if (path.startsWith('//')) return 'must not start with // (that names another host)';
  if (path.includes('\\')) return 'must not contain a backslash';
  if (/[?#]/.test(path)) return 'must not carry a query string or a fragment';
  if (/%(2e|2f|5c)/i.test(path)) return 'must not contain percent-encoded dots, slashes or backslashes';
  if (path.includes('%')) return 'must not be percent-encoded';
  if (!path.startsWith('/')) return 'must start with /';
  const segments = path.slice(1).split('/');
  if (segments.some((s) => s === '.' || s === '..')) return 'must not contain . or .. segments';
  // A trailing slash is kept (some APIs need it); an empty segment inside is not a path anyone means.
  if (segments.slice(0, -1).some((s) => s === '')) return 'must not contain empty segments (//)';
  if (!segments.every((s) => /^[A-Za-z0-9._~-]*$/.test(s))) return 'may hold only letters, digits and . _ ~ - between slashes';
  return null;
}

/** Whether `path` is `prefix` or below it, a whole segment at a time (`/ab` is not under `/a`). */
export function underPrefix(path: string, prefix: string): boolean {
  const root = prefix.replace(/\/+$/, '');
  return root === '' || path === root || path.startsWith(`${root}/`);
}

/**
 * What one credential lets the connector ask for: its base URL's origin, and below the base
 * URL's path only the registry's path prefix. Every URL the connector requests — the first
 * page, each redirect, each `next` link — is checked here, so a source's answer cannot send
 * the gateway to another host or another part of the same host.
 */
export class SourceScope {
  private constructor(
    private readonly base: URL,
    /** The base URL's path joined with the prefix, without a trailing slash ('' = the whole origin). */
    private readonly root: string,
    private readonly basePath: string,
    /** The registry's path prefix, which binding paths must lie under. */
    readonly prefix: string,
    /** Sent with every request: the base URL's user and password, which fetch refuses in a URL. */
    readonly authorization: string | null,
  ) {}

  /** The scope of a credential, or why it has none; messages name the credential, never its URL. */
  static of(source: SourceCredential): SourceScope | { fault: string } {
    const prefix = source.reach.pathPrefix;
    if (prefix === undefined) return { fault: `credential "${source.name}" names no path prefix, so it reaches nothing` };
    if (pathFault(prefix) !== null) return { fault: `the path prefix of credential "${source.name}" is not a plain path` };
    let base: URL;
    try {
      base = new URL(source.url ?? '');
    } catch {
      return { fault: `credential "${source.name}" has no valid base URL` };
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') return { fault: `credential "${source.name}" has no http(s) base URL` };
    let authorization: string | null = null;
    if (base.username || base.password) {
      try {
        authorization = `Basic ${Buffer.from(`${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`).toString('base64')}`;
      } catch {
        return { fault: `credential "${source.name}" has a malformed user or password in its base URL` };
      }
      base.username = '';
      base.password = '';
    }
    base.hash = '';
    const basePath = base.pathname.replace(/\/+$/, '');
    return new SourceScope(base, `${basePath}${prefix.replace(/\/+$/, '')}`, basePath, prefix, authorization);
  }

  /**
   * The URL of `path` (a binding's path, already checked by `pathFault`) below the base URL, with
   * `params`. The path is appended to the base path as text, never resolved as a URL reference,
   * so nothing in it can change the host.
   */
  first(path: string, params: Record<string, string>): URL {
    const url = new URL(this.base.href);
    url.pathname = `${this.basePath}${path}`;
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    if (!this.allows(url)) throw new Error('the binding path lies outside its credential\'s path prefix');
    return url;
  }

  /**
   * A link from the source (`next`, a redirect's Location) resolved against the URL it came
   * with, or null when it leads outside the scope. The base URL's own query (an API key, say)
   * is added where the link lacks it, since the source's links rarely repeat it.
   */
  follow(link: string, from: URL): URL | null {
    let url: URL;
    try {
      url = new URL(link, from);
    } catch {
      return null;
    }
    url.hash = '';
    if (!this.allows(url)) return null;
    for (const [name, value] of this.base.searchParams) if (!url.searchParams.has(name)) url.searchParams.append(name, value);
    return url;
  }

  /** Same origin, no user or password of its own, and a path that is the root or below it. */
  allows(url: URL): boolean {
    if (url.origin !== this.base.origin || url.username !== '' || url.password !== '') return false;
    const path = url.pathname;
    // The URL parser has already folded `..`; encoded slashes and dots are what a server might still decode into them.
    if (/%(2e|2f|5c)/i.test(path) || path.includes('\\')) return false;
    if (path.split('/').some((s) => s === '.' || s === '..')) return false;
    return underPrefix(path, this.root);
  }
}
