import type { CacheRecord, MetadataIndex, PathRecord, RetentionRow } from '../index/index.ts';
import {
  fingerprintPath,
  formatHash,
  type Hash,
  type NarInfo,
  NixFormatError,
  parseNarInfo,
  parseStorePath,
  signDetached,
} from '../nix/index.ts';
import { badRequest, conflict } from '../util/http-error.ts';
import { parseNarFileName } from './ingest-nar.ts';
import { signingKeyOf } from './keys.ts';

/** The digest in nix-base32 without the `sha256:` prefix, as the index keeps it. */
const base32Of = (h: Hash) => formatHash(h, 'base32').slice(h.algo.length + 1);

/** Parses a narinfo upload, mapping format errors to a 400 that names the field. */
function parseUpload(text: string, storeDir: string): NarInfo {
  try {
    return parseNarInfo(text, storeDir);
  } catch (err) {
    if (err instanceof NixFormatError) throw badRequest(err.reason, err.field);
    throw err;
  }
}

/**
 * Checks an uploaded narinfo against the NAR this cache received and against the cache's
 * contents, then stores it signed by the cache. Nothing is stored when any check fails.
 */
export async function acceptNarInfo(
  deps: {
    index: MetadataIndex;
    storeDir: string;
    now: () => number;
    /** Makes room under the quota (or refuses) before a new path is stored. */
    admit?: (incoming: RetentionRow) => Promise<void>;
  },
  cache: CacheRecord,
  hashPart: string,
  text: string,
  hints: { tier?: number | undefined; buildSeconds?: number | undefined } = {},
): Promise<{ created: boolean; record: PathRecord }> {
  const info = parseUpload(text, deps.storeDir);
  const path = parseStorePath(info.storePath, deps.storeDir);
  if (path.hashPart !== hashPart) {
    throw badRequest(`${info.storePath} does not belong at ${hashPart}.narinfo`, 'StorePath');
  }
  const file = parseNarFileName(info.url.startsWith('nar/') ? info.url.slice(4) : '');
  if (!file) throw badRequest(`expected nar/<filehash>.nar[.ext], got ${info.url}`, 'URL');
  const nar = await deps.index.getCacheNar(cache.name, file.fileHash);
  if (!nar)
    throw badRequest(
      `${info.url} was never uploaded to cache ${cache.name}: upload the NAR first`,
      'URL',
    );
  if (info.compression !== nar.compression) {
    throw badRequest(
      `says ${info.compression}, but ${info.url} is ${nar.compression}`,
      'Compression',
    );
  }
  if (
    info.fileHash &&
    (info.fileHash.algo !== 'sha256' || base32Of(info.fileHash) !== nar.fileHash)
  ) {
    throw badRequest(`does not match the uploaded file (sha256:${nar.fileHash})`, 'FileHash');
  }
  if (info.fileSize !== undefined && info.fileSize !== nar.fileSize) {
    throw badRequest(
      `says ${info.fileSize}, but the uploaded file has ${nar.fileSize} bytes`,
      'FileSize',
    );
  }
  if (info.narHash.algo !== 'sha256' || base32Of(info.narHash) !== nar.narHash) {
    throw badRequest(`does not match the uploaded NAR (sha256:${nar.narHash})`, 'NarHash');
  }
  if (info.narSize !== nar.narSize) {
    throw badRequest(
      `says ${info.narSize}, but the uploaded NAR has ${nar.narSize} bytes`,
      'NarSize',
    );
  }

  const references = [...info.references].sort();
  const fingerprint = fingerprintPath(
    info.storePath,
    info.narHash,
    nar.narSize,
    references.map((r) => `${deps.storeDir}/${r}`),
  );
  const record: PathRecord = {
    hashPart,
    baseName: path.baseName,
    url: info.url,
    nar,
    references,
    deriver: info.deriver,
    system: info.system,
    ca: info.ca,
    // Client signatures are kept as they came: Nix checks each against the keys it trusts.
    sigs: info.sigs.filter((s) => s !== ''),
    cacheSig: signDetached(signingKeyOf(cache), fingerprint),
    createdAt: deps.now(),
    tier: hints.tier,
    buildSeconds: hints.buildSeconds,
  };
  if (deps.admit && !(await deps.index.getPath(cache.name, hashPart))) {
    await deps.admit({
      hashPart,
      baseName: record.baseName,
      references: references.map((r) => r.slice(0, 32)),
      bytes: nar.fileSize,
      tier: record.tier,
      pinned: false,
      buildSeconds: record.buildSeconds,
      createdAt: record.createdAt,
      lastAccess: undefined,
      hits: 0,
    });
  }
  const result = await deps.index.insertPath(cache.name, record);
  if (!result.ok && 'missing' in result) {
    throw badRequest(
      `not in cache ${cache.name}: ${result.missing.join(', ')} (upload references before the paths that use them)`,
      'References',
    );
  }
  if (!result.ok) {
    throw conflict(
      `${info.storePath} is already in cache ${cache.name} with NarHash sha256:${result.conflict.nar.narHash}; a narinfo never changes once served`,
    );
  }
  return { created: result.created, record };
}
