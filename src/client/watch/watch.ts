import { watch } from 'node:fs';
import { ClientError } from '../errors.ts';
import { runNix } from '../nix-cli.ts';
import { push } from '../push/index.ts';
import type { ServerSettings } from '../settings.ts';
import { DiskQueue } from './queue.ts';

export interface WatchOptions {
  cache: string;
  store?: string | undefined;
  storeDir?: string;
  queueFile: string;
  /** How long to gather new paths before pushing them as one batch. */
  batchMs?: number;
  log: (line: string) => void;
  signal?: AbortSignal;
}

const STORE_ENTRY = /^[0-9a-df-np-sv-z]{32}-[A-Za-z0-9+._?=-]+$/;

/** Of these paths, the ones valid in the store now (a path appears before it is registered). */
export async function validPaths(
  paths: string[],
  store?: string,
): Promise<{ valid: string[]; invalid: string[] }> {
  if (paths.length === 0) return { valid: [], invalid: [] };
  const out = await runNix('nix', ['path-info', '--json', ...paths], { store });
  const infos = JSON.parse(out) as { path: string; valid?: boolean }[];
  const invalid = new Set(infos.filter((i) => i.valid === false).map((i) => i.path));
  return { valid: paths.filter((p) => !invalid.has(p)), invalid: [...invalid] };
}

/** Pushes what the queue holds; what was pushed leaves the queue, the rest stays for next time. */
export async function drainQueue(
  settings: ServerSettings,
  queue: DiskQueue,
  opts: WatchOptions,
): Promise<number> {
  const queued = queue.list();
  if (queued.length === 0) return 0;
  const { valid, invalid } = await validPaths(queued, opts.store);
  if (invalid.length) {
    opts.log(`dropping ${invalid.length} path(s) no longer in the store: ${invalid.join(' ')}`);
    queue.remove(invalid);
  }
  if (valid.length === 0) return 0;
  const s = await push(settings, { cache: opts.cache, installables: valid, store: opts.store });
  queue.remove(valid);
  opts.log(`pushed ${s.uploaded} path(s) to ${opts.cache} (${s.skipped} already there)`);
  return s.uploaded;
}

/**
 * Watches the store directory (inotify through fs.watch) and pushes every new path's
 * closure. New names are queued on disk first, then pushed in batches once Nix has
 * registered them; failures leave them queued and are retried with backoff.
 */
export async function watchStore(settings: ServerSettings, opts: WatchOptions): Promise<void> {
  const storeDir = opts.storeDir ?? '/nix/store';
  const realDir = opts.store ? `${opts.store}${storeDir}` : storeDir;
  let queue = new DiskQueue(opts.queueFile);
  const seen = new Map<string, number>();
  let watcher: ReturnType<typeof watch>;
  try {
    watcher = watch(realDir, { persistent: true }, (_event, name) => {
      if (
        typeof name !== 'string' ||
        !STORE_ENTRY.test(name) ||
        name.endsWith('.drv') ||
        name.endsWith('.lock')
      )
        return;
      if (!seen.has(`${storeDir}/${name}`)) seen.set(`${storeDir}/${name}`, Date.now());
    });
  } catch (err) {
    throw new ClientError(`cannot watch ${realDir}: ${(err as Error).message}`);
  }
  opts.log(`watching ${realDir}; ${queue.size} path(s) queued from before`);
  let backoff = 0;
  try {
    while (!opts.signal?.aborted) {
      await sleep(opts.batchMs ?? 2000, opts.signal);
      if (opts.signal?.aborted) break;
      // Re-read: a post-build-hook run of `larder watch-store` may have queued paths too.
      queue = new DiskQueue(opts.queueFile);
      const candidates = [...seen.keys()];
      if (candidates.length) {
        const { valid, invalid } = await validPaths(candidates, opts.store);
        queue.add(valid);
        for (const p of valid) seen.delete(p);
        // Not registered after ten minutes: a failed build or a temporary name; forget it.
        for (const p of invalid) if (Date.now() - (seen.get(p) ?? 0) > 600_000) seen.delete(p);
      }
      if (queue.size === 0 || Date.now() < backoff) continue;
      try {
        await drainQueue(settings, queue, opts);
        backoff = 0;
      } catch (err) {
        const wait = Math.min(300_000, Math.max(2000, (backoff ? backoff - Date.now() : 1000) * 2));
        backoff = Date.now() + wait;
        opts.log(
          `push failed, ${queue.size} path(s) stay queued; retrying in ${Math.round(wait / 1000)} s: ${(err as Error).message}`,
        );
      }
    }
  } finally {
    watcher.close();
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}
