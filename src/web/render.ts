import type { cacheStats } from '../retention/index.ts';
import { formatSize } from '../util/units.ts';

type Stats = Awaited<ReturnType<typeof cacheStats>>;

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const name = (baseName: string) => esc(baseName.slice(33));
const ago = (iso: string, now: number) => {
  const m = Math.round((now - Date.parse(iso)) / 60_000);
  return m < 1
    ? 'just now'
    : m < 60
      ? `${m} min ago`
      : m < 2880
        ? `${Math.round(m / 60)} h ago`
        : `${Math.round(m / 1440)} d ago`;
};

/** A stacked bar: tier 1, tier 2, tier 3 and free space against the quota (or the total). */
function tierBar(s: Stats): string {
  const t = s.bytesPerTier;
  const whole = Math.max(s.quota ?? 0, s.totalBytes, 1);
  const seg = (cls: string, bytes: number, label: string) =>
    bytes > 0
      ? `<div class="seg ${cls}" style="width:${((100 * bytes) / whole).toFixed(2)}%" title="${label}: ${formatSize(bytes)}"></div>`
      : '';
  const free = s.quota === null ? 0 : Math.max(0, s.quota - s.totalBytes);
  return `<div class="bar">${seg('t1', t[1], 'tier 1')}${seg('t2', t[2], 'tier 2')}${seg('t3', t[3], 'tier 3')}${seg('free', free, 'free')}</div>
<div class="legend"><span class="k t1"></span>tier 1 ${formatSize(t[1])} <span class="k t2"></span>tier 2 ${formatSize(t[2])} <span class="k t3"></span>tier 3 ${formatSize(t[3])}
${s.quota === null ? '<span class="muted">no quota</span>' : `<span class="k free"></span>free ${formatSize(free)} of ${formatSize(s.quota)} quota (${((100 * s.totalBytes) / s.quota).toFixed(0)}% used)`}</div>`;
}

/** Hit rate per hour over the last 24 h, as small SVG bars. */
function hitChart(s: Stats, now: number): string {
  const hours = new Map(s.hourly.map((h) => [Math.floor(Date.parse(h.at) / 3_600_000), h]));
  const first = Math.floor(now / 3_600_000) - 23;
  const bars: string[] = [];
  for (let i = 0; i < 24; i++) {
    const h = hours.get(first + i);
    const total = h ? h.hits + h.misses : 0;
    const rate = total ? (h?.hits ?? 0) / total : 0;
    const height = rate * 40;
    bars.push(
      `<rect x="${i * 10}" y="0" width="8" height="40" class="${total ? 'miss' : 'none'}"></rect><rect x="${i * 10}" y="${40 - height}" width="8" height="${height}" class="hit"><title>${total ? `${(100 * rate).toFixed(0)}% of ${total}` : 'no requests'}</title></rect>`,
    );
  }
  const overall =
    s.hitRate === null
      ? 'no requests yet'
      : `${(100 * s.hitRate).toFixed(1)}% hit rate (${s.hits} hits, ${s.misses} misses, ${formatSize(s.bytesServed)} served, 24 h)`;
  return `<div class="hits"><svg viewBox="0 0 240 40" width="240" height="40" role="img" aria-label="hit rate per hour">${bars.join('')}</svg><span>${overall}<br><span class="muted">last 24 h, one bar per hour: green hits, red misses</span></span></div>`;
}

function rootTable(title: string, roots: Stats['mostValuable'], empty: string): string {
  const rows = roots
    .map(
      (r) =>
        `<tr><td>${name(r.path)}</td><td class="tier t${r.tier}">${r.tier}</td><td>${formatSize(r.exclusiveBytes)}</td><td>${r.rebuildSeconds >= 60 ? `${Math.round(r.rebuildSeconds / 60)} min` : `${r.rebuildSeconds} s`}${r.rebuildEstimated ? '*' : ''}</td><td>${r.value.toPrecision(3)}</td></tr>`,
    )
    .join('');
  return `<section><h3>${title}</h3>${roots.length ? `<table><tr><th>root</th><th>tier</th><th>frees</th><th>rebuild</th><th>value</th></tr>${rows}</table>` : `<p class="muted">${empty}</p>`}</section>`;
}

function recent(s: Stats, now: number): string {
  const pushes = s.recentPushes
    .map(
      (p) =>
        `<li>${name(p.baseName)} <span class="muted">${formatSize(p.bytes)}, ${ago(p.createdAt, now)}</span></li>`,
    )
    .join('');
  const evictions = s.recentEvictions
    .map(
      (e) =>
        `<li>${name(e.baseName)} <span class="muted">tier ${e.tier}, ${formatSize(e.bytes)}, ${e.reason}, ${ago(e.at, now)}</span></li>`,
    )
    .join('');
  return `<section><h3>Recent pushes</h3>${pushes ? `<ul>${pushes}</ul>` : '<p class="muted">none</p>'}</section>
<section><h3>Recent evictions</h3>${evictions ? `<ul>${evictions}</ul>` : '<p class="muted">none</p>'}</section>`;
}

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#222;padding:0 16px}
h1{font-size:20px}h2{font-size:17px;margin:0 0 8px}h3{font-size:13px;text-transform:uppercase;color:#666;margin:12px 0 4px}
.cache{border:1px solid #ddd;border-radius:8px;padding:16px;margin:16px 0}.grid{display:grid;grid-template-columns:1fr 1fr;gap:0 24px}
.bar{display:flex;height:18px;background:#f3f3f3;border-radius:4px;overflow:hidden}.seg{height:100%}
.t1{background:#2e7d32}.t2{background:#1e88e5}.t3{background:#fb8c00}.free{background:#e8e8e8}
.legend{margin:6px 0 10px;font-size:12px}.k{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px;border-radius:2px}
.hits{display:flex;gap:12px;align-items:center}.hits rect.none{fill:#f3f3f3}.hits rect.miss{fill:#ef9a9a}.hits rect.hit{fill:#43a047}
table{border-collapse:collapse;width:100%;font-size:12px}td,th{padding:3px 6px;border-bottom:1px solid #eee;text-align:left}
td.tier{color:#fff;text-align:center;border-radius:3px}ul{margin:0;padding-left:18px;font-size:12px}.muted{color:#888}
form{margin:12px 0}input[type=password]{width:360px}`;

/** The whole dashboard page. */
export function renderDashboard(
  all: { stats: Stats; public: boolean; url: string }[],
  opts: { signedIn: boolean; now: number; message?: string },
): string {
  const caches = all
    .map(
      ({ stats: s, public: pub, url }) => `<div class="cache" data-cache="${esc(s.cache)}">
<h2>${esc(s.cache)} <span class="muted">${pub ? 'public' : 'private'} · ${esc(url)} · ${formatSize(s.totalBytes)} in ${s.roots} root${s.roots === 1 ? '' : 's'}</span></h2>
${tierBar(s)}${hitChart(s, opts.now)}
<div class="grid">${rootTable('Most valuable', s.mostValuable, 'no roots')}${rootTable('Next to be evicted', s.nextToEvict, 'nothing evictable: all tier 1')}</div>
<div class="grid">${recent(s, opts.now)}</div></div>`,
    )
    .join('');
  const signIn = opts.signedIn
    ? ''
    : `<form method="post" action="/login"><label>Private caches: sign in with <code>larder dashboard</code>, or paste a token
<input type="password" name="token" autocomplete="off"></label> <button>Sign in</button></form>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>larder</title><style>${STYLE}</style></head><body><h1>larder</h1>${opts.message ? `<p><strong>${esc(opts.message)}</strong></p>` : ''}
${caches || '<p class="muted">No caches to show.</p>'}${signIn}
<p class="muted">* rebuild time estimated from size. Value = rebuild seconds × use ÷ MiB freed; lowest goes first.</p></body></html>`;
}
