/**
 * PostgreSQL migrations, applied in order; `larder_schema.version` counts those applied.
 * The tables mirror SQLite's (sqlite-schema.ts) column for column, so both backends share
 * one meaning; times are milliseconds since the epoch (BIGINT), sizes are BIGINT.
 */
export const PG_MIGRATIONS: string[] = [
  `
  CREATE TABLE caches (
    name TEXT PRIMARY KEY,
    public BOOLEAN NOT NULL,
    priority INTEGER NOT NULL,
    quota BIGINT,
    secret_key TEXT NOT NULL,
    public_key TEXT NOT NULL,
    created_at BIGINT NOT NULL
  );
  CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL,
    grants TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    revoked_at BIGINT
  );
  CREATE TABLE nars (
    file_hash TEXT PRIMARY KEY,
    file_size BIGINT NOT NULL,
    compression TEXT NOT NULL,
    nar_hash TEXT NOT NULL,
    nar_size BIGINT NOT NULL,
    key TEXT NOT NULL,
    created_at BIGINT NOT NULL
  );
  CREATE TABLE cache_nars (
    cache TEXT NOT NULL REFERENCES caches(name) ON DELETE CASCADE,
    file_hash TEXT NOT NULL REFERENCES nars(file_hash),
    uploaded_at BIGINT NOT NULL,
    PRIMARY KEY (cache, file_hash)
  );
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
    created_at BIGINT NOT NULL,
    tier INTEGER,
    build_seconds DOUBLE PRECISION,
    pinned BOOLEAN NOT NULL DEFAULT false,
    hits BIGINT NOT NULL DEFAULT 0,
    last_access BIGINT,
    PRIMARY KEY (cache, hash_part)
  );
  CREATE INDEX paths_by_file ON paths(file_hash);
  CREATE INDEX paths_by_cache_file ON paths(cache, file_hash);
  CREATE TABLE logs (
    cache TEXT NOT NULL REFERENCES caches(name) ON DELETE CASCADE,
    drv TEXT NOT NULL,
    key TEXT NOT NULL,
    encoding TEXT,
    size BIGINT NOT NULL,
    PRIMARY KEY (cache, drv)
  );
  CREATE TABLE refs (
    cache TEXT NOT NULL,
    referrer TEXT NOT NULL,
    reference TEXT NOT NULL,
    PRIMARY KEY (cache, reference, referrer)
  );
  CREATE INDEX refs_by_referrer ON refs(cache, referrer);
  CREATE TABLE evictions (
    cache TEXT NOT NULL,
    base_name TEXT NOT NULL,
    tier INTEGER NOT NULL,
    bytes BIGINT NOT NULL,
    paths INTEGER NOT NULL,
    reason TEXT NOT NULL,
    at BIGINT NOT NULL
  );
  CREATE INDEX evictions_by_cache ON evictions(cache, at);
  CREATE TABLE nar_deletions (
    cache TEXT NOT NULL,
    file_hash TEXT NOT NULL,
    delete_after BIGINT NOT NULL,
    PRIMARY KEY (cache, file_hash)
  );
  CREATE TABLE traffic (
    cache TEXT NOT NULL,
    minute BIGINT NOT NULL,
    hits BIGINT NOT NULL DEFAULT 0,
    misses BIGINT NOT NULL DEFAULT 0,
    bytes_out BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (cache, minute)
  );
  CREATE TABLE nar_claims (
    id TEXT PRIMARY KEY,
    file_hash TEXT NOT NULL,
    until BIGINT NOT NULL
  );
  CREATE INDEX nar_claims_by_file ON nar_claims(file_hash);
  `,
  // Every replica memoises caches, tokens and paths; these tell all of them when to forget
  // (postgres-memo.ts). Use counters (hits, last_access) change no memoised record.
  `
  CREATE FUNCTION larder_changed() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM pg_notify('larder_changed', TG_TABLE_NAME);
    RETURN NULL;
  END $$;
  CREATE TRIGGER caches_changed AFTER INSERT OR UPDATE OR DELETE ON caches
    FOR EACH STATEMENT EXECUTE FUNCTION larder_changed();
  CREATE TRIGGER tokens_changed AFTER INSERT OR UPDATE OR DELETE ON tokens
    FOR EACH STATEMENT EXECUTE FUNCTION larder_changed();
  CREATE TRIGGER paths_changed
    AFTER INSERT OR DELETE OR UPDATE OF sigs, tier, pinned, build_seconds, url, file_hash, refs
    ON paths FOR EACH STATEMENT EXECUTE FUNCTION larder_changed();
  `,
  // Each cache's path count and NAR bytes, kept by statement triggers over transition
  // tables (one row per statement, not per path: an eviction deletes thousands). Summing
  // them over a million paths took seconds, and every push to a cache with a quota asked
  // for the sum. The triggers add rows of changes rather than update one row per cache:
  // a row every pushing and evicting transaction updated would be a lock each holds to its
  // end, and two replicas evicting at once would deadlock on it. countPaths folds them.
  `
  CREATE TABLE cache_totals (
    cache TEXT NOT NULL REFERENCES caches(name) ON DELETE CASCADE,
    paths BIGINT NOT NULL,
    bytes BIGINT NOT NULL
  );
  CREATE INDEX cache_totals_by_cache ON cache_totals(cache);
  INSERT INTO cache_totals (cache, paths, bytes)
    SELECT p.cache, count(*), coalesce(sum(n.file_size), 0)
    FROM paths p LEFT JOIN nars n ON n.file_hash = p.file_hash GROUP BY p.cache;
  -- Rows of a cache being deleted are left out: it is gone with its totals.
  CREATE FUNCTION larder_totals_add() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO cache_totals (cache, paths, bytes)
      SELECT r.cache, count(*), coalesce(sum(n.file_size), 0)
      FROM new_rows r LEFT JOIN nars n ON n.file_hash = r.file_hash
      WHERE EXISTS (SELECT 1 FROM caches c WHERE c.name = r.cache) GROUP BY r.cache;
    RETURN NULL;
  END $$;
  CREATE FUNCTION larder_totals_remove() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO cache_totals (cache, paths, bytes)
      SELECT r.cache, -count(*), -coalesce(sum(n.file_size), 0)
      FROM old_rows r LEFT JOIN nars n ON n.file_hash = r.file_hash
      WHERE EXISTS (SELECT 1 FROM caches c WHERE c.name = r.cache) GROUP BY r.cache;
    RETURN NULL;
  END $$;
  CREATE FUNCTION larder_totals_move() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO cache_totals (cache, paths, bytes)
      SELECT OLD.cache, -1, -coalesce((SELECT file_size FROM nars WHERE file_hash = OLD.file_hash), 0)
      WHERE EXISTS (SELECT 1 FROM caches c WHERE c.name = OLD.cache);
    INSERT INTO cache_totals (cache, paths, bytes)
      SELECT NEW.cache, 1, coalesce((SELECT file_size FROM nars WHERE file_hash = NEW.file_hash), 0)
      WHERE EXISTS (SELECT 1 FROM caches c WHERE c.name = NEW.cache);
    RETURN NULL;
  END $$;
  CREATE TRIGGER cache_totals_add AFTER INSERT ON paths
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION larder_totals_add();
  CREATE TRIGGER cache_totals_remove AFTER DELETE ON paths
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION larder_totals_remove();
  -- Per row, as transition tables cannot go with a column list; no update sets these.
  CREATE TRIGGER cache_totals_move AFTER UPDATE OF file_hash, cache ON paths
    FOR EACH ROW EXECUTE FUNCTION larder_totals_move();
  `,
  // The dashboard's recent pushes: without it, the ten newest paths are a sort of all of
  // them (in SQLite 2.8-2.9 s at a million).
  `
  CREATE INDEX paths_by_created ON paths(cache, created_at);
  `,
];
