import type { Dataset } from '../../server/catalogue/dataset.js';
import type { MaskSpec } from '../../server/catalogue/record-schema.js';
import { html, type Html } from '../html.js';
import type { MessageKey } from '../i18n/index.js';
import type { PageContext } from '../web.js';

export const titleOf = (ctx: PageContext, d: Pick<Dataset, 'title' | 'titleEn'>) => (ctx.i.lang === 'en' && d.titleEn ? d.titleEn : d.title);
export const descriptionOf = (ctx: PageContext, d: Pick<Dataset, 'description' | 'descriptionEn'>) => (ctx.i.lang === 'en' && d.descriptionEn ? d.descriptionEn : d.description);

export const classificationPill = (ctx: PageContext, c: string): Html => html`<span class="pill ${c}">${ctx.i.t(`classification.${c}` as MessageKey)}</span>`;
export const statusPill = (ctx: PageContext, s: string): Html => html`<span class="pill ${s}">${ctx.i.t(`status.${s}` as MessageKey)}</span>`;

export function maskLabel(ctx: PageContext, mask: MaskSpec | undefined): string {
  if (!mask) return '—';
  const name = ctx.i.t(`mask.${mask.strategy}`);
  return mask.strategy === 'PARTIAL' ? `${name} (${mask.keepStart ?? 0}/${mask.keepEnd ?? 0})` : name;
}

/** A source value in a table cell: text as is (escaped), other values as JSON, absent ones as a dash. */
export function cell(value: unknown): Html {
  if (value === null || value === undefined) return html`<span class="muted">—</span>`;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return html`${String(value)}`;
  if (value instanceof Date) return html`${value.toISOString()}`;
  return html`<code>${JSON.stringify(value)}</code>`;
}

/** `YYYY-MM-DD` of a date in Vietnam's time, for date inputs. */
export const isoDay = (at: Date) => new Date(at.getTime() + 7 * 3600_000).toISOString().slice(0, 10);

/** The end of a day given as `YYYY-MM-DD`, in Vietnam's time; null when it is not such a day. */
export function endOfDay(value: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  const at = new Date(`${value}T23:59:59+07:00`);
  return Number.isNaN(at.getTime()) || isoDay(at) !== value ? null : at;
}
