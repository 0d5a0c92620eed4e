import type { FileHandle } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { whenDrained } from '../util/drain.ts';

/** Read size for large files: one read and one write syscall per MiB. */
const CHUNK = 1024 * 1024;
/** Reads ahead per copy: while one chunk is in the socket, the next is being read. */
const AHEAD = 3;
/** Spare chunks kept between copies, so a busy server allocates none. */
const POOL_MAX = 32;
const pool: Buffer[] = [];

const take = (): Buffer => pool.pop() ?? Buffer.allocUnsafeSlow(CHUNK);
const giveBack = (b: Buffer): void => {
  if (pool.length < POOL_MAX) pool.push(b);
};

/**
 * Writes bytes `start..end` (inclusive) of a file into `dest` without ending it, reusing
 * each buffer once `dest` reports it written. Node has no sendfile; what it costs is the
 * copy through user space, and with a fresh buffer per chunk (what a read stream does)
 * also the allocation and the garbage collection of every MiB sent. Rejects when `dest`
 * closes or fails first, or the file is shorter than the range.
 */
export async function copyFileRange(
  fh: FileHandle,
  start: number,
  end: number,
  dest: Writable,
): Promise<void> {
  const small = end - start + 1 < CHUNK;
  const free: Buffer[] = [];
  let inFlight = 0;
  let gone: Error | undefined;
  let wake: (() => void) | undefined;
  const signal = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const onClose = () => {
    gone ??= new Error('the client went away');
    signal();
  };
  const onError = (err: Error) => {
    gone ??= err;
    signal();
  };
  dest.on('close', onClose);
  dest.on('error', onError);
  dest.on('drain', signal);
  const wait = () => new Promise<void>((resolve) => (wake = resolve));
  try {
    let pos = start;
    while (pos <= end) {
      while (!gone && inFlight >= AHEAD) await wait();
      if (gone) throw gone;
      const want = Math.min(CHUNK, end - pos + 1);
      const buf = small ? Buffer.allocUnsafe(want) : (free.pop() ?? take());
      // The next chunk is read while the last one drains into the socket.
      const { bytesRead } = await fh.read(buf, 0, want, pos);
      if (bytesRead === 0) throw new Error(`file ends at byte ${pos}, before ${end + 1}`);
      while (!gone && dest.writableNeedDrain) await wait();
      if (gone) throw gone;
      pos += bytesRead;
      inFlight++;
      dest.write(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead), (err) => {
        inFlight--;
        // A failed write may still hold the buffer: never reuse it.
        if (!err && !small) free.push(buf);
        signal();
      });
    }
  } finally {
    dest.off('close', onClose);
    dest.off('error', onError);
    dest.off('drain', signal);
    // Buffers still in flight are dropped (the socket owns them); the rest go back.
    for (const b of free) giveBack(b);
  }
}

/** The same for any readable (S3 bodies): chunks as they come, with backpressure; `dest` stays open. */
export async function copyStream(src: Readable, dest: Writable): Promise<void> {
  let gone: Error | undefined;
  const onClose = () => {
    gone ??= new Error('the client went away');
    src.destroy();
  };
  dest.on('close', onClose);
  try {
    for await (const chunk of src) {
      if (gone) throw gone;
      if (!dest.write(chunk as Buffer)) {
        await new Promise<void>((resolve) => whenDrained(dest, resolve));
      }
    }
    if (gone) throw gone;
  } finally {
    dest.off('close', onClose);
  }
}
