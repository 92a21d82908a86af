type Form = Record<string, string | string[]>;
type Headers = Record<string, string | null>;

/**
 * A browser's part in plain HTTP: one cookie jar (cookies are not per port, so as in a browser
 * one jar serves the gateway and a provider on another loopback port), the Origin a page would
 * send with a form, and no redirect followed unless asked.
 */
export class HttpSession {
  readonly cookies = new Map<string, string>();
  constructor(
    readonly base: string,
    /** The Origin sent with forms to the gateway (a page of another site sends its own). */
    readonly origin: string = base,
  ) {}

  private remember(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /** A request to a path of the gateway or to an absolute URL; `form` makes it a form POST. */
  async go(target: string, init: { form?: Form; headers?: Headers } = {}): Promise<Response> {
    const url = target.startsWith('/') ? `${this.base}${target}` : target;
    const all: Record<string, string> = { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
    let body: URLSearchParams | undefined;
    if (init.form) {
      body = new URLSearchParams();
      for (const [k, v] of Object.entries(init.form)) for (const value of Array.isArray(v) ? v : [v]) body.append(k, value);
      all['content-type'] = 'application/x-www-form-urlencoded';
      all['origin'] = url.startsWith(`${this.base}/`) ? this.origin : new URL(url).origin;
    }
    for (const [k, v] of Object.entries(init.headers ?? {})) {
      if (v === null) delete all[k];
      else all[k] = v;
    }
    const response = await fetch(url, { method: body ? 'POST' : 'GET', redirect: 'manual', headers: all, ...(body ? { body } : {}) });
    this.remember(response);
    return response;
  }

  get(path: string): Promise<Response> {
    return this.go(path);
  }

  post(path: string, form: Form, headers: Headers = {}): Promise<Response> {
    return this.go(path, { form, headers });
  }

  /** Follows redirects like a browser; returns the last response and its URL. */
  async follow(target: string, init: { form?: Form } = {}): Promise<{ response: Response; url: string }> {
    let url = target.startsWith('/') ? `${this.base}${target}` : target;
    let response = await this.go(url, init);
    while (response.status >= 300 && response.status < 400) {
      url = new URL(response.headers.get('location')!, url).href;
      response = await this.go(url);
    }
    return { response, url };
  }

  /** The CSRF token of a signed-in page, as its forms carry it. */
  async csrf(path = '/my/requests'): Promise<string> {
    const html = await (await this.get(path)).text();
    const match = /name="_csrf" value="([^"]+)"/.exec(html);
    if (!match) throw new Error(`no CSRF token on ${path}`);
    return match[1]!;
  }
}
