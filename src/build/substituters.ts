import { readFile } from 'node:fs/promises';
import { send, withRetries } from '../client/http.ts';
import { runNix } from '../client/nix-cli.ts';
import { parseNarInfo } from '../nix/index.ts';

/** A binary cache Nix substitutes from, as `nix show-config` lists it. */
export interface Substituter {
  url: string;
  /** From its nix-cache-info; lower is asked first (Nix's order). */
  priority: number;
  /** A larder cache of the logged-in server, which hears about skipped builds. */
  larderCache: string | undefined;
}

export interface FetchSource {
  path: string;
  substituter: string;
  fileSize: number;
  narSize: number;
}

/** Per substituter: how many of the fetched paths it serves, and their bytes. */
export interface SubstituterShare {
  url: string;
  paths: number;
  downloadBytes: number;
  unpackedBytes: number;
}

export interface LarderServer {
  server: string;
  token: string | undefined;
}

/** Nix's configured substituters, in the order Nix asks them. */
export async function nixSubstituters(
  store: string | undefined,
  larder: LarderServer | undefined,
): Promise<Substituter[]> {
  const conf = JSON.parse(await runNix('nix', ['show-config', '--json'], { store })) as Record<
    string,
    { value: unknown }
  >;
  const urls = [
    ...((conf.substituters?.value as string[] | undefined) ?? []),
    ...((conf['extra-substituters']?.value as string[] | undefined) ?? []),
  ].filter(Boolean);
  const subs = await Promise.all(
    [...new Set(urls)].map(async (url, order) => {
      const info = await fetchText(`${url}/nix-cache-info`, larder).catch(() => undefined);
      const m = info ? /^Priority:\s*(\d+)/m.exec(info) : null;
      return {
        url,
        priority: m ? Number(m[1]) : 50,
        larderCache: larderCacheOf(url, larder),
        order,
      };
    }),
  );
  // Nix sorts substituters by priority, keeping the configured order among equals.
  return subs
    .sort((a, b) => a.priority - b.priority || a.order - b.order)
    .map(({ order: _, ...s }) => s);
}

function larderCacheOf(url: string, larder: LarderServer | undefined): string | undefined {
  if (!larder) return undefined;
  const prefix = `${larder.server}/`;
  if (!url.startsWith(prefix)) return undefined;
  const rest = url.slice(prefix.length).replace(/\/+$/, '');
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(rest) ? rest : undefined;
}

async function fetchText(
  url: string,
  larder: LarderServer | undefined,
): Promise<string | undefined> {
  if (url.startsWith('file://')) {
    return readFile(new URL(url), 'utf8').catch(() => undefined);
  }
  const headers: Record<string, string> = {};
  if (larder?.token && url.startsWith(`${larder.server}/`))
    headers.authorization = `Bearer ${larder.token}`;
  const res = await withRetries(`GET ${url}`, () => send('GET', url, { headers }), { attempts: 3 });
  return res.status === 200 ? res.body : undefined;
}

/**
 * Which substituter each fetched path comes from: the first, in Nix's order, that has its
 * narinfo; with the narinfo's exact sizes. Paths no substituter answers for stay out.
 */
export async function locateFetches(
  paths: string[],
  subs: Substituter[],
  storeDir: string,
  larder: LarderServer | undefined,
  concurrency = 16,
): Promise<FetchSource[]> {
  const found: FetchSource[] = [];
  const queue = [...paths];
  const worker = async () => {
    for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
      const hash = path.slice(storeDir.length + 1, storeDir.length + 33);
      for (const sub of subs) {
        const text = await fetchText(`${sub.url}/${hash}.narinfo`, larder).catch(() => undefined);
        if (!text) continue;
        try {
          const info = parseNarInfo(text, storeDir);
          found.push({
            path,
            substituter: sub.url,
            fileSize: info.fileSize ?? info.narSize,
            narSize: info.narSize,
          });
          break;
        } catch {
          // A narinfo Nix would also reject: try the next substituter, as Nix does.
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, paths.length) }, worker));
  return found.sort((a, b) => a.path.localeCompare(b.path));
}

/** Totals per substituter, in the order of `subs`. */
export function shareBySubstituter(found: FetchSource[], subs: Substituter[]): SubstituterShare[] {
  return subs
    .map((s) => {
      const mine = found.filter((f) => f.substituter === s.url);
      return {
        url: s.url,
        paths: mine.length,
        downloadBytes: mine.reduce((n, f) => n + f.fileSize, 0),
        unpackedBytes: mine.reduce((n, f) => n + f.narSize, 0),
      };
    })
    .filter((s) => s.paths > 0);
}
