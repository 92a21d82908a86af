import type { ErrorCode, FaultDetail } from '../../server/errors.js';
import { isAppError } from '../../server/errors.js';
import { faultMessage } from '../fault-messages.js';
import { html, type Html } from '../html.js';
import type { MessageKey } from '../i18n/index.js';
import { ConsoleRefusal, type PageContext } from '../web.js';
import { alertBox, shell } from './layout.js';

const CODES: ErrorCode[] = ['UNAUTHENTICATED', 'FORBIDDEN', 'BAD_USER_INPUT', 'NOT_FOUND', 'CONFLICT', 'SOURCE_UNAVAILABLE', 'QUOTA_EXCEEDED'];

/** What went wrong and what to do next, in the user's language; the server's own sentence only as detail. */
export function errorBox(ctx: PageContext, error: unknown): { status: number; box: Html } {
  const { i } = ctx;
  if (error instanceof ConsoleRefusal) {
    return { status: error.status, box: alertBox('error', i.t(`refusal.${error.reason}.title`), [i.t(`refusal.${error.reason}.next`)]) };
  }
  if (isAppError(error) && CODES.includes(error.code)) {
    const code = error.code;
    const details = error.details?.length ? html`<ul>${error.details.map((d) => html`<li><code>${d.path}</code>: ${d.message}</li>`)}</ul>` : '';
    return {
      status: error.status,
      box: alertBox('error', i.t(`error.${code}.title` as MessageKey), [
        i.t(`error.${code}.next` as MessageKey),
        html`<details><summary>${i.t('error.details')}</summary><p>${error.message}</p>${details}</details>`,
      ]),
    };
  }
  return { status: 500, box: alertBox('error', i.t('error.unexpected.title'), [i.t('error.unexpected.next')]) };
}

/** The HTTP status a form shown again with its error answers with. */
export const statusOf = (error: unknown): number => (isAppError(error) ? error.status : 500);

export async function renderError(ctx: PageContext, error: unknown): Promise<{ status: number; body: Html }> {
  const { status, box } = errorBox(ctx, error);
  // htmx swaps only 2xx answers: a fragment's error is shown where the fragment would have been.
  if (ctx.partial) return { status: 200, body: box };
  return { status, body: await shell(ctx, ctx.i.t('error.page'), html`${box}<p><a href="/">${ctx.i.t('error.home')}</a></p>`) };
}

/**
 * Faults of a BAD_USER_INPUT by form field: the first segment after `input.` (or the path
 * itself), so `input.fields.2` shows at the field picker.
 */
export function faultsByField(error: unknown): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!isAppError(error) || error.code !== 'BAD_USER_INPUT') return out;
  for (const d of error.details ?? ([] as FaultDetail[])) {
    const key = d.path.replace(/^input\./, '').split('.')[0] ?? d.path;
    out.set(key, [...(out.get(key) ?? []), d.message]);
  }
  return out;
}

/** The message under a field, and the attributes that tie it to its control. */
export function fieldError(faults: Map<string, string[]>, name: string, ctx: PageContext): { attrs: Html; message: Html } {
  const list = faults.get(name);
  if (!list) return { attrs: html``, message: html`` };
  return {
    attrs: html` aria-invalid="true" aria-describedby="err-${name}"`,
    message: html`<p class="field-error" id="err-${name}">${ctx.i.t('form.invalid')}: ${list.map((m) => faultMessage(ctx.i, m)).join('; ')}</p>`,
  };
}
