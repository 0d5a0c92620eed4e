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
];
