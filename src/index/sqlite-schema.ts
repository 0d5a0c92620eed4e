/** Migrations, applied in order; the index of the last applied one is in `user_version`. */
export const MIGRATIONS: string[] = [
  `
  CREATE TABLE caches (
    name TEXT PRIMARY KEY,
    public INTEGER NOT NULL,
    priority INTEGER NOT NULL,
    quota INTEGER,
    secret_key TEXT NOT NULL,
    public_key TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL,
    grants TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER
  );
  CREATE TABLE nars (
    file_hash TEXT PRIMARY KEY,
    file_size INTEGER NOT NULL,
    compression TEXT NOT NULL,
    nar_hash TEXT NOT NULL,
    nar_size INTEGER NOT NULL,
    key TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE cache_nars (
    cache TEXT NOT NULL REFERENCES caches(name) ON DELETE CASCADE,
    file_hash TEXT NOT NULL REFERENCES nars(file_hash),
    uploaded_at INTEGER NOT NULL,
    PRIMARY KEY (cache, file_hash)
  ) WITHOUT ROWID;
  CREATE INDEX cache_nars_by_file ON cache_nars(file_hash);
  CREATE TABLE paths (
    cache TEXT NOT NULL REFERENCES caches(name) ON DELETE CASCADE,
    hash_part TEXT NOT NULL,
    base_name TEXT NOT NULL,
    url TEXT NOT NULL,
    file_hash TEXT NOT NULL REFERENCES nars(file_hash),
    refs TEXT NOT NULL,
    deriver TEXT,
    system TEXT,
    ca TEXT,
    sigs TEXT NOT NULL,
    cache_sig TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (cache, hash_part)
  ) WITHOUT ROWID;
  CREATE INDEX paths_by_file ON paths(file_hash);
  CREATE TABLE logs (
    cache TEXT NOT NULL REFERENCES caches(name) ON DELETE CASCADE,
    drv TEXT NOT NULL,
    key TEXT NOT NULL,
    encoding TEXT,
    size INTEGER NOT NULL,
    PRIMARY KEY (cache, drv)
  ) WITHOUT ROWID;
  `,
  // Root hints from `larder push --tier/--build-seconds`, kept for the retention work.
  `
  ALTER TABLE paths ADD COLUMN tier INTEGER;
  ALTER TABLE paths ADD COLUMN build_seconds REAL;
  `,
  // Retention: pins, use counts, a reference table for closure checks, eviction history,
  // NAR files whose deletion waits out the grace period, and traffic per minute.
  `
  ALTER TABLE paths ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE paths ADD COLUMN hits INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE paths ADD COLUMN last_access INTEGER;
  CREATE TABLE refs (
    cache TEXT NOT NULL,
    referrer TEXT NOT NULL,
    reference TEXT NOT NULL,
    PRIMARY KEY (cache, reference, referrer)
  ) WITHOUT ROWID;
  INSERT OR IGNORE INTO refs (cache, referrer, reference)
    SELECT p.cache, p.hash_part, substr(j.value, 1, 32)
    FROM paths p, json_each('["' || replace(p.refs, ' ', '","') || '"]') j
    WHERE p.refs <> '' AND substr(j.value, 1, 32) <> p.hash_part;
  CREATE TABLE evictions (
    cache TEXT NOT NULL,
    base_name TEXT NOT NULL,
    tier INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    paths INTEGER NOT NULL,
    reason TEXT NOT NULL,
    at INTEGER NOT NULL
  );
  CREATE INDEX evictions_by_cache ON evictions(cache, at);
  CREATE TABLE nar_deletions (
    cache TEXT NOT NULL,
    file_hash TEXT NOT NULL,
    delete_after INTEGER NOT NULL,
    PRIMARY KEY (cache, file_hash)
  ) WITHOUT ROWID;
  CREATE TABLE traffic (
    cache TEXT NOT NULL,
    minute INTEGER NOT NULL,
    hits INTEGER NOT NULL DEFAULT 0,
    misses INTEGER NOT NULL DEFAULT 0,
    bytes_out INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (cache, minute)
  ) WITHOUT ROWID;
  `,
  // Eviction deletes a path's outgoing references by referrer.
  `
  CREATE INDEX refs_by_referrer ON refs(cache, referrer);
  `,
  // Uploads in flight hold the NAR they may reuse against the sweeper (see claimNar).
  `
  CREATE TABLE nar_claims (
    id TEXT PRIMARY KEY,
    file_hash TEXT NOT NULL,
    until INTEGER NOT NULL
  );
  CREATE INDEX nar_claims_by_file ON nar_claims(file_hash);
  `,
  // Each cache's path count and NAR bytes, kept by triggers: summing them over a million
  // paths took 7-9 s, and every push to a cache with a quota asked for the sum.
  `
  CREATE TABLE cache_totals (
    cache TEXT PRIMARY KEY REFERENCES caches(name) ON DELETE CASCADE,
    paths INTEGER NOT NULL,
    bytes INTEGER NOT NULL
  ) WITHOUT ROWID;
  INSERT INTO cache_totals (cache, paths, bytes)
    SELECT c.name, count(p.hash_part), coalesce(sum(n.file_size), 0)
    FROM caches c LEFT JOIN paths p ON p.cache = c.name LEFT JOIN nars n ON n.file_hash = p.file_hash
    GROUP BY c.name;
  CREATE TRIGGER cache_totals_new_cache AFTER INSERT ON caches BEGIN
    INSERT INTO cache_totals (cache, paths, bytes) VALUES (NEW.name, 0, 0);
  END;
  CREATE TRIGGER cache_totals_add AFTER INSERT ON paths BEGIN
    UPDATE cache_totals SET paths = paths + 1,
      bytes = bytes + coalesce((SELECT file_size FROM nars WHERE file_hash = NEW.file_hash), 0)
    WHERE cache = NEW.cache;
  END;
  CREATE TRIGGER cache_totals_remove AFTER DELETE ON paths BEGIN
    UPDATE cache_totals SET paths = paths - 1,
      bytes = bytes - coalesce((SELECT file_size FROM nars WHERE file_hash = OLD.file_hash), 0)
    WHERE cache = OLD.cache;
  END;
  CREATE TRIGGER cache_totals_renar AFTER UPDATE OF file_hash, cache ON paths BEGIN
    UPDATE cache_totals SET paths = paths - 1,
      bytes = bytes - coalesce((SELECT file_size FROM nars WHERE file_hash = OLD.file_hash), 0)
    WHERE cache = OLD.cache;
    UPDATE cache_totals SET paths = paths + 1,
      bytes = bytes + coalesce((SELECT file_size FROM nars WHERE file_hash = NEW.file_hash), 0)
    WHERE cache = NEW.cache;
  END;
  `,
  // What the memo of every connection (sqlite.ts) must forget. A change counter bumped by
  // any write to what is memoised (caches, tokens, paths, NARs) and by none to use counters
  // (hits, last_access), which another thread writes every few seconds: SQLite's
  // data_version changes with every write, so those writes emptied the memo. Deleted paths
  // are listed instead (the last 100,000), so that an eviction on the planning thread makes
  // the server forget those paths and not all it knows: emptying the memo at every
  // eviction batch made garbage enough for 10-16 ms collector pauses.
  `
  CREATE TABLE changes (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);
  INSERT INTO changes (id, n) VALUES (1, 0);
  CREATE TRIGGER caches_ins AFTER INSERT ON caches BEGIN UPDATE changes SET n = n + 1; END;
  CREATE TRIGGER caches_upd AFTER UPDATE ON caches BEGIN UPDATE changes SET n = n + 1; END;
  CREATE TRIGGER caches_del AFTER DELETE ON caches BEGIN UPDATE changes SET n = n + 1; END;
  CREATE TRIGGER tokens_ins AFTER INSERT ON tokens BEGIN UPDATE changes SET n = n + 1; END;
  CREATE TRIGGER tokens_upd AFTER UPDATE ON tokens BEGIN UPDATE changes SET n = n + 1; END;
  CREATE TRIGGER tokens_del AFTER DELETE ON tokens BEGIN UPDATE changes SET n = n + 1; END;
  CREATE TRIGGER nars_ins AFTER INSERT ON nars BEGIN UPDATE changes SET n = n + 1; END;
  CREATE TRIGGER nars_upd AFTER UPDATE ON nars BEGIN UPDATE changes SET n = n + 1; END;
  CREATE TRIGGER nars_del AFTER DELETE ON nars BEGIN UPDATE changes SET n = n + 1; END;
  CREATE TRIGGER paths_ins AFTER INSERT ON paths BEGIN UPDATE changes SET n = n + 1; END;
  CREATE TRIGGER paths_upd AFTER UPDATE OF cache, hash_part, base_name, url, file_hash, refs,
    deriver, system, ca, sigs, cache_sig, created_at, tier, build_seconds, pinned ON paths
    BEGIN UPDATE changes SET n = n + 1; END;
  CREATE TABLE path_deletions (
    seq INTEGER PRIMARY KEY,
    cache TEXT NOT NULL,
    hash_part TEXT NOT NULL
  );
  CREATE TRIGGER paths_del AFTER DELETE ON paths BEGIN
    INSERT INTO path_deletions (cache, hash_part) VALUES (OLD.cache, OLD.hash_part);
    DELETE FROM path_deletions WHERE seq <= (SELECT max(seq) FROM path_deletions) - 100000;
  END;
  `,
  // The dashboard's recent pushes: without it, the ten newest of a million paths were a
  // sort of all of them on the server's thread (2.8-2.9 s; with it 0.1-0.3 ms).
  `
  CREATE INDEX paths_by_created ON paths(cache, created_at);
  `,
];
