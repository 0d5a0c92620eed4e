import { spawn } from 'node:child_process';
import { Duplex, PassThrough } from 'node:stream';
import { createBrotliDecompress, createGunzip, createZstdDecompress } from 'node:zlib';

/** NAR file extensions Nix uses, by compression name (libstore's `nar` + compression suffix). */
export const COMPRESSION_EXT: Record<string, string> = {
  none: '',
  xz: '.xz',
  zstd: '.zst',
  bzip2: '.bz2',
  br: '.br',
  gzip: '.gz',
};

const EXT_COMPRESSION = new Map(Object.entries(COMPRESSION_EXT).map(([c, e]) => [e, c]));

/** The compression a NAR file name implies (`x.nar.xz` → `xz`), or undefined. */
export function compressionOfExt(ext: string): string | undefined {
  return EXT_COMPRESSION.get(ext);
}

/** Bytes per chunk into and out of a decompressor (ingest-nar gathers uploads to this size). */
export const DECOMPRESS_CHUNK = 1024 * 1024;

/**
 * 1 MiB chunks in and out, and room for a few on either side: each chunk is a thread-pool
 * round trip and a stream callback, and a queue smaller than one chunk makes every chunk
 * wait for the one before it. Decompressing the push bench's NARs took ~25% less time
 * with 1 MiB in and out than with the socket's 64 KiB in and 256 KiB out. A file known to
 * be small gets a smaller output buffer (allocated up front): 2,000 uploads of a few KiB
 * each made 2 GiB of garbage with 1 MiB each.
 */
function queue(sizeHint: number | undefined) {
  const out =
    sizeHint === undefined || !Number.isFinite(sizeHint)
      ? DECOMPRESS_CHUNK
      : Math.min(DECOMPRESS_CHUNK, Math.max(64 * 1024, 2 ** Math.ceil(Math.log2(sizeHint * 8))));
  return {
    chunkSize: out,
    writableHighWaterMark: 4 * DECOMPRESS_CHUNK,
    readableHighWaterMark: 2 * out,
  };
}

/**
 * A stream that decompresses NAR file bytes. xz and bzip2 run in the system's `xz` and
 * `bzip2` (Node has neither, and a native process beats a JS port by a wide margin);
 * zstd, brotli and gzip come from node:zlib. `sizeHint`: the file's size, when known.
 */
export function createDecompressor(compression: string, sizeHint?: number): Duplex {
  switch (compression) {
    case 'none':
      return new PassThrough({ highWaterMark: 4 * DECOMPRESS_CHUNK });
    case 'zstd':
      return createZstdDecompress(queue(sizeHint));
    case 'br':
      return createBrotliDecompress(queue(sizeHint));
    case 'gzip':
      return createGunzip(queue(sizeHint));
    case 'xz':
      return spawnFilter('xz', ['-d', '-c', '-q']);
    case 'bzip2':
      return spawnFilter('bzip2', ['-d', '-c', '-q']);
    default:
      throw new Error(`unsupported compression ${compression}`);
  }
}

/**
 * Runs a filter program as a duplex stream. Its output ends only once the program has
 * exited 0, so a corrupt trailer (xz's check) fails the upload instead of passing.
 */
function spawnFilter(cmd: string, args: string[]): Duplex {
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    if (stderr.length < 2000) stderr += d;
  });
  const out = new PassThrough({ highWaterMark: 256 * 1024 });
  child.stdout.pipe(out, { end: false });
  // stdin EPIPE when the program quits early on bad input: the exit code tells the story.
  child.stdin.on('error', () => {});
  child.on('error', (err) => out.destroy(new Error(`cannot run ${cmd}: ${err.message}`)));
  child.on('close', (code, signal) => {
    if (code === 0) out.end();
    else
      out.destroy(
        new Error(`not valid ${cmd} data (${stderr.trim() || `exit ${code ?? signal}`})`),
      );
  });
  const duplex = Duplex.from({ writable: child.stdin, readable: out });
  duplex.on('close', () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return duplex;
}
