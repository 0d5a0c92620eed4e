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
];
