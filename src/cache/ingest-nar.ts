import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { MetadataIndex, NarRecord } from '../index/index.ts';
import { createNarVerifier, encodeBase32, formatHash, serializeListing } from '../nix/index.ts';
import type { BlobStore } from '../storage/index.ts';
import { fanOut } from '../util/fan-out.ts';
import { badRequest, HttpError, payloadTooLarge } from '../util/http-error.ts';
import { compressionOfExt, createDecompressor } from './compression.ts';

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
export const listingKey = (fileHash: string) => `ls/${fileHash}.json`;

export interface IngestInput {
  cache: string;
  fileName: string;
  body: Readable;
  declaredSize: number | undefined;
  maxSize: number;
  signal: AbortSignal;
}

/**
 * Streams an uploaded NAR file into storage while hashing it and, decompressed, parsing
 * and hashing the NAR inside. Nothing becomes visible unless every check passes: the
 * file's sha256 must equal its name and the NAR must parse. Bytes another cache already
 * stored are only hashed, not stored again.
 */
export async function ingestNar(
  deps: { storage: BlobStore; index: MetadataIndex; now: () => number },
  input: IngestInput,
): Promise<{ nar: NarRecord; stored: boolean }> {
  const parsed = parseNarFileName(input.fileName);
  if (!parsed) {
    throw badRequest(
      `NAR file name must be <sha256 in nix-base32>.nar[.xz|.zst|.bz2|.br|.gz], got ${input.fileName}`,
      'URL',
    );
  }
  const tooLarge = () =>
    payloadTooLarge(`NAR file larger than the server's limit of ${input.maxSize} bytes`);
  if (input.declaredSize !== undefined && input.declaredSize > input.maxSize) throw tooLarge();

  const key = narKey(input.fileName);
  const known = await deps.index.getNar(parsed.fileHash);
  const reuse =
    known !== undefined &&
    (await deps.storage.head(known.key, { signal: input.signal })) !== undefined;

  const fileHasher = createHash('sha256');
  let fileSize = 0;
  const countAndHash = (chunk: Buffer) => {
    fileSize += chunk.length;
    if (fileSize > input.maxSize) throw tooLarge();
    fileHasher.update(chunk);
  };

  if (reuse) {
    const fan = fanOut([], countAndHash);
    await pipeline(input.body, fan, { signal: input.signal });
    checkFileHash(parsed.fileHash, fileHasher.digest());
    await deps.index.addNar(input.cache, known, deps.now());
    return { nar: known, stored: false };
  }

  const writer = await deps.storage.createWriter(key, { signal: input.signal });
  try {
    const decompressor = createDecompressor(parsed.compression);
    const verifier = createNarVerifier();
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
        `the uploaded file is not a valid ${parsed.compression}-compressed NAR: ${err.message}`,
        'NAR',
      );
    const fan = fanOut([writer.stream, decompressor], countAndHash);
    try {
      await pipeline(input.body, fan, { signal: input.signal });
    } catch (err) {
      // A decompression or NAR syntax failure tears the whole pipeline down; report
      // that, not the secondary "stream destroyed".
      if (invalid && !(err instanceof HttpError) && !input.signal.aborted) throw notANar(invalid);
      throw err;
    }
    checkFileHash(parsed.fileHash, fileHasher.digest());
    const summary = await inner.catch((err: Error) => {
      throw notANar(err);
    });
    const listing = await deps.storage.createWriter(listingKey(parsed.fileHash), {
      signal: input.signal,
    });
    listing.stream.end(serializeListing(summary.listing));
    await listing.commit();
    await writer.commit();
    const nar: NarRecord = {
      fileHash: parsed.fileHash,
      fileSize,
      compression: parsed.compression,
      narHash: formatHash(summary.narHash, 'base32').slice('sha256:'.length),
      narSize: summary.narSize,
      key,
    };
    await deps.index.addNar(input.cache, nar, deps.now());
    return { nar, stored: true };
  } catch (err) {
    await writer.abort();
    throw err;
  }
}

function checkFileHash(expected: string, digest: Buffer): void {
  const actual = encodeBase32(digest);
  if (actual !== expected) {
    throw badRequest(
      `the file's sha256 is ${actual}, not ${expected} as its name says`,
      'FileHash',
    );
  }
}
