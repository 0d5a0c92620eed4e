import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { promisify } from 'node:util';
import { constants, createZstdCompress, zstdCompress } from 'node:zlib';
import { dumpPath, narChunks, parseHash, serializeNarInfo } from '../../nix/index.ts';
import { scavengeEvery } from '../../util/gc.ts';
import { ClientError } from '../errors.ts';
import { messageOf, send, withRetries } from '../http.ts';
import { nixBin } from '../nix-cli.ts';
import type { PathInfo } from './closure.ts';

/** NAR bytes read and compressed bytes sent between scavenges (all of them are garbage after). */
const collect = scavengeEvery(8 * 2 ** 20);

export interface Target {
  server: string;
  cache: string;
  token: string | undefined;
  store?: string | undefined;
  storeDir: string;
  /** zstd level: 3 is Nix's default; 1 is ~1.5× faster and ~18% larger on binaries. */
  zstdLevel?: number | undefined;
}

export interface UploadedNar {
  url: string;
  compression: string;
  fileHash: string;
  fileSize: number;
  narHash: string;
  narSize: number;
  deduplicated: boolean;
}

const authHeaders = (t: Target): Record<string, string> =>
  t.token ? { authorization: `Bearer ${t.token}` } : {};

/** Turns a final (non-retryable) HTTP answer into one clear line. */
export function httpFailure(t: Target, what: string, status: number, body: string): ClientError {
  const msg = messageOf(body) ?? '';
  if (status === 401)
    return new ClientError(
      `${what}: no valid token for ${t.server} (${msg}); run \`larder login\` or pass --token`,
      { status },
    );
  if (status === 403)
    return new ClientError(`${what}: ${msg || 'the token lacks the push scope'}`, { status });
  if (status === 404 && /no cache named/.test(msg))
    return new ClientError(`unknown cache ${t.cache} on ${t.server}`, { status });
  if (status === 507)
    return new ClientError(`${what}: cache ${t.cache} is full: ${msg}`, { status });
  return new ClientError(`${what}: server answered ${status}: ${msg}`, { status });
}

/**
 * Sends one path's NAR, zstd-compressed, to the server, which hashes it and names the
 * file. Memory stays flat: a NAR of up to 1 MiB is compressed whole and sent with its
 * length; a larger one streams through zstd with backpressure at every stage.
 */
export async function uploadNar(
  t: Target,
  info: PathInfo,
  onBytes: (n: number) => void,
): Promise<UploadedNar> {
  return withRetries(`uploading ${info.path}`, async () => {
    let sent = 0;
    const progress = (n: number) => {
      sent += n;
      onBytes(n);
    };
    const body =
      info.narSize <= WHOLE_NAR ? await wholeBody(t, info, progress) : streamedBody(t, info);
    try {
      const answer = send('POST', `${t.server}/_api/v1/${t.cache}/nar?compression=zstd`, {
        headers: { ...authHeaders(t), 'content-type': 'application/x-nix-nar' },
        body: body.data,
      });
      // After send() has piped a stream into the request (synchronously): no chunk is missed.
      body.counting?.(progress);
      const res = await Promise.race([answer, body.failed]);
      // Each request leaves sockets, parsers and streams behind: count it as some bytes.
      collect(256 * 1024);
      if (res.status !== 201) throw httpFailure(t, `uploading ${info.path}`, res.status, res.body);
      const nar = JSON.parse(res.body) as UploadedNar;
      if (nar.narHash !== info.narHash || nar.narSize !== info.narSize) {
        throw new ClientError(
          `${info.path}: the store's NAR hashes to ${nar.narHash}, but Nix recorded ${info.narHash}; the local store may be corrupt (nix store verify)`,
        );
      }
      return nar;
    } catch (err) {
      onBytes(-sent);
      throw err;
    } finally {
      body.stop();
    }
  });
}

/** NARs up to this size are compressed in one piece (on the thread pool) and sent whole. */
const WHOLE_NAR = 1024 * 1024;

interface Body {
  data: Buffer | Readable;
  /** Rejects when the NAR cannot be read. */
  failed: Promise<never>;
  /** Starts reporting compressed bytes as they go out (streamed bodies). */
  counting?: (onBytes: (n: number) => void) => void;
  stop(): void;
}

const zstdWhole = promisify(zstdCompress);

/**
 * A small NAR compressed whole: one thread-pool job and one HTTP body with a length, which
 * also tells the server the file is small. A stream per path costs more than its bytes.
 */
async function wholeBody(t: Target, info: PathInfo, onBytes: (n: number) => void): Promise<Body> {
  const source = narSource(t, info.path);
  try {
    const nar = await Promise.race([buffer(source.stream), source.failed]);
    const file = await zstdWhole(nar, {
      params: { [constants.ZSTD_c_compressionLevel]: t.zstdLevel ?? 3 },
    });
    collect(nar.length + file.length);
    onBytes(file.length);
    const never = new Promise<never>(() => {});
    return { data: file, failed: never, stop() {} };
  } finally {
    source.stop();
  }
}

/** A larger NAR streamed through zstd: 256 KiB chunks out, one HTTP chunk each. */
function streamedBody(t: Target, info: PathInfo): Body {
  const zstd = createZstdCompress({
    // The 16 KiB default made ~10,000 thread-pool round trips and HTTP chunks per 200 MiB;
    // 1 MiB took the client's peak RSS over 150 MiB with four uploads at once.
    chunkSize: 256 * 1024,
    params: { [constants.ZSTD_c_compressionLevel]: t.zstdLevel ?? 3 },
  });
  const dir = localPath(t, info.path);
  let failed: Promise<never>;
  let stop: () => void;
  if (dir) {
    // Read into one reused buffer: zstd is done with each chunk (its write callback) before
    // the next is read, so 200 MiB pushed no longer make 200 MiB of read buffers to collect.
    failed = pump(narChunks(dir, Buffer.allocUnsafe(1024 * 1024)), zstd).then(
      () => new Promise<never>(() => {}),
      (err: Error) => {
        // Destroyed here: stopped after the answer, or the request failed (which says so).
        if (zstd.destroyed) return new Promise<never>(() => {});
        const cannot = cannotRead(info.path, err.message);
        zstd.destroy(cannot); // tears the request down too
        throw cannot;
      },
    );
    stop = () => zstd.destroy();
  } else {
    const source = narSource(t, info.path);
    source.stream.pipe(zstd);
    source.stream.on('error', (err) => zstd.destroy(err));
    failed = source.failed;
    stop = () => {
      source.stop();
      zstd.destroy();
    };
  }
  failed.catch(() => {});
  return {
    data: zstd,
    failed,
    counting(onBytes) {
      let read = 0;
      zstd.on('data', (chunk: Buffer) => {
        onBytes(chunk.length);
        // The NAR bytes read count too.
        collect(chunk.length + zstd.bytesWritten - read);
        read = zstd.bytesWritten;
      });
    },
    stop,
  };
}

/** Feeds the chunks into `zstd` one at a time, each once the one before is consumed. */
async function pump(chunks: AsyncGenerator<Buffer>, zstd: Writable): Promise<void> {
  for await (const chunk of chunks) {
    if (zstd.destroyed) return;
    await new Promise<void>((resolve, reject) =>
      zstd.write(chunk, (err) => (err ? reject(err) : resolve())),
    );
  }
  zstd.end();
}

const cannotRead = (path: string, why: string) =>
  new ClientError(`cannot read ${path} from the local store: ${why}`);

/** Where a store path's files are when the store is a directory (default or chroot). */
const localPath = (t: Target, path: string): string | undefined =>
  !t.store || t.store.startsWith('/') ? (t.store ? `${t.store}${path}` : path) : undefined;

/**
 * The NAR of a store path: serialised here from the store's files when the store is a
 * directory (the default, or a chroot store `--store /dir`), which spares a process per
 * path; through `nix store dump-path` for any other store URL.
 */
function narSource(
  t: Target,
  path: string,
): { stream: Readable; failed: Promise<never>; stop(): void } {
  const cannot = (why: string) => cannotRead(path, why);
  const dir = localPath(t, path);
  if (dir) {
    const stream = dumpPath(dir);
    const failed = new Promise<never>((_, reject) =>
      stream.once('error', (err) => reject(cannot(err.message))),
    );
    failed.catch(() => {});
    return { stream, failed, stop: () => stream.destroy() };
  }
  // Not a directory: a store URL, given with --store.
  const store = t.store as string;
  const dump = spawn(
    nixBin('nix'),
    ['--extra-experimental-features', 'nix-command', 'store', 'dump-path', path, '--store', store],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  dump.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const failed = new Promise<never>((_, reject) => {
    dump.on('close', (code) => {
      if (code !== 0) reject(cannot(stderr.trim().split('\n').pop() ?? `exit ${code}`));
    });
  });
  failed.catch(() => {});
  return { stream: dump.stdout, failed, stop: () => void (dump.exitCode === null && dump.kill()) };
}

/** Writes the path's narinfo, as Nix itself would, after its NAR is on the server. */
export async function uploadNarInfo(
  t: Target,
  info: PathInfo,
  nar: UploadedNar,
  hints: { tier?: number | undefined; buildSeconds?: number | undefined },
): Promise<void> {
  const base = (p: string) => p.slice(t.storeDir.length + 1);
  const text = serializeNarInfo(
    {
      storePath: info.path,
      url: nar.url,
      compression: nar.compression,
      fileHash: parseHash(nar.fileHash),
      fileSize: nar.fileSize,
      narHash: parseHash(info.narHash),
      narSize: info.narSize,
      references: info.references.map(base).sort(),
      deriver: info.deriver ? base(info.deriver) : undefined,
      sigs: [...info.signatures].sort(),
      ca: info.ca,
    },
    t.storeDir,
  );
  const headers: Record<string, string> = {
    ...authHeaders(t),
    'content-type': 'text/x-nix-narinfo',
  };
  if (hints.tier !== undefined) headers['x-larder-tier'] = String(hints.tier);
  if (hints.buildSeconds !== undefined)
    headers['x-larder-build-seconds'] = String(hints.buildSeconds);
  const hash = base(info.path).slice(0, 32);
  const res = await withRetries(`uploading ${hash}.narinfo`, () =>
    send('PUT', `${t.server}/${t.cache}/${hash}.narinfo`, { headers, body: text }),
  );
  if (res.status !== 200 && res.status !== 201)
    throw httpFailure(t, `uploading the narinfo of ${info.path}`, res.status, res.body);
}
