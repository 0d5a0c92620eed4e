import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api } from './api.ts';
import { ClientError } from './errors.ts';
import { runNixWithOutput } from './nix-cli.ts';
import { resolveInstallables } from './push/index.ts';
import type { ServerSettings } from './settings.ts';

export interface PullOptions {
  cache: string;
  installables: string[];
  /** Also every root of these tiers (`--tier 1,2`). */
  tiers?: number[] | undefined;
  store?: string | undefined;
}

export interface PullSummary {
  cache: string;
  requested: number;
  fetched: number;
  alreadyPresent: number;
  downloadBytes: number;
  unpackedBytes: number;
}

const MIB = 1024 * 1024;

/** Nix's dry-run summary: `these N paths will be fetched (X MiB download, Y MiB unpacked):`. */
export function parseDryRun(stderr: string): {
  fetch: string[];
  download: number;
  unpacked: number;
  unbuildable: string[];
} {
  const section = (head: RegExp) => {
    const lines = stderr.split('\n');
    const at = lines.findIndex((l) => head.test(l));
    if (at < 0) return [];
    const out: string[] = [];
    for (const l of lines.slice(at + 1)) {
      if (!/^\s+\//.test(l)) break;
      out.push(l.trim());
    }
    return out;
  };
  const m = /will be fetched \(([\d.]+) MiB download, ([\d.]+) MiB unpacked\)/.exec(stderr);
  return {
    fetch: section(/will be fetched/),
    download: m ? Math.round(Number(m[1]) * MIB) : 0,
    unpacked: m ? Math.round(Number(m[2]) * MIB) : 0,
    unbuildable: section(/don't know how to build these paths|will be built/),
  };
}

/**
 * Fetches closures into the local store ahead of time through Nix's own substitution,
 * with this cache as an extra substituter and its key trusted for the command, and the
 * token in a temporary netrc (mode 0600, removed afterwards).
 */
export async function pull(settings: ServerSettings, opts: PullOptions): Promise<PullSummary> {
  const api = new Api(settings);
  const cache = await api.cache(opts.cache);
  const paths = await resolveInstallables(opts.installables, {
    store: opts.store,
    storeDir: cache.storeDir,
  });
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
  };
  if (paths.length === 0) return summary;

  const dir = mkdtempSync(join(tmpdir(), 'larder-pull-'));
  try {
    const options: Record<string, string> = {
      'extra-substituters': cache.url,
      'extra-trusted-public-keys': cache.publicKey,
    };
    if (settings.token) {
      const host = new URL(cache.url).hostname;
      writeFileSync(
        join(dir, 'netrc'),
        `machine ${host} login larder password ${settings.token}\n`,
        { mode: 0o600 },
      );
      options['netrc-file'] = join(dir, 'netrc');
    }
    const dry = parseDryRun(
      (
        await runNixWithOutput('nix-store', ['--realise', '--dry-run', ...paths], {
          store: opts.store,
          options,
        })
      ).stderr,
    );
    if (dry.unbuildable.length) {
      throw new ClientError(
        `cache ${opts.cache} does not have ${dry.unbuildable.join(', ')} (and it is not in the local store)`,
      );
    }
    await runNixWithOutput('nix-store', ['--realise', ...paths], { store: opts.store, options });
    const fetchedRoots = paths.filter((p) => dry.fetch.includes(p)).length;
    return {
      ...summary,
      fetched: dry.fetch.length,
      alreadyPresent: paths.length - fetchedRoots,
      downloadBytes: dry.download,
      unpackedBytes: dry.unpacked,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
