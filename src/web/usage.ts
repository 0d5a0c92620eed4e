import { formatSize } from '../util/units.ts';
import { percent } from './format.ts';
import type { Stats } from './types.ts';

const TIERS = [
  ['t1', 'tier 1', 'kept'],
  ['t2', 'tier 2', 'kept while there is room'],
  ['t3', 'tier 3', 'short TTL'],
] as const;

/** Size per tier against the quota: a stacked bar (tier 1, 2, 3, free) and its legend. */
export function usage(s: Stats): string {
  const whole = Math.max(s.quota ?? 0, s.totalBytes, 1);
  const free = s.quota === null ? 0 : Math.max(0, s.quota - s.totalBytes);
  const seg = (cls: string, bytes: number, label: string) =>
    bytes > 0
      ? `<div class="seg ${cls}" style="width:${((100 * bytes) / whole).toFixed(2)}%" title="${label}: ${formatSize(bytes)}"></div>`
      : '';
  const bytes = [s.bytesPerTier[1], s.bytesPerTier[2], s.bytesPerTier[3]];
  const segs = TIERS.map(([cls, label], i) => seg(cls, bytes[i] ?? 0, label)).join('');
  const keys = TIERS.map(
    ([cls, label, meaning], i) =>
      `<span title="${meaning}"><i class="k ${cls}"></i>${label} <b>${formatSize(bytes[i] ?? 0)}</b></span>`,
  ).join('');
  // Without a quota a full-width bar would read as "full": a thin one shows only the split.
  const headline =
    s.quota === null
      ? `<b>${formatSize(s.totalBytes)}</b> <span class="muted">· no quota; the bar shows the split by tier</span>`
      : `<b>${formatSize(s.totalBytes)}</b> of ${formatSize(s.quota)} quota <span class="muted">· ${percent(s.totalBytes / s.quota)} used</span>`;
  const freeKey =
    s.quota === null ? '' : `<span><i class="k free"></i>free <b>${formatSize(free)}</b></span>`;
  return `<div class="usage"><div class="headline">${headline}</div>
<div class="bar${s.quota === null ? ' split' : ''}" role="img" aria-label="size per tier against the quota">${segs}${seg('free', free, 'free')}</div>
<div class="legend">${keys}${freeKey}</div></div>`;
}
