/** Records the metadata index keeps; hashes are Nix base32 sha256 without the `sha256:` prefix. */

export type Scope = 'pull' | 'push' | 'delete' | 'admin';
export const SCOPES: readonly Scope[] = ['pull', 'push', 'delete', 'admin'];

export interface CacheRecord {
  name: string;
  public: boolean;
  priority: number;
  /** Bytes; undefined means no quota. */
  quota: number | undefined;
  /** Nix secret key text (`name:base64`). */
  secretKey: string;
  publicKey: string;
  createdAt: number;
}

export interface Grant {
  /** A cache name, or `*` for every cache (present and future). */
  cache: string;
  scopes: Scope[];
}

export interface TokenRecord {
  id: string;
  /** sha256 hex of the token; the token itself is never stored. */
  hash: string;
  description: string;
  grants: Grant[];
  createdAt: number;
  expiresAt: number | undefined;
  revokedAt: number | undefined;
}

/** A verified NAR file, shared by every cache that uploaded the same bytes. */
export interface NarRecord {
  fileHash: string;
  fileSize: number;
  /** Nix's compression name: none, xz, zstd, bzip2, br, gzip. */
  compression: string;
  narHash: string;
  narSize: number;
  /** Storage key of the file. */
  key: string;
}

/** A store path in one cache: everything needed to render its narinfo. */
export interface PathRecord {
  hashPart: string;
  /** Store path base name: `<hash>-<name>`. */
  baseName: string;
  /** The narinfo's URL, e.g. `nar/<fileHash>.nar.xz`. */
  url: string;
  nar: NarRecord;
  /** Base names, sorted. */
  references: string[];
  deriver: string | undefined;
  system: string | undefined;
  ca: string | undefined;
  /** Signatures that came with the upload. */
  sigs: string[];
  /** The cache's own signature, made at upload time. */
  cacheSig: string;
  /** Tier asked for at push time (1 = keep, 2 = keep while room, 3 = cheap). */
  tier: number | undefined;
  /** Recorded cost to rebuild, from `larder push --build-seconds` or `larder build`. */
  buildSeconds: number | undefined;
  createdAt: number;
}

export interface LogRecord {
  key: string;
  encoding: string | undefined;
  size: number;
}

/** A path as retention planning needs it (hash parts, not full paths). */
export interface RetentionRow {
  hashPart: string;
  baseName: string;
  references: string[];
  bytes: number;
  tier: number | undefined;
  pinned: boolean;
  buildSeconds: number | undefined;
  createdAt: number;
  lastAccess: number | undefined;
  hits: number;
}

/** One root's eviction, to carry out atomically. */
export interface EvictionRecord {
  root: string;
  tier: number;
  reason: string;
  hashParts: string[];
  bytes: number;
}

export interface TrafficRow {
  minute: number;
  hits: number;
  misses: number;
  bytesOut: number;
}

export type InsertPathResult =
  | { ok: true; created: boolean }
  | { ok: false; missing: string[] }
  | { ok: false; conflict: PathRecord };

/**
 * The metadata index. Every method is async so SQLite and PostgreSQL share every caller;
 * methods that must be atomic (insertPath's closure check) are atomic in each backend.
 */
export interface MetadataIndex {
  close(): Promise<void>;

  createCache(rec: CacheRecord): Promise<boolean>;
  getCache(name: string): Promise<CacheRecord | undefined>;
  listCaches(): Promise<CacheRecord[]>;
  updateCache(
    name: string,
    patch: Partial<Pick<CacheRecord, 'public' | 'priority' | 'quota'>>,
  ): Promise<CacheRecord | undefined>;
  /** Removes the cache with its paths and logs; NAR files stay for the collector. */
  deleteCache(name: string): Promise<boolean>;

  createToken(rec: TokenRecord): Promise<void>;
  getTokenByHash(hash: string): Promise<TokenRecord | undefined>;
  getToken(id: string): Promise<TokenRecord | undefined>;
  listTokens(): Promise<TokenRecord[]>;
  revokeToken(id: string, at: number): Promise<boolean>;

  /** Records a verified NAR and that `cache` holds it. */
  addNar(cache: string, nar: NarRecord, at: number): Promise<void>;
  /** The NAR if this cache holds it (uploaded here), by file hash. */
  getCacheNar(cache: string, fileHash: string): Promise<NarRecord | undefined>;
  /** The NAR if any cache holds it. */
  getNar(fileHash: string): Promise<NarRecord | undefined>;
  /**
   * Holds a NAR file against deletion while an upload that may reference it is in flight,
   * in this process or another replica, until `releaseNar(id)` or `until`. Answers the NAR
   * if it is known, read atomically with the claim: a concurrent `finishNarDeletion` either
   * sees the claim and keeps the NAR, or removed it first and the answer is undefined.
   */
  claimNar(id: string, fileHash: string, until: number): Promise<NarRecord | undefined>;
  releaseNar(id: string): Promise<void>;

  getPath(cache: string, hashPart: string): Promise<PathRecord | undefined>;
  /**
   * What `render` makes of the cache's path (its narinfo), or undefined when the cache
   * lacks it. Memoised as bytes outside the JS heap (byte-memo.ts) and forgotten whenever
   * getPath's answer would change, so `render` must depend on the record alone.
   */
  renderedPath(
    cache: string,
    hashPart: string,
    render: (p: PathRecord) => Buffer,
  ): Promise<Buffer | undefined>;
  /** Inserts a path after checking, atomically, that its references are present. */
  insertPath(cache: string, rec: PathRecord): Promise<InsertPathResult>;
  /** Of the given hash parts, those the cache lacks. */
  missingPaths(cache: string, hashParts: string[]): Promise<string[]>;
  countPaths(cache: string): Promise<{ paths: number; narBytes: number }>;
  /**
   * How many paths the cache has, counting no further than `limit`: without the sizes that
   * countPaths joins in (seconds at a million paths), and bounded, so it can run on the
   * server's event loop.
   */
  pathCount(cache: string, limit?: number): Promise<number>;

  /** Every path of the cache with what retention planning needs. */
  retentionView(cache: string): Promise<RetentionRow[]>;
  /**
   * The same rows in batches, by hash part, so a million paths can be planned without a
   * million row objects at once. Batches may be read at different moments: evict() checks
   * each eviction against the index as it is then.
   */
  retentionRows(cache: string): AsyncIterable<RetentionRow[]>;
  /**
   * Removes each eviction's paths in one transaction, unless a path outside it now
   * references one of them (a push landed since planning) or its root is already gone
   * (another process evicted it): that eviction is skipped.
   * NAR files no path uses any more are scheduled for deletion after `graceMs`.
   */
  evict(
    cache: string,
    evictions: EvictionRecord[],
    at: number,
    graceMs: number,
  ): Promise<{ done: EvictionRecord[]; skipped: EvictionRecord[] }>;
  /** Makes a path a root with this tier; false when the cache lacks it. */
  pin(cache: string, hashPart: string, tier: number | undefined): Promise<boolean>;
  /**
   * Adds uses (downloads, liveness touches) to paths' hit counts, by hash part or NAR file
   * hash, each with how many times it was used, and sets their last access to `at`.
   */
  recordUse(
    cache: string,
    hashParts: ReadonlyMap<string, number>,
    fileHashes: ReadonlyMap<string, number>,
    at: number,
  ): Promise<void>;
  recordTraffic(cache: string, minute: number, t: Omit<TrafficRow, 'minute'>): Promise<void>;
  traffic(cache: string, sinceMinute: number): Promise<TrafficRow[]>;
  recentEvictions(
    cache: string,
    limit: number,
  ): Promise<
    { baseName: string; tier: number; bytes: number; paths: number; reason: string; at: number }[]
  >;
  recentPaths(
    cache: string,
    limit: number,
  ): Promise<{ baseName: string; bytes: number; createdAt: number }[]>;
  /** NAR deletions whose grace period is over. */
  dueNarDeletions(now: number): Promise<{ cache: string; fileHash: string }[]>;
  /**
   * Drops the cache's hold on a NAR whose grace is over (unless a path uses it again, it
   * was uploaded again, or an upload has claimed it); returns the NAR when no cache holds
   * it any more, so its file can be deleted. Of two concurrent calls, one does the work.
   */
  finishNarDeletion(cache: string, fileHash: string, now: number): Promise<NarRecord | undefined>;

  putLog(cache: string, drv: string, rec: LogRecord): Promise<void>;
  getLog(cache: string, drv: string): Promise<LogRecord | undefined>;
}
