import { lstat, open, readdir, readlink } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { NAR_MAGIC, narPadding, narStrings, u64 } from './nar-framing.ts';

/** Read size for file bodies: large enough to keep syscalls few, small enough to stream. */
const CHUNK = 1 << 20;

const join = (dir: Buffer, name: Buffer) => Buffer.concat([dir, Buffer.from('/'), name]);

async function* fileBody(path: Buffer, size: number, scratch?: Buffer): AsyncGenerator<Buffer> {
  const fh = await open(path, 'r');
  try {
    let left = size;
    while (left > 0) {
      const buf = scratch
        ? scratch.subarray(0, Math.min(left, scratch.length))
        : Buffer.allocUnsafe(Math.min(left, CHUNK));
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      // The size was announced in the header already; a file that shrinks while being
      // dumped cannot be represented, as in Nix (archive.cc `dumpContents` uses readFull).
      if (bytesRead === 0) throw new Error(`${path.toString()} shrank while it was being archived`);
      left -= bytesRead;
      yield bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

/**
 * Serialises one file system object (archive.cc `dump`). Paths stay Buffers so names that
 * are not valid UTF-8 survive; directory entries are sorted bytewise like Nix's std::map.
 */
async function* dumpNode(path: Buffer, scratch?: Buffer): AsyncGenerator<Buffer> {
  const st = await lstat(path);
  if (st.isFile()) {
    // Only the owner's execute bit counts (archive.cc tests S_IXUSR).
    const exec = (st.mode & 0o100) !== 0;
    const head = exec
      ? ['(', 'type', 'regular', 'executable', '', 'contents']
      : ['(', 'type', 'regular', 'contents'];
    yield Buffer.concat([narStrings(...head), u64(st.size)]);
    yield* fileBody(path, st.size, scratch);
    yield Buffer.concat([narPadding(st.size), narStrings(')')]);
  } else if (st.isDirectory()) {
    yield narStrings('(', 'type', 'directory');
    const names = (await readdir(path, { encoding: 'buffer' })).sort(Buffer.compare);
    for (const name of names) {
      yield narStrings('entry', '(', 'name', name, 'node');
      yield* dumpNode(join(path, name), scratch);
      yield narStrings(')');
    }
    yield narStrings(')');
  } else if (st.isSymbolicLink()) {
    yield narStrings(
      '(',
      'type',
      'symlink',
      'target',
      await readlink(path, { encoding: 'buffer' }),
      ')',
    );
  } else {
    throw new Error(`${path.toString()} is neither a regular file, a directory nor a symlink`);
  }
}

/**
 * The NAR serialisation of `path` as chunks. With `scratch`, file contents are read into
 * that one buffer: a chunk is then valid only until the next one is asked for, which
 * spares a fresh buffer (and its garbage) per MiB for a consumer done with each in turn.
 */
export async function* narChunks(path: string, scratch?: Buffer): AsyncGenerator<Buffer> {
  yield narStrings(NAR_MAGIC);
  yield* dumpNode(Buffer.from(path), scratch);
}

/** Streams the NAR serialisation of a file, directory or symlink, byte for byte as `nix-store --dump`. */
export function dumpPath(fsPath: string): Readable {
  return Readable.from(narChunks(fsPath), { objectMode: false });
}
