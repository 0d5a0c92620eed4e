import { spawn } from 'node:child_process';
import { PassThrough, type Readable, Transform } from 'node:stream';
import { constants, createZstdCompress } from 'node:zlib';
import { dumpPath, parseHash, serializeNarInfo } from '../../nix/index.ts';
import { scavengeEvery } from '../../util/gc.ts';
import { ClientError } from '../errors.ts';
import { messageOf, send, withRetries } from '../http.ts';
import { nixBin } from '../nix-cli.ts';
import type { PathInfo } from './closure.ts';

/** Compressed bytes between scavenges: the uncompressed chunks behind them are the garbage. */
const collect = scavengeEvery(4 * 2 ** 20);

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
 * Streams one path's NAR (`nix store dump-path`) through zstd to the server, which hashes
 * it and names the file. Memory stays flat: every stage is a pipe with backpressure.
 */
export async function uploadNar(
  t: Target,
  info: PathInfo,
  onBytes: (n: number) => void,
): Promise<UploadedNar> {
  return withRetries(`uploading ${info.path}`, async () => {
    const source = narSource(t, info.path);
    const dumpFailed = source.failed;
    const zstd = createZstdCompress({
      params: { [constants.ZSTD_c_compressionLevel]: t.zstdLevel ?? 3 },
    });
    let sent = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _e, cb) {
        sent += chunk.length;
        onBytes(chunk.length);
        collect(chunk.length);
        cb(null, chunk);
      },
    });
    const body = new PassThrough();
    source.stream.pipe(zstd).pipe(counter).pipe(body);
    zstd.on('error', (err) => body.destroy(err));
    try {
      const res = await Promise.race([
        send('POST', `${t.server}/_api/v1/${t.cache}/nar?compression=zstd`, {
          headers: { ...authHeaders(t), 'content-type': 'application/x-nix-nar' },
          body,
        }),
        dumpFailed,
      ]);
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
      source.stop();
    }
  });
}

/**
 * The NAR of a store path: serialised here from the store's files when the store is a
 * directory (the default, or a chroot store `--store /dir`), which spares a process per
 * path; through `nix store dump-path` for any other store URL.
 */
function narSource(
  t: Target,
  path: string,
): { stream: Readable; failed: Promise<never>; stop(): void } {
  const cannot = (why: string) =>
    new ClientError(`cannot read ${path} from the local store: ${why}`);
  if (!t.store || t.store.startsWith('/')) {
    const stream = dumpPath(t.store ? `${t.store}${path}` : path);
    const failed = new Promise<never>((_, reject) =>
      stream.once('error', (err) => reject(cannot(err.message))),
    );
    failed.catch(() => {});
    return { stream, failed, stop: () => stream.destroy() };
  }
  const dump = spawn(
    nixBin('nix'),
    [
      '--extra-experimental-features',
      'nix-command',
      'store',
      'dump-path',
      path,
      '--store',
      t.store,
    ],
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
