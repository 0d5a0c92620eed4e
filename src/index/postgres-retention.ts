import { type Db, LOCK, lock, type Pool } from './postgres-db.ts';
import { narFromRow, RETENTION_SELECT, type Row, retentionFromRow } from './rows.ts';
import type { EvictionRecord, MetadataIndex, NarRecord, RetentionRow } from './types.ts';

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

/** Rows per page of `retentionRows`. */
const PAGE = 1000;

/** Evictions per transaction: the per-cache lock is held this long, then pushes get a turn. */
const BATCH = 50;

/** The retention half of the PostgreSQL index; see sqlite-retention.ts for the same in SQLite. */
/**
 * `write` runs a statement that changes memoised records and `forget` clears the memo
 * (see postgres-memo.ts); use counts and traffic change none.
 */
export function postgresRetention(
  { query, tx }: Pick<Pool, 'query' | 'tx'>,
  write: Pool['query'],
  forget: () => void,
): RetentionMethods {
  /** One eviction, checked and applied inside the caller's transaction. */
  const evictOne = async (c: Db, cache: string, e: EvictionRecord, at: number, graceMs: number) => {
    const set = [...new Set(e.hashParts)];
    const root = await c.query('SELECT 1 FROM paths WHERE cache = $1 AND hash_part = $2', [
      cache,
      e.root.slice(0, 32),
    ]);
    // Another replica evicted this root already.
    if (root.rowCount === 0) return false;
    const outside = await c.query(
      `SELECT 1 FROM refs WHERE cache = $1 AND reference = ANY($2) AND NOT (referrer = ANY($2))
       LIMIT 1`,
      [cache, set],
    );
    if (outside.rowCount !== 0) return false;
    const files = (
      await c.query(
        'DELETE FROM paths WHERE cache = $1 AND hash_part = ANY($2) RETURNING file_hash',
        [cache, set],
      )
    ).rows.map((r) => r.file_hash as string);
    await c.query('DELETE FROM refs WHERE cache = $1 AND referrer = ANY($2)', [cache, set]);
    await c.query(
      `INSERT INTO nar_deletions (cache, file_hash, delete_after)
       SELECT $1, f, $3 FROM unnest($2::text[]) AS f
       WHERE NOT EXISTS (SELECT 1 FROM paths WHERE cache = $1 AND file_hash = f)
       ON CONFLICT (cache, file_hash) DO UPDATE SET delete_after = excluded.delete_after`,
      [cache, [...new Set(files)], at + graceMs],
    );
    await c.query(
      `INSERT INTO evictions (cache, base_name, tier, bytes, paths, reason, at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [cache, e.root, e.tier, e.bytes, set.length, e.reason, at],
    );
    return true;
  };

  return {
    async retentionView(cache) {
      return (await query(`${RETENTION_SELECT} WHERE p.cache = $1`, [cache])).map(retentionFromRow);
    },

    async *retentionRows(cache) {
      // Pages by hash part (the primary key's order): each page is its own snapshot, which
      // is safe because evict() checks every eviction against the index as it is then.
      let after = '';
      for (;;) {
        const rows = await query(
          `${RETENTION_SELECT} WHERE p.cache = $1 AND p.hash_part > $2
           ORDER BY p.hash_part LIMIT ${PAGE}`,
          [cache, after],
        );
        if (rows.length === 0) return;
        const batch = rows.map(retentionFromRow);
        yield batch;
        if (rows.length < PAGE) return;
        after = (batch[batch.length - 1] as RetentionRow).hashPart;
      }
    },

    async pathCount(cache, limit) {
      const rows =
        limit === undefined
          ? await query('SELECT count(*) AS n FROM paths WHERE cache = $1', [cache])
          : await query(
              'SELECT count(*) AS n FROM (SELECT 1 FROM paths WHERE cache = $1 LIMIT $2) t',
              [cache, limit],
            );
      return Number((rows[0] as Row).n);
    },

    async evict(cache, evictions, at, graceMs) {
      const done: EvictionRecord[] = [];
      const skipped: EvictionRecord[] = [];
      for (let i = 0; i < evictions.length; i += BATCH) {
        const batch = evictions.slice(i, i + BATCH);
        const outcome = await tx(async (c) => {
          // insertPath takes this lock for its closure check: no push lands half-way.
          await lock(c, LOCK.cache, cache);
          const ok: boolean[] = [];
          for (const e of batch) ok.push(await evictOne(c, cache, e, at, graceMs));
          return ok;
        });
        forget();
        batch.forEach((e, k) => void (outcome[k] ? done : skipped).push(e));
      }
      return { done, skipped };
    },

    async pin(cache, hashPart, tier) {
      const rows = await write(
        'UPDATE paths SET pinned = true, tier = $1 WHERE cache = $2 AND hash_part = $3 RETURNING 1',
        [tier ?? null, cache, hashPart],
      );
      return rows.length === 1;
    },

    async recordUse(cache, hashParts, fileHashes, at) {
      await tx(async (c) => {
        // The cache's lock first, as evictions and pushes take it: these updates lock rows
        // in no order of ours, and another replica's eviction (or its own use counts)
        // taking the same rows in another order deadlocked (the two-replica e2e test).
        await lock(c, LOCK.cache, cache);
        if (hashParts.size > 0)
          await c.query(
            `UPDATE paths p SET hits = p.hits + u.n, last_access = $1
             FROM unnest($3::text[], $4::bigint[]) AS u (h, n)
             WHERE p.cache = $2 AND p.hash_part = u.h`,
            [at, cache, [...hashParts.keys()], [...hashParts.values()]],
          );
        if (fileHashes.size > 0)
          await c.query(
            `UPDATE paths p SET hits = p.hits + u.n, last_access = $1
             FROM unnest($3::text[], $4::bigint[]) AS u (f, n)
             WHERE p.cache = $2 AND p.file_hash = u.f`,
            [at, cache, [...fileHashes.keys()], [...fileHashes.values()]],
          );
      });
    },

    async recordTraffic(cache, minute, t) {
      await query(
        `INSERT INTO traffic (cache, minute, hits, misses, bytes_out) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (cache, minute) DO UPDATE SET hits = traffic.hits + excluded.hits,
           misses = traffic.misses + excluded.misses, bytes_out = traffic.bytes_out + excluded.bytes_out`,
        [cache, minute, t.hits, t.misses, t.bytesOut],
      );
    },

    async traffic(cache, sinceMinute) {
      const rows = await query(
        'SELECT * FROM traffic WHERE cache = $1 AND minute >= $2 ORDER BY minute',
        [cache, sinceMinute],
      );
      return rows.map((r) => ({
        minute: Number(r.minute),
        hits: Number(r.hits),
        misses: Number(r.misses),
        bytesOut: Number(r.bytes_out),
      }));
    },

    async recentEvictions(cache, limit) {
      const rows = await query(
        'SELECT * FROM evictions WHERE cache = $1 ORDER BY at DESC LIMIT $2',
        [cache, limit],
      );
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
      const rows = await query(
        `SELECT p.base_name, n.file_size, p.created_at FROM paths p JOIN nars n ON n.file_hash = p.file_hash
         WHERE p.cache = $1 ORDER BY p.created_at DESC LIMIT $2`,
        [cache, limit],
      );
      return rows.map((r) => ({
        baseName: r.base_name as string,
        bytes: Number(r.file_size),
        createdAt: Number(r.created_at),
      }));
    },

    async dueNarDeletions(now) {
      const rows = await query(
        'SELECT cache, file_hash FROM nar_deletions WHERE delete_after <= $1',
        [now],
      );
      return rows.map((r) => ({ cache: r.cache as string, fileHash: r.file_hash as string }));
    },

    async finishNarDeletion(cache, fileHash, now) {
      return tx(async (c): Promise<NarRecord | undefined> => {
        // claimNar and addNar take this lock too (see postgres.ts).
        await lock(c, LOCK.nar, fileHash);
        const claim = (
          await c.query(
            'SELECT max(until) AS until FROM nar_claims WHERE file_hash = $1 AND until > $2',
            [fileHash, now],
          )
        ).rows[0] as Row;
        if (claim.until !== null) {
          await c.query(
            'UPDATE nar_deletions SET delete_after = $1 WHERE cache = $2 AND file_hash = $3',
            [claim.until, cache, fileHash],
          );
          return undefined;
        }
        await c.query('DELETE FROM nar_claims WHERE file_hash = $1 AND until <= $2', [
          fileHash,
          now,
        ]);
        const gone = await c.query(
          'DELETE FROM nar_deletions WHERE cache = $1 AND file_hash = $2',
          [cache, fileHash],
        );
        if (gone.rowCount === 0) return undefined;
        const has = async (sql: string, params: unknown[]) =>
          ((await c.query(sql, params)).rowCount ?? 0) > 0;
        if (
          await has('SELECT 1 FROM paths WHERE cache = $1 AND file_hash = $2 LIMIT 1', [
            cache,
            fileHash,
          ])
        )
          return undefined;
        await c.query('DELETE FROM cache_nars WHERE cache = $1 AND file_hash = $2', [
          cache,
          fileHash,
        ]);
        if (await has('SELECT 1 FROM cache_nars WHERE file_hash = $1 LIMIT 1', [fileHash]))
          return undefined;
        if (await has('SELECT 1 FROM paths WHERE file_hash = $1 LIMIT 1', [fileHash]))
          return undefined;
        const nar = (await c.query('DELETE FROM nars WHERE file_hash = $1 RETURNING *', [fileHash]))
          .rows[0];
        return nar ? narFromRow(nar) : undefined;
      });
    },
  };
}
