import { html as escapeAll } from 'ghtml';

/**
 * Markup that is safe to insert as is: produced only by the `html` tag below, so a string from a
 * request, a dataset's metadata or a source row can never reach a page unescaped.
 */
export class Html {
  private constructor(readonly text: string) {}
  static trusted(text: string): Html {
    return new Html(text);
  }
  toString(): string {
    return this.text;
  }
}

export type Fragment = Html | string | number | boolean | null | undefined | readonly Fragment[];

/** ghtml escapes `& < > " ' \`` (so values are safe in text and in quoted attributes); nested Html passes through. */
function render(value: Fragment): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map((v) => render(v)).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeAll`${String(value)}`;
}

/** The typed template tag of every page and fragment. */
export function html(literals: TemplateStringsArray, ...values: Fragment[]): Html {
  let out = literals[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (literals[i + 1] ?? '');
  });
  return Html.trusted(out);
}

/**
 * An in-console link target: only a path of this site, so a value from a request (a return
 * address, say) can never become `javascript:` or another site.
 */
export function localPath(value: unknown, fallback = '/'): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return fallback;
  return /^[\x21-\x7e]*$/.test(value) ? value : fallback;
}

/** JSON for a `<script type="application/json">` block: `<` escaped so no value can close the element. */
export function jsonScript(value: unknown): Html {
  return Html.trusted(JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029'));
}
