import pg from 'pg';

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
  let generation = 0;
  let live = false;
  let closed = false;
  let listener: pg.Client | undefined;
  const clear = () => {
    memo.clear();
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

  return {
    /** `read()` through the memo; undefined answers are read again each time. */
    async get<T>(key: string, read: () => Promise<T | undefined>): Promise<T | undefined> {
      if (!live) {
        await first;
        if (!live) return read();
      }
      if (memo.has(key)) return memo.get(key) as T;
      const seen = generation;
      const value = await read();
      // A change notified while this read ran may not be in its answer: keep it only if not.
      if (value !== undefined && live && seen === generation) {
        if (memo.size >= 100_000) memo.clear();
        memo.set(key, value);
      }
      return value;
    },
    clear,
    async close() {
      closed = true;
      live = false;
      await listener?.end().catch(() => {});
    },
  };
}
