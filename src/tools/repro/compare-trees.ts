import { lstat, open, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';

type NodeType = 'regular' | 'directory' | 'symlink' | 'other';

/** How one file differs between two builds; only the aspects that differ are set. */
export interface FileDifference {
  /** Relative to the output (`.` for the output itself). */
  path: string;
  status: 'changed' | 'missing' | 'extra';
  type?: { first: NodeType; second: NodeType };
  size?: { first: number; second: number };
  /** First byte at which the contents differ (in a size change, possibly the shorter end). */
  firstDifferentByte?: number;
  executable?: { first: boolean; second: boolean };
  symlinkTarget?: { first: string; second: string };
  /** diffoscope's text report, when it is installed. */
  diffoscope?: string;
}

interface Node {
  type: NodeType;
  size: number;
  executable: boolean;
}

async function node(path: string): Promise<Node> {
  const st = await lstat(path);
  const type = st.isFile()
    ? 'regular'
    : st.isDirectory()
      ? 'directory'
      : st.isSymbolicLink()
        ? 'symlink'
        : 'other';
  // Only the owner's execute bit is recorded in a NAR (archive.cc tests S_IXUSR).
  return { type, size: st.size, executable: (st.mode & 0o100) !== 0 };
}

const CHUNK = 1 << 16;

/** The first offset where two files differ, or undefined when one is a prefix of the other. */
async function firstDifference(a: string, b: string): Promise<number | undefined> {
  const [fa, fb] = await Promise.all([open(a, 'r'), open(b, 'r')]);
  try {
    const ba = Buffer.allocUnsafe(CHUNK);
    const bb = Buffer.allocUnsafe(CHUNK);
    for (let pos = 0; ; ) {
      const [ra, rb] = await Promise.all([fa.read(ba, 0, CHUNK, pos), fb.read(bb, 0, CHUNK, pos)]);
      const n = Math.min(ra.bytesRead, rb.bytesRead);
      if (n === 0) return undefined;
      if (ba.compare(bb, 0, n, 0, n) !== 0) {
        for (let i = 0; i < n; i++) if (ba[i] !== bb[i]) return pos + i;
      }
      pos += n;
    }
  } finally {
    await Promise.all([fa.close(), fb.close()]);
  }
}

/**
 * Walks two file trees side by side (names in byte order, as a NAR lists them) and reports
 * every difference a NAR would show: missing and extra entries, type, size, contents,
 * the execute bit and symlink targets. Timestamps and owners are not in a NAR, so not here.
 */
export async function compareTrees(first: string, second: string): Promise<FileDifference[]> {
  const out: FileDifference[] = [];
  await walk(first, second, '.', out);
  return out;
}

async function walk(a: string, b: string, rel: string, out: FileDifference[]): Promise<void> {
  const [na, nb] = await Promise.all([node(a), node(b)]);
  if (na.type !== nb.type) {
    out.push({ path: rel, status: 'changed', type: { first: na.type, second: nb.type } });
    return;
  }
  if (na.type === 'directory') {
    const [ea, eb] = await Promise.all([readdir(a), readdir(b)]);
    const inB = new Set(eb);
    const inA = new Set(ea);
    const names = [...new Set([...ea, ...eb])].sort((x, y) =>
      Buffer.compare(Buffer.from(x), Buffer.from(y)),
    );
    for (const name of names) {
      const sub = rel === '.' ? name : `${rel}/${name}`;
      if (!inB.has(name)) out.push({ path: sub, status: 'missing' });
      else if (!inA.has(name)) out.push({ path: sub, status: 'extra' });
      else await walk(join(a, name), join(b, name), sub, out);
    }
    return;
  }
  const diff: FileDifference = { path: rel, status: 'changed' };
  if (na.type === 'symlink') {
    const [ta, tb] = await Promise.all([readlink(a), readlink(b)]);
    if (ta !== tb) diff.symlinkTarget = { first: ta, second: tb };
  } else if (na.type === 'regular') {
    if (na.size !== nb.size) diff.size = { first: na.size, second: nb.size };
    const at = await firstDifference(a, b);
    if (at !== undefined) diff.firstDifferentByte = at;
    else if (diff.size) diff.firstDifferentByte = Math.min(na.size, nb.size);
    if (na.executable !== nb.executable)
      diff.executable = { first: na.executable, second: nb.executable };
  }
  if (Object.keys(diff).length > 2) out.push(diff);
}
