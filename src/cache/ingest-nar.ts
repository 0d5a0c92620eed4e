import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { MetadataIndex, NarRecord } from '../index/index.ts';
import { createNarVerifier, encodeBase32, formatHash, serializeListing } from '../nix/index.ts';
import type { BlobStore } from '../storage/index.ts';
import { fanOut } from '../util/fan-out.ts';
import { scavengeEvery } from '../util/gc.ts';
import { badRequest, HttpError, payloadTooLarge } from '../util/http-error.ts';
import {
  COMPRESSION_EXT,
  compressionOfExt,
  createDecompressor,
  DECOMPRESS_CHUNK,
} from './compression.ts';

/** `<52 base32 chars>.nar[.ext]`: Nix names NAR files by the sha256 of the file (FileHash). */
const NAR_FILE = /^([0-9a-df-np-sv-z]{52})\.nar((?:\.[a-z0-9]+)?)$/;

export function parseNarFileName(
  name: string,
): { fileHash: string; compression: string } | undefined {
  const m = NAR_FILE.exec(name);
  const compression = m ? compressionOfExt(m[2] ?? '') : undefined;
  return m && compression ? { fileHash: m[1] as string, compression } : undefined;
}

export const narKey = (fileName: string) => `nar/${fileName}`;

/** The URL Nix would give this NAR file: `nar/<filehash>.nar<ext>`. */
export const narUrl = (nar: { fileHash: string; compression: string }) =>
  `nar/${nar.fileHash}.nar${COMPRESSION_EXT[nar.compression] ?? ''}`;
export const listingKey = (fileHash: string) => `ls/${fileHash}.json`;

export interface IngestInput {
  cache: string;
  /** Nix's `<filehash>.nar[.ext]`; omitted, the server names the file after hashing it. */
  fileName?: string | undefined;
  /** Required when there is no file name to tell it. */
  compression?: string | undefined;
  body: Readable;
  declaredSize: number | undefined;
  maxSize: number;
  signal: AbortSignal;
  /**
   * NarHash (nix-base32) and NarSize the NAR must have, checked before anything is kept:
   * for a NAR fetched from an upstream, whose signature vouches for these and not the file.
   */
  expect?: { narHash: string; narSize: number } | undefined;
}

/**
 * Streams an uploaded NAR file into storage while hashing it and, decompressed, parsing
 * and hashing the NAR inside. Nothing becomes visible unless every check passes: the
 * file's sha256 must equal its name (when the client named it) and the NAR must parse.
 * Bytes another cache already stored are only hashed, not stored again.
 */
export async function ingestNar(
  deps: { storage: BlobStore; index: MetadataIndex; now: () => number },
  input: IngestInput,
): Promise<{ nar: NarRecord; stored: boolean }> {
  // While the upload runs, no sweeper (in any replica) deletes the NAR it reuses.
  const claim = randomBytes(16).toString('hex');
  try {
    return await ingestClaimed(deps, input, claim, deps.now() + CLAIM_MS);
  } finally {
    await deps.index.releaseNar(claim);
  }
}

/** How long an upload's claim holds at most: a replica that died mid-upload frees it then. */
const CLAIM_MS = 6 * 3_600_000;

async function ingestClaimed(
  deps: { storage: BlobStore; index: MetadataIndex; now: () => number },
  input: IngestInput,
  claim: string,
  claimUntil: number,
): Promise<{ nar: NarRecord; stored: boolean }> {
  const parsed = input.fileName !== undefined ? parseNarFileName(input.fileName) : undefined;
  if (input.fileName !== undefined && !parsed) {
    throw badRequest(
      `NAR file name must be <sha256 in nix-base32>.nar[.xz|.zst|.bz2|.br|.gz], got ${input.fileName}`,
      'URL',
    );
  }
  const compression = parsed?.compression ?? input.compression ?? 'none';
  const ext = COMPRESSION_EXT[compression];
  if (ext === undefined) throw badRequest(`unknown compression ${compression}`, 'Compression');
  const tooLarge = () =>
    payloadTooLarge(`NAR file larger than the server's limit of ${input.maxSize} bytes`);
  if (input.declaredSize !== undefined && input.declaredSize > input.maxSize) throw tooLarge();

  // Every write goes to a key of its own (the URL comes from the hash, the key need not):
  // a sweeper in another replica deleting an evicted copy of the same bytes deletes that
  // copy's key, never the file this upload is writing.
  const key = parsed
    ? narKey(`${parsed.fileHash}.${claim.slice(0, 8)}.nar${ext}`)
    : `nar/u/${claim}.nar${ext}`;
  const known = parsed && (await deps.index.claimNar(claim, parsed.fileHash, claimUntil));
  const reuse =
    known !== undefined &&
    (await deps.storage.head(known.key, { signal: input.signal })) !== undefined;

  const fileHasher = createHash('sha256');
  let fileSize = 0;
  // An uncompressed file is its NAR: the verifier's NarHash is the FileHash, so hashing
  // the bytes twice would only cost time (sha256 is most of an upload's CPU).
  let hashFile = true;
  const collect = scavengeEvery();
  const countAndHash = (chunk: Buffer) => {
    fileSize += chunk.length;
    collect(chunk.length);
    if (fileSize > input.maxSize) throw tooLarge();
    if (hashFile) fileHasher.update(chunk);
  };

  if (parsed && known && reuse) {
    const fan = fanOut([], { onChunk: countAndHash });
    await pipeline(input.body, fan, { signal: input.signal });
    checkFileHash(parsed.fileHash, encodeBase32(fileHasher.digest()));
    if (input.expect) checkExpected(input.expect, known.narHash, known.narSize);
    await deps.index.addNar(input.cache, known, deps.now());
    return { nar: known, stored: false };
  }

  hashFile = compression !== 'none';
  const writer = await deps.storage.createWriter(key, { signal: input.signal });
  try {
    const decompressor = createDecompressor(compression, input.declaredSize);
    // Decompressed bytes count towards scavenges too. Counting only the file's, a NAR that
    // compressed 25:1 allocated ~200 MiB of chunks between two scavenges, which V8 then
    // reclaimed with full mark-compacts: 13-21 per round of the push bench's NARs
    // in-process before, none after, at half the CPU.
    const verifier = createNarVerifier({ onBytes: hashFile ? collect : undefined });
    let invalid: Error | undefined;
    const inner = pipeline(decompressor, verifier.stream).then(
      () => verifier.result,
      (err: Error) => {
        invalid = err;
        throw err;
      },
    );
    inner.catch(() => {});
    verifier.result.catch(() => {});
    const notANar = (err: Error) =>
      badRequest(
        `the uploaded file is not a valid ${compression}-compressed NAR: ${err.message}`,
        'NAR',
      );
    // Gathered for a decompressor (one thread-pool round trip per chunk); an uncompressed
    // upload goes as it comes, the file writer batches queued chunks into one writev.
    const fan = fanOut([writer.stream, decompressor], {
      onChunk: countAndHash,
      chunkBytes: compression === 'none' ? 0 : DECOMPRESS_CHUNK,
    });
    try {
      await pipeline(input.body, fan, { signal: input.signal });
    } catch (err) {
      // A decompression or NAR syntax failure tears the whole pipeline down; report
      // that, not the secondary "stream destroyed".
      if (invalid && !(err instanceof HttpError) && !input.signal.aborted) throw notANar(invalid);
      throw err;
    }
    const narSummary = () =>
      inner.catch((err: Error) => {
        throw notANar(err);
      });
    let fileHash: string;
    let summary: Awaited<typeof inner>;
    if (hashFile) {
      fileHash = encodeBase32(fileHasher.digest());
      if (parsed) checkFileHash(parsed.fileHash, fileHash);
      summary = await narSummary();
    } else {
      summary = await narSummary();
      fileHash = encodeBase32(summary.narHash.digest);
      if (parsed) checkFileHash(parsed.fileHash, fileHash);
    }
    if (input.expect) {
      const narHash = formatHash(summary.narHash, 'base32').slice('sha256:'.length);
      checkExpected(input.expect, narHash, summary.narSize);
    }
    const existing = parsed ? undefined : await deps.index.claimNar(claim, fileHash, claimUntil);
    if (existing && (await deps.storage.head(existing.key, { signal: input.signal }))) {
      await writer.abort();
      await deps.index.addNar(input.cache, existing, deps.now());
      return { nar: existing, stored: false };
    }
    const listing = await deps.storage.createWriter(listingKey(fileHash), {
      signal: input.signal,
    });
    listing.stream.end(serializeListing(summary.listing));
    // Both files are made durable (fsync, rename) side by side; the index row that makes
    // the NAR visible is written only once both are.
    const [listed, written] = await Promise.allSettled([listing.commit(), writer.commit()]);
    if (written.status === 'rejected') throw written.reason;
    if (listed.status === 'rejected') {
      await deps.storage.delete(key);
      throw listed.reason;
    }
    const nar: NarRecord = {
      fileHash,
      fileSize,
      compression,
      narHash: formatHash(summary.narHash, 'base32').slice('sha256:'.length),
      narSize: summary.narSize,
      key,
    };
    await deps.index.addNar(input.cache, nar, deps.now());
    // A concurrent upload of the same bytes was recorded first: serve its copy, drop ours.
    const first = await deps.index.getNar(fileHash);
    if (first && first.key !== key) {
      await deps.storage.delete(key);
      return { nar: first, stored: false };
    }
    return { nar, stored: true };
  } catch (err) {
    await writer.abort();
    throw err;
  }
}

function checkExpected(
  expect: { narHash: string; narSize: number },
  narHash: string,
  narSize: number,
): void {
  if (narHash !== expect.narHash || narSize !== expect.narSize)
    throw badRequest(
      `the NAR is sha256:${narHash} (${narSize} bytes), not sha256:${expect.narHash} (${expect.narSize} bytes) as expected`,
      'NarHash',
    );
}

function checkFileHash(expected: string, actual: string): void {
  if (actual !== expected) {
    throw badRequest(
      `the file's sha256 is ${actual}, not ${expected} as its name says`,
      'FileHash',
    );
  }
}
