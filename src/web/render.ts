import { formatSize } from '../util/units.ts';
import { activity } from './activity.ts';
import { esc, plural } from './format.ts';
import { rootTable } from './roots.ts';
import { STYLE } from './style.ts';
import { traffic } from './traffic.ts';
import type { CacheView } from './types.ts';
import { usage } from './usage.ts';

function card({ stats: s, public: pub, url }: CacheView, now: number): string {
  return `<article class="cache" data-cache="${esc(s.cache)}">
<h2>${esc(s.cache)} <span class="badge${pub ? ' public' : ''}">${pub ? 'public' : 'private'}</span><span class="url muted">${esc(url)}</span><span class="muted small">${formatSize(s.totalBytes)} in ${plural(s.roots, 'root')}</span></h2>
${usage(s)}${traffic(s, now)}
<div class="grid">${rootTable('Most valuable', s.mostValuable, 'no roots yet')}${rootTable('Next to be evicted', s.nextToEvict, 'nothing evictable: every root is tier 1')}</div>
<div class="grid">${activity(s, now)}</div></article>`;
}

const SIGN_IN = `<form method="post" action="/login"><label for="token">Private caches: run <code>larder dashboard</code> for a sign-in link, or paste a token</label>
<input type="password" id="token" name="token" autocomplete="off" required><button>Sign in</button></form>`;

const SIGN_OUT = `<form method="post" action="/logout"><span class="muted">signed in</span><button>Sign out</button></form>`;

/** The whole dashboard page; every text from data goes through `esc`. */
export function renderDashboard(
  caches: CacheView[],
  opts: { signedIn: boolean; now: number; message?: string | undefined },
): string {
  const body = caches.length
    ? caches.map((c) => card(c, opts.now)).join('\n')
    : `<p class="muted">${opts.signedIn ? 'No caches this token can pull from.' : 'No public caches. Sign in to see private ones.'}</p>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>larder</title><style>${STYLE}</style></head><body>
<header><h1>larder</h1><span class="muted">${plural(caches.length, 'cache')}</span>${opts.signedIn ? SIGN_OUT : SIGN_IN}</header>
${opts.message ? `<p class="notice" role="alert">${esc(opts.message)}</p>` : ''}
${body}
<footer>Sizes count stored (compressed) NAR bytes. <sup>*</sup> rebuild time estimated from size. Value = rebuild seconds × use ÷ MiB freed; the lowest goes first, tier 3 before tier 2, tier 1 never.</footer>
</body></html>`;
}
