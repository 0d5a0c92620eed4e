import { Semaphore } from '../../util/semaphore.ts';
import { Api } from '../api.ts';
import { ClientError } from '../errors.ts';
import type { ServerSettings } from '../settings.ts';
import { type PathInfo, queryClosure, resolveInstallables } from './closure.ts';
import { Progress } from './progress.ts';
import { type Target, uploadNar, uploadNarInfo } from './upload.ts';

export interface PushOptions {
  cache: string;
  installables: string[];
  file?: string | undefined;
  store?: string | undefined;
  tier?: number | undefined;
  buildSeconds?: number | undefined;
  /** zstd level of the uploaded NARs (default 3, as Nix). */
  compressionLevel?: number | undefined;
  /** NAR uploads in flight at once. */
  jobs?: number;
  progress?: boolean;
}

export interface PushSummary {
  cache: string;
  roots: string[];
  /** Paths uploaded by this push. */
  uploaded: number;
  /** Paths the cache already had, or that an upstream of it has (counted in `upstream` too). */
  skipped: number;
  /** Paths not uploaded because an upstream of the cache has them, signed by its key. */
  upstream: number;
  /** Compressed bytes sent. */
  bytes: number;
  /** Uncompressed NAR bytes of the uploaded paths. */
  narBytes: number;
  /** Uploaded paths whose NAR the server already held for another cache. */
  deduplicated: number;
  seconds: number;
}

/**
 * Pushes whole closures: one `missing` query for the closure, then NARs uploaded in
 * parallel, each narinfo only after the narinfos of its references (the server's closure
 * invariant), so an interrupted push never leaves a path whose references are absent.
 */
export async function push(settings: ServerSettings, opts: PushOptions): Promise<PushSummary> {
  const started = Date.now();
  const api = new Api(settings);
  const cache = await api.cache(opts.cache);
  const storeDir = cache.storeDir;
  const roots = await resolveInstallables(opts.installables, {
    store: opts.store,
    storeDir,
    file: opts.file,
  });
  if (roots.length === 0) throw new ClientError('nothing to push', { exitCode: 2 });
  const closure = await queryClosure(roots, opts.store);
  const answer = await api.request<{
    missing: string[];
    upstream?: string[];
    pullsReferences?: boolean;
  }>('POST', `/_api/v1/${encodeURIComponent(opts.cache)}/missing`, {
    paths: closure.map((p) => p.path),
  });
  const missing = new Set(answer.missing);
  const todo = new Map(closure.filter((p) => missing.has(p.path)).map((p) => [p.path, p]));
  const upstream = answer.upstream ?? [];
  // A server that pulls upstream references itself needs none of them uploaded.
  const skippedUpstream = answer.pullsReferences
    ? upstream.length
    : withUpstreamReferences(todo, closure, upstream);
  const target: Target = {
    server: settings.server,
    cache: opts.cache,
    token: settings.token,
    store: opts.store,
    storeDir,
    zstdLevel: opts.compressionLevel,
  };
  const rootSet = new Set(roots);
  const progress = new Progress(opts.progress ?? false);
  progress.total = todo.size;
  const summary: PushSummary = {
    cache: opts.cache,
    roots,
    uploaded: 0,
    skipped: closure.length - todo.size,
    upstream: skippedUpstream,
    bytes: 0,
    narBytes: 0,
    deduplicated: 0,
    seconds: 0,
  };

  const slots = new Semaphore(opts.jobs ?? 4);
  const done = new Map<string, Promise<void>>();
  const pushOne = (info: PathInfo): Promise<void> => {
    let p = done.get(info.path);
    if (p) return p;
    p = (async () => {
      const nar = await slots.run(async () => {
        progress.active++;
        try {
          return await uploadNar(target, info, (n) => {
            progress.bytes += n;
          });
        } finally {
          progress.active--;
        }
      });
      // References first: their narinfos must be in the cache before this one.
      await Promise.all(
        info.references
          .filter((r) => r !== info.path && todo.has(r))
          .map((r) => pushOne(todo.get(r) as PathInfo)),
      );
      const hints = rootSet.has(info.path)
        ? { tier: opts.tier, buildSeconds: opts.buildSeconds }
        : {};
      await uploadNarInfo(target, info, nar, hints);
      summary.uploaded++;
      summary.bytes += nar.fileSize;
      if (nar.deduplicated) summary.deduplicated++;
      summary.narBytes += info.narSize;
      progress.done++;
    })();
    done.set(info.path, p);
    return p;
  };
  try {
    const results = await Promise.allSettled([...todo.values()].map(pushOne));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  } finally {
    progress.stop();
  }
  summary.seconds = (Date.now() - started) / 1000;
  return summary;
}

/**
 * Adds to `todo` the upstream paths an upload refers to (directly or through other such
 * paths): the server stores a narinfo only when its references are in the cache. Answers
 * how many upstream paths are left out.
 */
function withUpstreamReferences(
  todo: Map<string, PathInfo>,
  closure: PathInfo[],
  upstream: string[],
): number {
  const listed = new Set(upstream);
  const onUpstream = new Map(closure.filter((p) => listed.has(p.path)).map((p) => [p.path, p]));
  const stack = [...todo.values()];
  for (let info = stack.pop(); info; info = stack.pop()) {
    for (const r of info.references) {
      const u = onUpstream.get(r);
      if (u && !todo.has(r)) {
        todo.set(r, u);
        stack.push(u);
      }
    }
  }
  return onUpstream.size - [...onUpstream.keys()].filter((p) => todo.has(p)).length;
}

/** Limits how many async tasks run at once. */
