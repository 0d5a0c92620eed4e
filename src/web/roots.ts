import { formatSize } from '../util/units.ts';
import { duration, esc, storeName, value } from './format.ts';
import type { Stats } from './types.ts';

type Root = Stats['mostValuable'][number];

const row = (r: Root) =>
  `<tr><td class="name">${storeName(r.path)}</td>` +
  `<td><span class="tier t${r.tier}" title="${esc(r.tierReason)}">${r.tier}</span></td>` +
  `<td class="num">${formatSize(r.exclusiveBytes)}</td>` +
  `<td class="num">${duration(r.rebuildSeconds)}${r.rebuildEstimated ? '<sup title="estimated from size">*</sup>' : ''}</td>` +
  `<td class="num">${value(r.value)}</td></tr>`;

/** A table of roots with tier, bytes evicting each would free, rebuild time and value. */
export function rootTable(title: string, roots: Root[], empty: string): string {
  const head =
    '<tr><th>root</th><th>tier</th><th class="num" title="bytes evicting it would free">frees</th><th class="num">rebuild</th><th class="num">value</th></tr>';
  const body = roots.length
    ? `<table>${head}${roots.map(row).join('')}</table>`
    : `<p class="muted">${esc(empty)}</p>`;
  return `<section><h3>${esc(title)}</h3>${body}</section>`;
}
