import { lstatSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatSize } from '../util/units.ts';
import { Api } from './api.ts';
import { ClientError } from './errors.ts';
import { runNix, runNixWithOutput } from './nix-cli.ts';
import { narSizes, parseDryRun } from './pull-plan.ts';
import { realise } from './pull-realise.ts';
import { resolveInstallables } from './push/index.ts';
import type { ServerSettings } from './settings.ts';

export interface PullOptions {
  cache: string;
  /** Store paths, `./result`-style links to them, or `.drv` files (their outputs). */
  installables: string[];
  /** Also every root of these tiers (`--tier 1,2`). */
  tiers?: number[] | undefined;
  /** The Nix store to fill (`--store`, e.g. a chroot store); default: Nix's own. */
  store?: string | undefined;
  /** Draw progress on stderr (a terminal, not --json). */
  progress?: boolean;
}

export interface PullSummary {
  cache: string;
  /** Store paths asked for, after resolving links and .drv files. */
  requested: number;
  /** Paths of their closures Nix substituted, and those already in the store. */
  fetched: number;
  alreadyPresent: number;
  downloadBytes: number;
  unpackedBytes: number;
  fetchedPaths: string[];
}

const isLink = (p: string) => {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
};

/** Only what names store paths outright: anything evaluated could make Nix build. */
async function storePaths(args: string[], store: string | undefined, storeDir: string) {
  for (const arg of args) {
    if (!arg.startsWith(`${storeDir}/`) && !isLink(arg)) {
      throw new ClientError(
        `${arg}: not a store path, a link to one (./result) or a .drv file; pull fetches what is already built`,
        { exitCode: 2 },
      );
    }
  }
  return resolveInstallables(args, { store, storeDir });
}

/**
 * Runs `fn` with a netrc holding the token for the cache's host, in a fresh private temp
 * dir that is removed afterwards, also on SIGINT/SIGTERM.
 */
async function withNetrc<T>(
  url: string,
  token: string | undefined,
  fn: (file: string | undefined) => Promise<T>,
): Promise<T> {
  if (!token) return fn(undefined);
  const dir = mkdtempSync(join(tmpdir(), 'larder-pull-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  const onSignal = (signal: NodeJS.Signals) => {
    cleanup();
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    const file = join(dir, 'netrc');
    const host = new URL(url).hostname;
    writeFileSync(file, `machine ${host} login larder password ${token}\n`, { mode: 0o600 });
    return await fn(file);
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    cleanup();
  }
}

/**
 * Fetches closures into the store ahead of time through Nix's own substitution, with the
 * cache as an extra substituter and its key trusted for this command only, so it works
 * without `larder use`. A dry run first names what is missing and what will come; sizes are
 * the narinfos' exact figures where the cache has every path, else Nix's rounded totals.
 */
export async function pull(settings: ServerSettings, opts: PullOptions): Promise<PullSummary> {
  const api = new Api(settings);
  const cache = await api.cache(opts.cache);
  const paths = await storePaths(opts.installables, opts.store, cache.storeDir);
  if (opts.tiers?.length) {
    const { roots } = await api.request<{ roots: { path: string }[] }>(
      'GET',
      `/_api/v1/${encodeURIComponent(opts.cache)}/roots?tier=${opts.tiers.join(',')}`,
    );
    paths.push(...roots.map((r) => r.path).filter((p) => !paths.includes(p)));
  }
  const summary: PullSummary = {
    cache: opts.cache,
    requested: paths.length,
    fetched: 0,
    alreadyPresent: 0,
    downloadBytes: 0,
    unpackedBytes: 0,
    fetchedPaths: [],
  };
  if (paths.length === 0) return summary;

  return withNetrc(cache.url, settings.token, async (netrcFile) => {
    const options: Record<string, string> = {
      'extra-substituters': cache.url,
      'extra-trusted-public-keys': cache.publicKey,
      // A lookup that missed before the push would otherwise be believed for an hour
      // (Nix's default narinfo-cache-negative-ttl), exactly when a consumer warms up.
      'narinfo-cache-negative-ttl': '0',
    };
    if (netrcFile) options['netrc-file'] = netrcFile;
    const nix = { store: opts.store, options };
    const { stderr } = await runNixWithOutput(
      'nix-store',
      ['--realise', '--dry-run', ...paths],
      nix,
    );
    if (stderr.includes(`ignoring untrusted substituter '${cache.url}'`)) {
      throw new ClientError(
        `the Nix daemon ignores ${cache.url} because you are not a trusted user: \`larder use ${opts.cache} --print\` shows what root must add to nix.conf`,
      );
    }
    const dry = parseDryRun(stderr);
    const missing = [...dry.missing, ...dry.build];
    if (missing.length) {
      throw new ClientError(
        `cache ${opts.cache} does not have ${missing.join(', ')} (nor does any other substituter, and it is not in the local store)`,
      );
    }
    const sizes = await narSizes(cache.url, settings.token, dry.fetch, cache.storeDir);
    const exact = sizes.size === dry.fetch.length;
    const sum = (k: 'fileSize' | 'narSize') => [...sizes.values()].reduce((n, s) => n + s[k], 0);
    const downloadBytes = exact ? sum('fileSize') : dry.downloadBytes;
    if (dry.fetch.length) {
      let started = 0;
      const draw = () =>
        process.stderr.write(
          `\r\x1b[2Kfetching ${started}/${dry.fetch.length} paths (${formatSize(downloadBytes)}) from ${opts.cache}`,
        );
      if (opts.progress) draw();
      await realise(paths, {
        ...nix,
        onLine: (line) => {
          if (!opts.progress || !line.startsWith('copying path')) return;
          started++;
          draw();
        },
      }).finally(() => opts.progress && process.stderr.write('\r\x1b[2K'));
    }
    const closure = (await runNix('nix-store', ['--query', '--requisites', ...paths], nix))
      .split('\n')
      .filter(Boolean);
    return {
      ...summary,
      fetched: dry.fetch.length,
      alreadyPresent: closure.length - dry.fetch.length,
      downloadBytes,
      unpackedBytes: exact ? sum('narSize') : dry.unpackedBytes,
      fetchedPaths: dry.fetch,
    };
  });
}
