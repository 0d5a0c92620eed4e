import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { ByteMemo, RENDERED_BYTES, RENDERED_KEYS } from './byte-memo.ts';
import {
  cacheFromRow,
  narFromRow,
  optStr,
  PATH_COLUMNS,
  pathFromRow,
  pathValues,
  tokenFromRow,
} from './rows.ts';
import { sqliteRetention } from './sqlite-retention.ts';
import { MIGRATIONS } from './sqlite-schema.ts';
import { sqliteUseWriter } from './sqlite-use-writer.ts';
import type { InsertPathResult, LogRecord, MetadataIndex, PathRecord } from './types.ts';

type Row = Record<string, SQLInputValue>;

/** The metadata index in one SQLite file (WAL, so readers never wait for the writer). */
export function openSqliteIndex(file: string): MetadataIndex {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new DatabaseSync(file);
  db.exec(
    'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;',
  );
  migrate(db);

  const stmts = new Map<string, StatementSync>();
  const prepare = (sql: string): StatementSync => {
    let s = stmts.get(sql);
    if (!s) {
      s = db.prepare(sql);
      stmts.set(sql, s);
    }
    return s;
  };
  // Reads on the serving path (cache, token, narinfo) are memoised. Any write through this
  // connection clears the memo; a write by another connection (a cluster worker, the
  // planning thread) bumps the `changes` count, which triggers keep for every write to a
  // memoised table but not for use counters, and which is checked before every memoised
  // read. So a revoked token or an evicted path is never served from memory, and the
  // use-count thread's writes every two seconds leave the memo alone.
  const memo = new Map<string, unknown>();
  /** Rendered narinfos, the bulk of what is memoised, kept off the JS heap. */
  const rendered = new ByteMemo(RENDERED_BYTES, RENDERED_KEYS);
  const forgetAll = () => {
    memo.clear();
    rendered.clear();
  };
  /** A memoised "not there": misses are as common as hits (every cache a client asks). */
  const MISS = Symbol('miss');
  const versionStmt = db.prepare(
    `SELECT (SELECT n FROM changes WHERE id = 1) AS n,
       coalesce((SELECT max(seq) FROM path_deletions), 0) AS deleted`,
  );
  const deletedStmt = db.prepare(
    'SELECT seq, cache, hash_part FROM path_deletions WHERE seq > ? ORDER BY seq LIMIT ?',
  );
  /** Deleted paths forgotten one by one; more since the last look, and all is forgotten. */
  const FORGET_ONE_BY_ONE = 10_000;
  let version = -1;
  let deletedSeen = 0;
  let checkedAt = 0;
  const forgetChanges = () => {
    const v = versionStmt.get() as { n: number; deleted: number };
    if (v.n !== version) {
      version = v.n;
      deletedSeen = v.deleted;
      forgetAll();
      return;
    }
    if (v.deleted === deletedSeen) return;
    const rows = deletedStmt.all(deletedSeen, FORGET_ONE_BY_ONE + 1) as Row[];
    // A gap (the list was trimmed past what this connection saw) or too many: forget all.
    if (rows.length > FORGET_ONE_BY_ONE || Number(rows[0]?.seq) !== deletedSeen + 1) forgetAll();
    else
      for (const r of rows) {
        const key = `p:${r.cache}/${r.hash_part}`;
        memo.delete(key);
        rendered.delete(key);
      }
    deletedSeen = v.deleted;
  };
  /** Forgets what other connections changed; asked at most once a millisecond. */
  const fresh = () => {
    // Asking for changes costs as much as the lookup it saves: another connection's write
    // is seen within a millisecond.
    const now = performance.now();
    if (now - checkedAt >= 1) {
      checkedAt = now;
      forgetChanges();
    }
  };
  const memoised = <T>(key: string, read: () => T): T => {
    fresh();
    const known = memo.get(key);
    if (known !== undefined) return (known === MISS ? undefined : known) as T;
    if (memo.size >= 100_000) memo.clear();
    const value = read();
    memo.set(key, value === undefined ? MISS : value);
    return value;
  };
  const writes = /^\s*(INSERT|UPDATE|DELETE|REPLACE)/i;
  const q = (sql: string): StatementSync => {
    if (writes.test(sql)) forgetAll();
    return prepare(sql);
  };
  const tx = <T>(fn: () => T): T => {
    db.exec('BEGIN IMMEDIATE');
    try {
      const out = fn();
      db.exec('COMMIT');
      return out;
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
  };
  const PATH_SELECT = `SELECT p.*, n.file_size, n.compression, n.nar_hash, n.nar_size, n.key
    FROM paths p JOIN nars n ON n.file_hash = p.file_hash`;

  const getPath = (cache: string, hashPart: string): PathRecord | undefined => {
    const r = q(`${PATH_SELECT} WHERE p.cache = ? AND p.hash_part = ?`).get(cache, hashPart) as
      | Row
      | undefined;
    return r ? pathFromRow(r) : undefined;
  };

  const counters = prepare;
  // Use counts go through a thread of their own, except for a database only this
  // connection can see.
  const uses = file === ':memory:' ? undefined : sqliteUseWriter(file);
  const retention = sqliteRetention(db, q, tx, prepare);
  return {
    ...retention,
    recordUse: uses?.recordUse ?? retention.recordUse,
    recordTraffic: uses?.recordTraffic ?? retention.recordTraffic,
    async close() {
      await uses?.close();
      db.close();
    },

    async createCache(c) {
      const res = q(
        `INSERT INTO caches (name, public, priority, quota, secret_key, public_key, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`,
      ).run(
        c.name,
        c.public ? 1 : 0,
        c.priority,
        c.quota ?? null,
        c.secretKey,
        c.publicKey,
        c.createdAt,
      );
      return res.changes === 1;
    },
    async getCache(name) {
      return memoised(`c:${name}`, () => {
        const r = q('SELECT * FROM caches WHERE name = ?').get(name) as Row | undefined;
        return r ? cacheFromRow(r) : undefined;
      });
    },
    async listCaches() {
      return (q('SELECT * FROM caches ORDER BY name').all() as Row[]).map(cacheFromRow);
    },
    async updateCache(name, patch) {
      const r = q('SELECT * FROM caches WHERE name = ?').get(name) as Row | undefined;
      if (!r) return undefined;
      const next = { ...cacheFromRow(r), ...patch };
      q('UPDATE caches SET public = ?, priority = ?, quota = ? WHERE name = ?').run(
        next.public ? 1 : 0,
        next.priority,
        next.quota ?? null,
        name,
      );
      return next;
    },
    async deleteCache(name) {
      return tx(() => {
        // Children first: ON DELETE CASCADE would do it, but explicit deletes keep the
        // statement count visible and do not depend on the foreign_keys pragma.
        q('DELETE FROM paths WHERE cache = ?').run(name);
        q('DELETE FROM cache_nars WHERE cache = ?').run(name);
        q('DELETE FROM logs WHERE cache = ?').run(name);
        for (const t of ['refs', 'evictions', 'nar_deletions', 'traffic'])
          q(`DELETE FROM ${t} WHERE cache = ?`).run(name);
        return q('DELETE FROM caches WHERE name = ?').run(name).changes === 1;
      });
    },

    async createToken(t) {
      q(
        `INSERT INTO tokens (id, hash, description, grants, created_at, expires_at, revoked_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        t.id,
        t.hash,
        t.description,
        JSON.stringify(t.grants),
        t.createdAt,
        t.expiresAt ?? null,
        t.revokedAt ?? null,
      );
    },
    async getTokenByHash(hash) {
      return memoised(`t:${hash}`, () => {
        const r = q('SELECT * FROM tokens WHERE hash = ?').get(hash) as Row | undefined;
        return r ? tokenFromRow(r) : undefined;
      });
    },
    async getToken(id) {
      const r = q('SELECT * FROM tokens WHERE id = ?').get(id) as Row | undefined;
      return r ? tokenFromRow(r) : undefined;
    },
    async listTokens() {
      return (q('SELECT * FROM tokens ORDER BY created_at').all() as Row[]).map(tokenFromRow);
    },
    async revokeToken(id, at) {
      return (
        q('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id)
          .changes === 1
      );
    },

    async addNar(cache, n, at) {
      tx(() => {
        q(
          `INSERT INTO nars (file_hash, file_size, compression, nar_hash, nar_size, key, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (file_hash) DO NOTHING`,
        ).run(n.fileHash, n.fileSize, n.compression, n.narHash, n.narSize, n.key, at);
        q(
          'INSERT INTO cache_nars (cache, file_hash, uploaded_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
        ).run(cache, n.fileHash, at);
        // Uploaded again: the deletion scheduled by an eviction no longer applies, or the
        // sweeper would take it from under the narinfo that is about to follow.
        q('DELETE FROM nar_deletions WHERE cache = ? AND file_hash = ?').run(cache, n.fileHash);
      });
    },
    async getCacheNar(cache, fileHash) {
      const r = q(
        `SELECT n.* FROM cache_nars c JOIN nars n ON n.file_hash = c.file_hash
         WHERE c.cache = ? AND c.file_hash = ?`,
      ).get(cache, fileHash) as Row | undefined;
      return r ? narFromRow(r) : undefined;
    },
    async getNar(fileHash) {
      const r = q('SELECT * FROM nars WHERE file_hash = ?').get(fileHash) as Row | undefined;
      return r ? narFromRow(r) : undefined;
    },
    async claimNar(id, fileHash, until) {
      return tx(() => {
        // Claims are in no memoised record: the serving path's memo stays warm during uploads.
        counters('INSERT OR REPLACE INTO nar_claims (id, file_hash, until) VALUES (?, ?, ?)').run(
          id,
          fileHash,
          until,
        );
        const r = q('SELECT * FROM nars WHERE file_hash = ?').get(fileHash) as Row | undefined;
        return r ? narFromRow(r) : undefined;
      });
    },
    async releaseNar(id) {
      counters('DELETE FROM nar_claims WHERE id = ?').run(id);
    },

    async getPath(cache, hashPart) {
      return memoised(`p:${cache}/${hashPart}`, () => getPath(cache, hashPart));
    },
    async renderedPath(cache, hashPart, render) {
      fresh();
      const key = `p:${cache}/${hashPart}`;
      const known = rendered.get(key);
      if (known !== undefined) return known ?? undefined;
      const rec = getPath(cache, hashPart);
      const bytes = rec && render(rec);
      rendered.set(key, bytes ?? null);
      return bytes;
    },
    async insertPath(cache, p): Promise<InsertPathResult> {
      return tx((): InsertPathResult => {
        const existing = getPath(cache, p.hashPart);
        if (existing) {
          if (existing.nar.narHash !== p.nar.narHash || existing.baseName !== p.baseName) {
            return { ok: false, conflict: existing };
          }
          // Same contents again: keep the first upload, add any new signatures.
          const sigs = [...new Set([...existing.sigs, ...p.sigs])];
          q('UPDATE paths SET sigs = ? WHERE cache = ? AND hash_part = ?').run(
            sigs.join('\n'),
            cache,
            p.hashPart,
          );
          return { ok: true, created: false };
        }
        const has = q('SELECT 1 FROM paths WHERE cache = ? AND hash_part = ?');
        const missing = p.references.filter(
          (ref) => ref.slice(0, 32) !== p.hashPart && !has.get(cache, ref.slice(0, 32)),
        );
        if (missing.length > 0) return { ok: false, missing };
        q(
          `INSERT INTO paths (${PATH_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(...pathValues(cache, p));
        const ref = q('INSERT OR IGNORE INTO refs (cache, referrer, reference) VALUES (?, ?, ?)');
        for (const r of p.references)
          if (r.slice(0, 32) !== p.hashPart) ref.run(cache, p.hashPart, r.slice(0, 32));
        return { ok: true, created: true };
      });
    },
    async missingPaths(cache, hashParts) {
      const has = q('SELECT 1 FROM paths WHERE cache = ? AND hash_part = ?');
      return hashParts.filter((h) => !has.get(cache, h));
    },
    async countPaths(cache) {
      // Kept by triggers (sqlite-schema.ts): no scan of the cache's paths.
      const r = q('SELECT paths, bytes FROM cache_totals WHERE cache = ?').get(cache) as
        | Row
        | undefined;
      return { paths: Number(r?.paths ?? 0), narBytes: Number(r?.bytes ?? 0) };
    },

    async putLog(cache, drv, rec: LogRecord) {
      q(
        `INSERT INTO logs (cache, drv, key, encoding, size) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (cache, drv) DO UPDATE SET key = excluded.key, encoding = excluded.encoding, size = excluded.size`,
      ).run(cache, drv, rec.key, rec.encoding ?? null, rec.size);
    },
    async getLog(cache, drv) {
      const r = q('SELECT * FROM logs WHERE cache = ? AND drv = ?').get(cache, drv) as
        | Row
        | undefined;
      return r
        ? { key: r.key as string, encoding: optStr(r.encoding), size: Number(r.size) }
        : undefined;
    },
  };
}

/** Applies pending migrations; the version is read inside the write lock, so two processes starting at once apply each migration once. */
function migrate(db: DatabaseSync): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    const { user_version: version } = db.prepare('PRAGMA user_version').get() as {
      user_version: number;
    };
    for (let i = version; i < MIGRATIONS.length; i++) db.exec(MIGRATIONS[i] as string);
    db.exec(`PRAGMA user_version = ${MIGRATIONS.length}`);
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}
