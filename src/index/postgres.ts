import { LOCK, lock, openPool } from './postgres-db.ts';
import { openMemo } from './postgres-memo.ts';
import { postgresRetention } from './postgres-retention.ts';
import {
  cacheFromRow,
  narFromRow,
  optStr,
  PATH_COLUMNS,
  pathFromRow,
  pathValues,
  type Row,
  tokenFromRow,
} from './rows.ts';
import type { InsertPathResult, MetadataIndex } from './types.ts';

const PATH_SELECT = `SELECT p.*, n.file_size, n.compression, n.nar_hash, n.nar_size, n.key
  FROM paths p JOIN nars n ON n.file_hash = p.file_hash`;

/**
 * The metadata index in PostgreSQL, shared by any number of replicas. Same meaning as the
 * SQLite index method for method; where SQLite relies on its single writer, this takes a
 * transaction-scoped advisory lock (per cache for the closure check and eviction, per file
 * hash for NAR claims and deletion), so replicas take turns exactly where it matters.
 */
export function openPostgresIndex(url: string, poolSize = 10): MetadataIndex {
  const db = openPool(url, poolSize);
  const memo = openMemo(url, db.ready);
  const { query } = db;
  // Writes through this index forget the memo at once; other replicas' writes via NOTIFY.
  const tx: typeof db.tx = async (fn) => {
    try {
      return await db.tx(fn);
    } finally {
      memo.clear();
    }
  };
  const write = async (sql: string, params: unknown[] = []) => {
    try {
      return await query(sql, params);
    } finally {
      memo.clear();
    }
  };
  const one = async (sql: string, params: unknown[]) => (await query(sql, params))[0];
  const readPath = async (cache: string, hashPart: string) => {
    const r = await one(`${PATH_SELECT} WHERE p.cache = $1 AND p.hash_part = $2`, [
      cache,
      hashPart,
    ]);
    return r ? pathFromRow(r) : undefined;
  };

  return {
    ...postgresRetention(db, write, memo.clear),
    async close() {
      await memo.close();
      await db.close();
    },

    async createCache(c) {
      const rows = await write(
        `INSERT INTO caches (name, public, priority, quota, secret_key, public_key, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (name) DO NOTHING RETURNING name`,
        [c.name, c.public, c.priority, c.quota ?? null, c.secretKey, c.publicKey, c.createdAt],
      );
      return rows.length === 1;
    },
    async getCache(name) {
      return memo.get(`c:${name}`, async () => {
        const r = await one('SELECT * FROM caches WHERE name = $1', [name]);
        return r ? cacheFromRow(r) : undefined;
      });
    },
    async listCaches() {
      return (await query('SELECT * FROM caches ORDER BY name')).map(cacheFromRow);
    },
    async updateCache(name, patch) {
      return tx(async (c) => {
        const r = (await c.query('SELECT * FROM caches WHERE name = $1 FOR UPDATE', [name]))
          .rows[0];
        if (!r) return undefined;
        const next = { ...cacheFromRow(r), ...patch };
        await c.query('UPDATE caches SET public = $1, priority = $2, quota = $3 WHERE name = $4', [
          next.public,
          next.priority,
          next.quota ?? null,
          name,
        ]);
        return next;
      });
    },
    async deleteCache(name) {
      return tx(async (c) => {
        await lock(c, LOCK.cache, name);
        for (const t of ['paths', 'cache_nars', 'logs', 'refs', 'evictions', 'nar_deletions'])
          await c.query(`DELETE FROM ${t} WHERE cache = $1`, [name]);
        await c.query('DELETE FROM traffic WHERE cache = $1', [name]);
        return (await c.query('DELETE FROM caches WHERE name = $1', [name])).rowCount === 1;
      });
    },

    async createToken(t) {
      await write(
        `INSERT INTO tokens (id, hash, description, grants, created_at, expires_at, revoked_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          t.id,
          t.hash,
          t.description,
          JSON.stringify(t.grants),
          t.createdAt,
          t.expiresAt ?? null,
          t.revokedAt ?? null,
        ],
      );
    },
    async getTokenByHash(hash) {
      return memo.get(`t:${hash}`, async () => {
        const r = await one('SELECT * FROM tokens WHERE hash = $1', [hash]);
        return r ? tokenFromRow(r) : undefined;
      });
    },
    async getToken(id) {
      const r = await one('SELECT * FROM tokens WHERE id = $1', [id]);
      return r ? tokenFromRow(r) : undefined;
    },
    async listTokens() {
      return (await query('SELECT * FROM tokens ORDER BY created_at')).map(tokenFromRow);
    },
    async revokeToken(id, at) {
      const rows = await write(
        'UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING id',
        [at, id],
      );
      return rows.length === 1;
    },

    async addNar(cache, n, at) {
      await tx(async (c) => {
        await lock(c, LOCK.nar, n.fileHash);
        await c.query(
          `INSERT INTO nars (file_hash, file_size, compression, nar_hash, nar_size, key, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (file_hash) DO NOTHING`,
          [n.fileHash, n.fileSize, n.compression, n.narHash, n.narSize, n.key, at],
        );
        await c.query(
          `INSERT INTO cache_nars (cache, file_hash, uploaded_at) VALUES ($1, $2, $3)
           ON CONFLICT DO NOTHING`,
          [cache, n.fileHash, at],
        );
        await c.query('DELETE FROM nar_deletions WHERE cache = $1 AND file_hash = $2', [
          cache,
          n.fileHash,
        ]);
      });
    },
    async getCacheNar(cache, fileHash) {
      const r = await one(
        `SELECT n.* FROM cache_nars c JOIN nars n ON n.file_hash = c.file_hash
         WHERE c.cache = $1 AND c.file_hash = $2`,
        [cache, fileHash],
      );
      return r ? narFromRow(r) : undefined;
    },
    async getNar(fileHash) {
      const r = await one('SELECT * FROM nars WHERE file_hash = $1', [fileHash]);
      return r ? narFromRow(r) : undefined;
    },
    async claimNar(id, fileHash, until) {
      return tx(async (c) => {
        // The same lock finishNarDeletion holds: the claim and the read happen wholly before
        // or wholly after a deletion, never in between.
        await lock(c, LOCK.nar, fileHash);
        await c.query(
          `INSERT INTO nar_claims (id, file_hash, until) VALUES ($1, $2, $3)
           ON CONFLICT (id) DO UPDATE SET file_hash = excluded.file_hash, until = excluded.until`,
          [id, fileHash, until],
        );
        const r = (await c.query('SELECT * FROM nars WHERE file_hash = $1', [fileHash])).rows[0];
        return r ? narFromRow(r) : undefined;
      });
    },
    async releaseNar(id) {
      await query('DELETE FROM nar_claims WHERE id = $1', [id]);
    },

    async getPath(cache, hashPart) {
      return memo.get(`p:${cache}/${hashPart}`, () => readPath(cache, hashPart));
    },
    async renderedPath(cache, hashPart, render) {
      return memo.bytes(`p:${cache}/${hashPart}`, async () => {
        const rec = await readPath(cache, hashPart);
        return rec && render(rec);
      });
    },
    async insertPath(cache, p): Promise<InsertPathResult> {
      return tx(async (c): Promise<InsertPathResult> => {
        // Eviction takes the same lock: a reference found present here stays present until
        // this path (which then protects it) is committed.
        await lock(c, LOCK.cache, cache);
        const ex = (
          await c.query(`${PATH_SELECT} WHERE p.cache = $1 AND p.hash_part = $2`, [
            cache,
            p.hashPart,
          ])
        ).rows[0];
        if (ex) {
          const existing = pathFromRow(ex);
          if (existing.nar.narHash !== p.nar.narHash || existing.baseName !== p.baseName) {
            return { ok: false, conflict: existing };
          }
          const sigs = [...new Set([...existing.sigs, ...p.sigs])];
          await c.query('UPDATE paths SET sigs = $1 WHERE cache = $2 AND hash_part = $3', [
            sigs.join('\n'),
            cache,
            p.hashPart,
          ]);
          return { ok: true, created: false };
        }
        const refHashes = p.references.map((r) => r.slice(0, 32)).filter((h) => h !== p.hashPart);
        const present = new Set(
          (
            await c.query('SELECT hash_part FROM paths WHERE cache = $1 AND hash_part = ANY($2)', [
              cache,
              refHashes,
            ])
          ).rows.map((r) => r.hash_part as string),
        );
        const missing = p.references.filter(
          (ref) => ref.slice(0, 32) !== p.hashPart && !present.has(ref.slice(0, 32)),
        );
        if (missing.length > 0) return { ok: false, missing };
        await c.query(
          `INSERT INTO paths (${PATH_COLUMNS})
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
          pathValues(cache, p),
        );
        if (refHashes.length > 0)
          await c.query(
            `INSERT INTO refs (cache, referrer, reference)
             SELECT $1, $2, r FROM unnest($3::text[]) AS r ON CONFLICT DO NOTHING`,
            [cache, p.hashPart, refHashes],
          );
        return { ok: true, created: true };
      });
    },
    async missingPaths(cache, hashParts) {
      const present = new Set(
        (
          await query('SELECT hash_part FROM paths WHERE cache = $1 AND hash_part = ANY($2)', [
            cache,
            hashParts,
          ])
        ).map((r) => r.hash_part as string),
      );
      return hashParts.filter((h) => !present.has(h));
    },
    async countPaths(cache) {
      // Rows of changes kept by triggers (postgres-schema.ts): no scan of the cache's paths.
      const r = (await one(
        `SELECT count(*) AS n, coalesce(sum(paths), 0) AS paths, coalesce(sum(bytes), 0) AS bytes
         FROM cache_totals WHERE cache = $1`,
        [cache],
      )) as Row;
      // Folded into one row now and then, in one statement: rows added meanwhile stay.
      if (Number(r.n) > 500) {
        await query(
          `WITH gone AS (DELETE FROM cache_totals WHERE cache = $1 RETURNING paths, bytes)
           INSERT INTO cache_totals (cache, paths, bytes)
             SELECT $1, coalesce(sum(paths), 0), coalesce(sum(bytes), 0) FROM gone
             WHERE EXISTS (SELECT 1 FROM caches WHERE name = $1)`,
          [cache],
        );
      }
      return { paths: Number(r.paths), narBytes: Number(r.bytes) };
    },

    async putLog(cache, drv, rec) {
      await query(
        `INSERT INTO logs (cache, drv, key, encoding, size) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (cache, drv) DO UPDATE SET key = excluded.key, encoding = excluded.encoding, size = excluded.size`,
        [cache, drv, rec.key, rec.encoding ?? null, rec.size],
      );
    },
    async getLog(cache, drv) {
      const r = await one('SELECT * FROM logs WHERE cache = $1 AND drv = $2', [cache, drv]);
      return r
        ? { key: r.key as string, encoding: optStr(r.encoding), size: Number(r.size) }
        : undefined;
    },
  };
}
