import type { CacheRecord, NarRecord, PathRecord, RetentionRow, TokenRecord } from './types.ts';

/**
 * Row <-> record mapping both backends share. SQLite hands back numbers and 0/1, the pg
 * driver strings for BIGINT and booleans; `Number`, `Boolean` and these helpers read either.
 */
export type Row = Record<string, unknown>;

export const optNum = (v: unknown): number | undefined =>
  v === null || v === undefined ? undefined : Number(v);
export const optStr = (v: unknown): string | undefined =>
  v === null || v === undefined ? undefined : String(v);

export function cacheFromRow(r: Row): CacheRecord {
  return {
    name: r.name as string,
    public: Boolean(r.public),
    priority: Number(r.priority),
    quota: optNum(r.quota),
    secretKey: r.secret_key as string,
    publicKey: r.public_key as string,
    createdAt: Number(r.created_at),
  };
}

export function tokenFromRow(r: Row): TokenRecord {
  return {
    id: r.id as string,
    hash: r.hash as string,
    description: r.description as string,
    grants: JSON.parse(r.grants as string),
    createdAt: Number(r.created_at),
    expiresAt: optNum(r.expires_at),
    revokedAt: optNum(r.revoked_at),
  };
}

/** A `nars` row (or a join carrying its columns) as a record. */
export function narFromRow(r: Row): NarRecord {
  return {
    fileHash: r.file_hash as string,
    fileSize: Number(r.file_size),
    compression: r.compression as string,
    narHash: r.nar_hash as string,
    narSize: Number(r.nar_size),
    key: r.key as string,
  };
}

/** A `paths` row joined with its `nars` columns. */
export function pathFromRow(r: Row): PathRecord {
  const refs = r.refs as string;
  const sigs = r.sigs as string;
  return {
    hashPart: r.hash_part as string,
    baseName: r.base_name as string,
    url: r.url as string,
    nar: narFromRow(r),
    references: refs === '' ? [] : refs.split(' '),
    deriver: optStr(r.deriver),
    system: optStr(r.system),
    ca: optStr(r.ca),
    sigs: sigs === '' ? [] : sigs.split('\n'),
    cacheSig: r.cache_sig as string,
    createdAt: Number(r.created_at),
    tier: optNum(r.tier),
    buildSeconds: optNum(r.build_seconds),
  };
}

/** The columns of a `paths` insert, in the order of PATH_COLUMNS. */
export const PATH_COLUMNS =
  'cache, hash_part, base_name, url, file_hash, refs, deriver, system, ca, sigs, cache_sig, created_at, tier, build_seconds';

export function pathValues(cache: string, p: PathRecord): (string | number | null)[] {
  return [
    cache,
    p.hashPart,
    p.baseName,
    p.url,
    p.nar.fileHash,
    p.references.join(' '),
    p.deriver ?? null,
    p.system ?? null,
    p.ca ?? null,
    p.sigs.join('\n'),
    p.cacheSig,
    p.createdAt,
    p.tier ?? null,
    p.buildSeconds ?? null,
  ];
}

/** What retention reads of each path, joined with its NAR's size; callers add the WHERE. */
export const RETENTION_SELECT = `SELECT p.hash_part, p.base_name, p.refs, n.file_size, p.tier, p.pinned,
    p.build_seconds, p.created_at, p.last_access, p.hits
  FROM paths p JOIN nars n ON n.file_hash = p.file_hash`;

export function retentionFromRow(r: Row): RetentionRow {
  const refs = r.refs as string;
  return {
    hashPart: r.hash_part as string,
    baseName: r.base_name as string,
    references: refs === '' ? [] : refs.split(' ').map((b) => b.slice(0, 32)),
    bytes: Number(r.file_size),
    tier: optNum(r.tier),
    pinned: Boolean(r.pinned),
    buildSeconds: optNum(r.build_seconds),
    createdAt: Number(r.created_at),
    lastAccess: optNum(r.last_access),
    hits: Number(r.hits),
  };
}
