import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { copyFileRange } from './pump.ts';
import { type BlobStore, type BlobWriter, type ReadOptions, StorageError } from './types.ts';

const SAFE_KEY = /^(?:[A-Za-z0-9+_=?][A-Za-z0-9+_.=?-]*)(?:\/[A-Za-z0-9+_=?][A-Za-z0-9+_.=?-]*)*$/;

function isMiss(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Blobs as files under one directory; writes go to `tmp/` and are renamed into place. */
export function createFsStore(root: string): BlobStore {
  const tmpDir = join(root, 'tmp');
  void sweepStale(tmpDir);
  const dirs = madeDirs();
  const pathOf = (key: string): string => {
    // Keys come from validated URL parts, but the store is the last line: no segment
    // may start with a dot, so `..` can never climb out of `root`.
    if (!SAFE_KEY.test(key)) throw new StorageError(`invalid storage key ${JSON.stringify(key)}`);
    return join(root, 'blobs', key);
  };

  return {
    async get(key: string, opts: ReadOptions = {}) {
      const file = pathOf(key);
      let handle: Awaited<ReturnType<typeof open>>;
      try {
        handle = await open(file, 'r');
      } catch (err) {
        if (isMiss(err)) return undefined;
        throw new StorageError(`cannot read ${key}`, { cause: err });
      }
      let size: number;
      try {
        ({ size } = await handle.stat());
      } catch (err) {
        await handle.close();
        throw new StorageError(`cannot read ${key}`, { cause: err });
      }
      const start = opts.start ?? 0;
      const end = opts.end ?? size - 1;
      // The handle belongs to whichever of `stream` and `pipeTo` is used (once): the stream
      // closes it on end, error and destroy (autoClose); pipeTo when it is done.
      let stream: Readable | undefined;
      return {
        size,
        get stream() {
          stream ??= createReadStream('', {
            fd: handle,
            start,
            end,
            signal: opts.signal,
            highWaterMark: 1024 * 1024,
          });
          return stream;
        },
        pipeTo: (dest: Writable) =>
          copyFileRange(handle, start, end, dest).finally(() => handle.close()),
      };
    },

    async head(key: string) {
      try {
        const s = await stat(pathOf(key));
        return { size: s.size };
      } catch (err) {
        if (isMiss(err)) return undefined;
        throw new StorageError(`cannot stat ${key}`, { cause: err });
      }
    },

    async createWriter(key: string, opts: { signal?: AbortSignal } = {}): Promise<BlobWriter> {
      const final = pathOf(key);
      await dirs.ensure(tmpDir);
      const tmp = join(tmpDir, `${randomBytes(12).toString('hex')}.part`);
      // Room for a few 1 MiB chunks (ingest-nar's size): an upload goes on being received
      // and decompressed while the thread pool writes, instead of waiting for each write.
      // `flush`: fsync on the stream's own descriptor as it closes, before the rename, so a
      // crash cannot leave a complete-looking empty or partial file under the final name.
      const stream = createWriteStream(tmp, { highWaterMark: 4 * 1024 * 1024, flush: true });
      // A temp folder removed under a running server: this write fails, the next remakes it.
      stream.once('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') dirs.forget(tmpDir);
      });
      let settled = false;
      // 'close' comes after the fsync ('finish' before it).
      const closed = new Promise<void>((res, rej) => {
        stream.once('close', res);
        stream.once('error', rej);
      });
      closed.catch(() => {});
      const abort = async () => {
        if (settled) return;
        settled = true;
        stream.destroy();
        await rm(tmp, { force: true });
      };
      opts.signal?.addEventListener('abort', () => void abort(), { once: true });
      return {
        stream,
        abort,
        async commit() {
          if (settled) throw new StorageError(`write of ${key} was aborted`);
          settled = true;
          try {
            if (!stream.writableEnded) stream.end();
            await closed;
            await dirs.ensure(dirname(final));
            await rename(tmp, final).catch(async (err: NodeJS.ErrnoException) => {
              // The folder went away since it was made: make it again, once.
              if (err.code !== 'ENOENT') throw err;
              dirs.forget(dirname(final));
              await dirs.ensure(dirname(final));
              await rename(tmp, final);
            });
          } catch (err) {
            await rm(tmp, { force: true });
            throw new StorageError(`cannot store ${key}`, { cause: err });
          }
        },
      };
    },

    async delete(key: string) {
      try {
        await rm(pathOf(key), { force: true });
      } catch (err) {
        throw new StorageError(`cannot delete ${key}`, { cause: err });
      }
    },
  };
}

/**
 * Folders made once per process: a small NAR upload is a handful of file operations, each
 * a thread-pool round trip, and two of them were `mkdir -p` of folders that already exist.
 */
function madeDirs(): { ensure(dir: string): Promise<void>; forget(dir: string): void } {
  const made = new Map<string, Promise<void>>();
  return {
    ensure(dir) {
      let p = made.get(dir);
      if (!p) {
        p = mkdir(dir, { recursive: true }).then(() => {});
        p.catch(() => made.delete(dir));
        made.set(dir, p);
      }
      return p;
    },
    forget: (dir) => void made.delete(dir),
  };
}

/**
 * Removes temporary files a killed process left behind. Only old ones: another
 * process (a cluster worker) may be writing a fresh one right now.
 */
async function sweepStale(tmpDir: string, olderThanMs = 3_600_000): Promise<void> {
  const names = await readdir(tmpDir).catch(() => [] as string[]);
  const limit = Date.now() - olderThanMs;
  for (const name of names) {
    const file = join(tmpDir, name);
    const s = await stat(file).catch(() => undefined);
    if (s && s.mtimeMs < limit) await rm(file, { force: true }).catch(() => {});
  }
}
