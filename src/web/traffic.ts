import { formatSize } from '../util/units.ts';
import { percent, plural } from './format.ts';
import type { Stats } from './types.ts';

const HOUR = 3_600_000;

/** Hit rate per hour over the last 24 h as small SVG bars, and the overall figures. */
export function traffic(s: Stats, now: number): string {
  const byHour = new Map(s.hourly.map((h) => [Math.floor(Date.parse(h.at) / HOUR), h]));
  const first = Math.floor(now / HOUR) - 23;
  const bars: string[] = [];
  for (let i = 0; i < 24; i++) {
    const h = byHour.get(first + i);
    const total = h ? h.hits + h.misses : 0;
    const rate = h && total ? h.hits / total : 0;
    const tip = total ? `${percent(rate)} of ${total} requests` : 'no requests';
    const x = i * 10;
    const hit = rate * 40;
    // A full-height bar in the miss colour, the hit share drawn over it from the bottom.
    bars.push(
      `<g><title>${tip}</title><rect x="${x}" y="0" width="8" height="40" class="${total ? 'miss' : 'none'}"></rect>` +
        (hit > 0
          ? `<rect x="${x}" y="${(40 - hit).toFixed(1)}" width="8" height="${hit.toFixed(1)}" class="hit"></rect>`
          : '') +
        '</g>',
    );
  }
  const overall =
    s.hitRate === null
      ? '<b>no requests</b> in the last 24 h'
      : `<b>${percent(s.hitRate)}</b> hit rate <span class="muted">· ${plural(s.hits, 'hit')}, ${plural(s.misses, 'miss')}, ${formatSize(s.bytesServed)} served</span>`;
  return `<div class="traffic"><figure><svg viewBox="0 0 238 40" width="238" height="40" role="img" aria-label="hit rate per hour, last 24 hours">${bars.join('')}</svg>
<figcaption><span>24 h ago</span><span>now</span></figcaption></figure>
<div>${overall}<div class="muted small">one bar per hour: green hits, red misses, grey no requests</div></div></div>`;
}
