/** A browser's part in plain HTTP: one cookie jar, the Origin a page of `origin` would send, no redirects followed. */
export class HttpSession {
  readonly cookies = new Map<string, string>();
  constructor(
    readonly base: string,
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

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async get(path: string): Promise<Response> {
    const response = await fetch(`${this.base}${path}`, { redirect: 'manual', headers: { cookie: this.cookieHeader() } });
    this.remember(response);
    return response;
  }

  async post(path: string, form: Record<string, string | string[]>, headers: Record<string, string | null> = {}): Promise<Response> {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(form)) for (const value of Array.isArray(v) ? v : [v]) body.append(k, value);
    const all: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', cookie: this.cookieHeader(), origin: this.origin };
    for (const [k, v] of Object.entries(headers)) {
      if (v === null) delete all[k];
      else all[k] = v;
    }
    const response = await fetch(`${this.base}${path}`, { method: 'POST', redirect: 'manual', headers: all, body });
    this.remember(response);
    return response;
  }

  /** The CSRF token of a signed-in page, as its forms carry it. */
  async csrf(path = '/my/requests'): Promise<string> {
    const html = await (await this.get(path)).text();
    const match = /name="_csrf" value="([^"]+)"/.exec(html);
    if (!match) throw new Error(`no CSRF token on ${path}`);
    return match[1]!;
  }
}
