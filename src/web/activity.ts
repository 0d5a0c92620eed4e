import { formatSize } from '../util/units.ts';
import { ago, esc, storeName } from './format.ts';
import type { Stats } from './types.ts';

const REASONS: Record<string, string> = { quota: 'over quota', 'tier3-ttl': 'tier 3 TTL' };

const list = (title: string, items: string[]) =>
  `<section><h3>${title}</h3>${items.length ? `<ul>${items.join('')}</ul>` : '<p class="muted">none</p>'}</section>`;

const item = (baseName: string, detail: string, when: string) =>
  `<li><span class="name">${storeName(baseName)}</span> <span class="muted">${detail}</span><span class="when">${when}</span></li>`;

/** Recent pushes and recent evictions, newest first. */
export function activity(s: Stats, now: number): string {
  const pushes = s.recentPushes.map((p) =>
    item(p.baseName, formatSize(p.bytes), ago(p.createdAt, now)),
  );
  const evictions = s.recentEvictions.map((e) =>
    item(
      e.baseName,
      `tier ${e.tier} · ${formatSize(e.bytes)} · ${esc(REASONS[e.reason] ?? e.reason)}`,
      ago(e.at, now),
    ),
  );
  return list('Recent pushes', pushes) + list('Recent evictions', evictions);
}
