import pg from 'pg';
import { ByteMemo, RENDERED_BYTES, RENDERED_KEYS } from './byte-memo.ts';

/** The channel the schema's triggers notify on every change to caches, tokens or paths. */
export const CHANGED = 'larder_changed';

/**
 * Reads on the serving path (cache, token, narinfo) memoised in process memory, as the
 * SQLite index does, and invalidated by PostgreSQL itself: triggers NOTIFY on every change
 * to caches, tokens and paths, from any replica, and a LISTEN connection clears the memo.
 * Writes made here clear it at once. While the LISTEN connection is down nothing is
 * memoised, so a replica never serves from a memo it cannot invalidate. Misses are not
 * memoised: a path pushed through another replica is found on the next request.
 */
export function openMemo(url: string, ready: Promise<void>) {
  const memo = new Map<string, unknown>();
  /** Rendered narinfos, the bulk of what is memoised, kept off the JS heap. */
  const rendered = new ByteMemo(RENDERED_BYTES, RENDERED_KEYS);
  let generation = 0;
  let live = false;
  let closed = false;
  let listener: pg.Client | undefined;
  const clear = () => {
    memo.clear();
    rendered.clear();
    generation++;
  };
  const retry = () => {
    if (!closed) setTimeout(() => void listen(), 1000).unref();
  };
  const listen = async () => {
    const c = new pg.Client({ connectionString: url });
    c.on('error', () => {});
    c.on('notification', clear);
    c.on('end', () => {
      if (listener !== c) return;
      listener = undefined;
      live = false;
      clear();
      retry();
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANGED}`);
      if (closed) {
        await c.end();
        return;
      }
      listener = c;
      // Whatever changed while nobody listened is forgotten now.
      clear();
      live = true;
    } catch {
      await c.end().catch(() => {});
    }
    if (listener !== c) retry();
  };
  // The first reads wait for the first LISTEN, so the memo is on from the start.
  const first = ready.then(listen, () => {});

  /** `read()`, its answer kept by `keep` unless a change was notified while it ran. */
  const through = async <T>(
    known: () => T | undefined,
    keep: (value: T) => void,
    read: () => Promise<T | undefined>,
  ): Promise<T | undefined> => {
    if (!live) {
      await first;
      if (!live) return read();
    }
    const k = known();
    if (k !== undefined) return k;
    const seen = generation;
    const value = await read();
    // A change notified while this read ran may not be in its answer: keep it only if not.
    if (value !== undefined && live && seen === generation) keep(value);
    return value;
  };

  return {
    /** `read()` through the memo; undefined answers are read again each time. */
    get: <T>(key: string, read: () => Promise<T | undefined>): Promise<T | undefined> =>
      through(
        () => memo.get(key) as T | undefined,
        (value) => {
          if (memo.size >= 100_000) memo.clear();
          memo.set(key, value);
        },
        read,
      ),
    /** The same for bytes, memoised off the JS heap. */
    bytes: (key: string, read: () => Promise<Buffer | undefined>): Promise<Buffer | undefined> =>
      through(
        () => rendered.get(key) ?? undefined,
        (value) => rendered.set(key, value),
        read,
      ),
    clear,
    async close() {
      closed = true;
      live = false;
      await listener?.end().catch(() => {});
    },
  };
}
