import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { RETENTION_SELECT, retentionFromRow } from './rows.ts';
import { ADD_TRAFFIC, USE_BY_FILE, USE_BY_HASH } from './sqlite-use-sql.ts';
import type { EvictionRecord, MetadataIndex, NarRecord, RetentionRow } from './types.ts';

type Row = Record<string, SQLInputValue>;
type Q = (sql: string) => StatementSync;
type Tx = <T>(fn: () => T) => T;

type RetentionMethods = Pick<
  MetadataIndex,
  | 'retentionView'
  | 'retentionRows'
  | 'pathCount'
  | 'evict'
  | 'pin'
  | 'recordUse'
  | 'recordTraffic'
  | 'traffic'
  | 'recentEvictions'
  | 'recentPaths'
  | 'dueNarDeletions'
  | 'finishNarDeletion'
>;

/** The retention half of the SQLite index. */
/**
 * `q` clears the read memo on writes; `counters` does not, for writes to use counts and
 * traffic, which no memoised record holds.
 */
export function sqliteRetention(_db: DatabaseSync, q: Q, tx: Tx, counters: Q): RetentionMethods {
  return {
    async retentionView(cache) {
      return (q(`${RETENTION_SELECT} WHERE p.cache = ?`).all(cache) as Row[]).map(retentionFromRow);
    },

    async *retentionRows(cache) {
      // Pages by hash part, each its own short read. One statement iterated for the whole
      // view would hold a read snapshot for as long as planning reads (half a minute at a
      // million paths), and no checkpoint could pass it: the WAL grew by every write made
      // meanwhile, and the first checkpoint after held the server's event loop for most of
      // a second. Pages of different moments are safe, as evict() checks each eviction
      // against the index as it is then. Small pages: rows alive across a yield survive
      // young-generation collections and grew the planning thread's heap.
      const page = q(
        `${RETENTION_SELECT} WHERE p.cache = ? AND p.hash_part > ? ORDER BY p.hash_part LIMIT 250`,
      );
      let after = '';
      for (;;) {
        const batch = (page.all(cache, after) as Row[]).map(retentionFromRow);
        if (batch.length === 0) return;
        yield batch;
        after = (batch[batch.length - 1] as RetentionRow).hashPart;
      }
    },

    async pathCount(cache, limit) {
      const r = (
        limit === undefined
          ? q('SELECT count(*) AS n FROM paths WHERE cache = ?').get(cache)
          : q('SELECT count(*) AS n FROM (SELECT 1 FROM paths WHERE cache = ? LIMIT ?)').get(
              cache,
              limit,
            )
      ) as Row;
      return Number(r.n);
    },

    async evict(cache, evictions, at, graceMs) {
      const done: EvictionRecord[] = [];
      const skipped: EvictionRecord[] = [];
      const present = q('SELECT 1 FROM paths WHERE cache = ? AND hash_part = ?');
      const one = (e: EvictionRecord) => {
        // Another process (a cluster worker, the planning thread) evicted it already.
        if (!present.get(cache, e.root.slice(0, 32))) {
          skipped.push(e);
          return;
        }
        const set = new Set(e.hashParts);
        const referrers = q('SELECT referrer FROM refs WHERE cache = ? AND reference = ?');
        for (const h of set) {
          for (const r of referrers.all(cache, h) as Row[]) {
            if (!set.has(r.referrer as string)) {
              skipped.push(e);
              return;
            }
          }
        }
        const files = new Set<string>();
        const fileOf = q('SELECT file_hash FROM paths WHERE cache = ? AND hash_part = ?');
        const delPath = q('DELETE FROM paths WHERE cache = ? AND hash_part = ?');
        const delRefs = q('DELETE FROM refs WHERE cache = ? AND referrer = ?');
        for (const h of set) {
          const row = fileOf.get(cache, h) as Row | undefined;
          if (row) files.add(row.file_hash as string);
          delPath.run(cache, h);
          delRefs.run(cache, h);
        }
        const used = q('SELECT 1 FROM paths WHERE cache = ? AND file_hash = ?');
        const schedule = q(
          `INSERT INTO nar_deletions (cache, file_hash, delete_after) VALUES (?, ?, ?)
           ON CONFLICT DO UPDATE SET delete_after = excluded.delete_after`,
        );
        for (const f of files) if (!used.get(cache, f)) schedule.run(cache, f, at + graceMs);
        q(
          'INSERT INTO evictions (cache, base_name, tier, bytes, paths, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        ).run(cache, e.root, e.tier, e.bytes, set.size, e.reason, at);
        done.push(e);
      };
      // Each eviction is checked and applied atomically; the evictions of about 2 ms share
      // a transaction, then the event loop gets a turn, so narinfo requests keep being
      // answered within milliseconds while a large collection runs.
      for (let i = 0; i < evictions.length; ) {
        const until = performance.now() + 2;
        tx(() => {
          do one(evictions[i++] as EvictionRecord);
          while (i < evictions.length && performance.now() < until);
        });
        await new Promise((resolve) => setImmediate(resolve));
      }
      return { done, skipped };
    },

    async pin(cache, hashPart, tier) {
      return (
        q('UPDATE paths SET pinned = 1, tier = ? WHERE cache = ? AND hash_part = ?').run(
          tier ?? null,
          cache,
          hashPart,
        ).changes === 1
      );
    },

    async recordUse(cache, hashParts, fileHashes, at) {
      tx(() => {
        const byHash = counters(USE_BY_HASH);
        for (const [h, n] of hashParts) byHash.run(n, at, cache, h);
        const byFile = counters(USE_BY_FILE);
        for (const [f, n] of fileHashes) byFile.run(n, at, cache, f);
      });
    },

    async recordTraffic(cache, minute, t) {
      counters(ADD_TRAFFIC).run(cache, minute, t.hits, t.misses, t.bytesOut);
    },

    async traffic(cache, sinceMinute) {
      const rows = q('SELECT * FROM traffic WHERE cache = ? AND minute >= ? ORDER BY minute').all(
        cache,
        sinceMinute,
      ) as Row[];
      return rows.map((r) => ({
        minute: Number(r.minute),
        hits: Number(r.hits),
        misses: Number(r.misses),
        bytesOut: Number(r.bytes_out),
      }));
    },

    async recentEvictions(cache, limit) {
      const rows = q('SELECT * FROM evictions WHERE cache = ? ORDER BY at DESC LIMIT ?').all(
        cache,
        limit,
      ) as Row[];
      return rows.map((r) => ({
        baseName: r.base_name as string,
        tier: Number(r.tier),
        bytes: Number(r.bytes),
        paths: Number(r.paths),
        reason: r.reason as string,
        at: Number(r.at),
      }));
    },

    async recentPaths(cache, limit) {
      const rows = q(
        `SELECT p.base_name, n.file_size, p.created_at FROM paths p JOIN nars n ON n.file_hash = p.file_hash
         WHERE p.cache = ? ORDER BY p.created_at DESC LIMIT ?`,
      ).all(cache, limit) as Row[];
      return rows.map((r) => ({
        baseName: r.base_name as string,
        bytes: Number(r.file_size),
        createdAt: Number(r.created_at),
      }));
    },

    async dueNarDeletions(now) {
      const rows = q('SELECT cache, file_hash FROM nar_deletions WHERE delete_after <= ?').all(
        now,
      ) as Row[];
      return rows.map((r) => ({ cache: r.cache as string, fileHash: r.file_hash as string }));
    },

    async finishNarDeletion(cache, fileHash, now) {
      return tx((): NarRecord | undefined => {
        // An upload in flight may reuse the file: wait for it (or its claim to lapse).
        const claim = q(
          'SELECT max(until) AS until FROM nar_claims WHERE file_hash = ? AND until > ?',
        ).get(fileHash, now) as Row;
        if (claim.until !== null) {
          q('UPDATE nar_deletions SET delete_after = ? WHERE cache = ? AND file_hash = ?').run(
            claim.until as number,
            cache,
            fileHash,
          );
          return undefined;
        }
        q('DELETE FROM nar_claims WHERE until <= ?').run(now);
        // Gone already: uploaded again, or another process finished it.
        if (
          q('DELETE FROM nar_deletions WHERE cache = ? AND file_hash = ?').run(cache, fileHash)
            .changes === 0
        )
          return undefined;
        // Pushed again during the grace period: the cache keeps it.
        if (q('SELECT 1 FROM paths WHERE cache = ? AND file_hash = ?').get(cache, fileHash))
          return undefined;
        q('DELETE FROM cache_nars WHERE cache = ? AND file_hash = ?').run(cache, fileHash);
        if (q('SELECT 1 FROM cache_nars WHERE file_hash = ?').get(fileHash)) return undefined;
        if (q('SELECT 1 FROM paths WHERE file_hash = ?').get(fileHash)) return undefined;
        const nar = q('SELECT * FROM nars WHERE file_hash = ?').get(fileHash) as Row | undefined;
        q('DELETE FROM nars WHERE file_hash = ?').run(fileHash);
        return nar
          ? {
              fileHash,
              fileSize: Number(nar.file_size),
              compression: nar.compression as string,
              narHash: nar.nar_hash as string,
              narSize: Number(nar.nar_size),
              key: nar.key as string,
            }
          : undefined;
      });
    },
  };
}
