import type { MetadataIndex, RetentionRow } from '../index/index.ts';

/** Store path hash parts are 32 nix-base32 characters; they are kept as that many bytes. */
const KEY = 32;
const PRESENT = 1;
const PINNED = 2;
/** The base name is `<hashPart><stored name>`, so only what follows the hash is kept. */
const NAME_AFTER_HASH = 4;

/** FNV-1a over a hash part's characters, or -1 if it does not fit the 32-byte key layout. */
function hashOf(s: string): number {
  if (s.length !== KEY) return -1;
  let h = 0x811c9dc5;
  for (let i = 0; i < KEY; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) return -1;
    h = Math.imul(h ^ c, 0x01000193);
  }
  return h >>> 0;
}

/** A copy of `a` with room for `n` elements. */
export function grown<T extends Float64Array | Int32Array | Uint8Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

/**
 * One cache's paths as retention planning needs them, in flat typed arrays indexed by an
 * integer id: a million paths cost about 130 bytes each and no JavaScript object per path.
 * Hash parts and names are bytes in shared buffers, references a CSR-style edge list.
 * Rows are added one at a time as the index streams them; a reference may name a path whose
 * row comes later (it gets its id then) or never (it is dropped by `finish`).
 */
export class RetentionGraph {
  /** Ids handed out: rows seen, and paths referenced whose row has not been seen. */
  size = 0;
  /** Rows seen; `rowId[k]` is the id of the k-th, which fixes the planner's tie order. */
  rows = 0;
  rowId: Int32Array;
  keys: Uint8Array;
  flags: Uint8Array;
  /** 0 when the row gives none. */
  tier: Uint8Array;
  bytes: Float64Array;
  /** NaN when unknown. */
  buildSeconds: Float64Array;
  createdAt: Float64Array;
  /** NaN when never used. */
  lastAccess: Float64Array;
  hits: Float64Array;
  /** References of id i: `edges[edgeStart[i] .. edgeStart[i] + edgeCount[i])`. */
  edgeStart: Int32Array;
  edgeCount: Int32Array;
  edges: Int32Array;
  edgeLen = 0;
  private nameOff: Int32Array;
  private nameLen: Int32Array;
  private names: Buffer;
  private nameEnd = 0;
  private table: Int32Array;
  /** Hash parts that are not 32 one-byte characters (only ever seen in tests). */
  private odd = new Map<string, number>();
  private oddKey = new Map<number, string>();

  /** `expected`: about how many paths will come (more or fewer only costs a regrowth). */
  constructor(expected = 1024) {
    const cap = Math.max(16, expected + (expected >> 6));
    this.rowId = new Int32Array(cap);
    this.keys = new Uint8Array(cap * KEY);
    this.flags = new Uint8Array(cap);
    this.tier = new Uint8Array(cap);
    this.bytes = new Float64Array(cap);
    this.buildSeconds = new Float64Array(cap);
    this.createdAt = new Float64Array(cap);
    this.lastAccess = new Float64Array(cap);
    this.hits = new Float64Array(cap);
    this.edgeStart = new Int32Array(cap);
    this.edgeCount = new Int32Array(cap);
    this.edges = new Int32Array(cap * 4);
    this.nameOff = new Int32Array(cap);
    this.nameLen = new Int32Array(cap);
    this.names = Buffer.allocUnsafe(cap * 24);
    this.table = new Int32Array(2 ** Math.ceil(Math.log2(cap * 2)));
  }

  get capacity(): number {
    return this.flags.length;
  }

  private growIds(): void {
    const n = this.capacity * 2;
    this.rowId = grown(this.rowId, n);
    const keys = new Uint8Array(n * KEY);
    keys.set(this.keys);
    this.keys = keys;
    this.flags = grown(this.flags, n);
    this.tier = grown(this.tier, n);
    this.bytes = grown(this.bytes, n);
    this.buildSeconds = grown(this.buildSeconds, n);
    this.createdAt = grown(this.createdAt, n);
    this.lastAccess = grown(this.lastAccess, n);
    this.hits = grown(this.hits, n);
    this.edgeStart = grown(this.edgeStart, n);
    this.edgeCount = grown(this.edgeCount, n);
    this.nameOff = grown(this.nameOff, n);
    this.nameLen = grown(this.nameLen, n);
    // Open addressing stays at most half full.
    this.table = new Int32Array(this.table.length * 2);
    for (let id = 0; id < this.size; id++) {
      if (this.oddKey.has(id)) continue;
      this.place(this.hashAt(id), id);
    }
  }

  private hashAt(id: number): number {
    let h = 0x811c9dc5;
    const o = id * KEY;
    for (let i = 0; i < KEY; i++) h = Math.imul(h ^ (this.keys[o + i] as number), 0x01000193);
    return h >>> 0;
  }

  private place(h: number, id: number): void {
    const mask = this.table.length - 1;
    let slot = h & mask;
    while (this.table[slot] !== 0) slot = (slot + 1) & mask;
    this.table[slot] = id + 1;
  }

  private sameKey(id: number, s: string): boolean {
    const o = id * KEY;
    for (let i = 0; i < KEY; i++) if (this.keys[o + i] !== s.charCodeAt(i)) return false;
    return true;
  }

  /** The id of a hash part, or -1. */
  idOf(hashPart: string): number {
    const h = hashOf(hashPart);
    if (h < 0) return this.odd.get(hashPart) ?? -1;
    const mask = this.table.length - 1;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const e = this.table[slot] as number;
      if (e === 0) return -1;
      if (this.sameKey(e - 1, hashPart)) return e - 1;
    }
  }

  /** The id of a hash part, handing out the next one if it has none. */
  private intern(hashPart: string): number {
    const h = hashOf(hashPart);
    if (h < 0) {
      let id = this.odd.get(hashPart);
      if (id === undefined) {
        id = this.newId();
        this.odd.set(hashPart, id);
        this.oddKey.set(id, hashPart);
      }
      return id;
    }
    const mask = this.table.length - 1;
    let slot = h & mask;
    for (; ; slot = (slot + 1) & mask) {
      const e = this.table[slot] as number;
      if (e === 0) break;
      if (this.sameKey(e - 1, hashPart)) return e - 1;
    }
    const id = this.newId();
    const o = id * KEY;
    for (let i = 0; i < KEY; i++) this.keys[o + i] = hashPart.charCodeAt(i);
    if (this.table.length !== mask + 1) this.place(h, id);
    else this.table[slot] = id + 1;
    return id;
  }

  private newId(): number {
    // growIds rebuilds the table; intern notices the new size and places the key again.
    if (this.size === this.capacity) this.growIds();
    return this.size++;
  }

  private pushEdge(to: number): void {
    if (this.edgeLen === this.edges.length) this.edges = grown(this.edges, this.edges.length * 2);
    this.edges[this.edgeLen++] = to;
  }

  /** Adds one row of the index's retention view. A hash part seen twice keeps its first row. */
  add(row: RetentionRow): void {
    const id = this.intern(row.hashPart);
    if ((this.flags[id] as number) & PRESENT) return;
    let f = PRESENT | (row.pinned ? PINNED : 0);
    this.rowId[this.rows++] = id;
    this.tier[id] = row.tier ?? 0;
    this.bytes[id] = row.bytes;
    this.buildSeconds[id] = row.buildSeconds ?? Number.NaN;
    this.createdAt[id] = row.createdAt;
    this.lastAccess[id] = row.lastAccess ?? Number.NaN;
    this.hits[id] = row.hits;
    let name = row.baseName;
    if (name.startsWith(row.hashPart)) {
      name = name.slice(row.hashPart.length);
      f |= NAME_AFTER_HASH;
    }
    this.flags[id] = f;
    const need = this.nameEnd + Buffer.byteLength(name);
    if (need > this.names.length) {
      const b = Buffer.allocUnsafe(Math.max(need, this.names.length * 2));
      this.names.copy(b, 0, 0, this.nameEnd);
      this.names = b;
    }
    const len = this.names.write(name, this.nameEnd);
    this.nameOff[id] = this.nameEnd;
    this.nameLen[id] = len;
    this.nameEnd += len;
    this.edgeStart[id] = this.edgeLen;
    let count = 0;
    for (const ref of row.references) {
      const j = this.intern(ref);
      if (j === id) continue;
      this.pushEdge(j);
      count++;
    }
    this.edgeCount[id] = count;
  }

  /**
   * Drops references to paths that never came (the index does not hold them), in place.
   * Edges were appended row by row, so walking rows in order never overwrites unread ones.
   */
  finish(): this {
    let w = 0;
    for (let k = 0; k < this.rows; k++) {
      const id = this.rowId[k] as number;
      const from = this.edgeStart[id] as number;
      const to = from + (this.edgeCount[id] as number);
      this.edgeStart[id] = w;
      for (let e = from; e < to; e++) {
        const j = this.edges[e] as number;
        if ((this.flags[j] as number) & PRESENT) this.edges[w++] = j;
      }
      this.edgeCount[id] = w - (this.edgeStart[id] as number);
    }
    this.edgeLen = w;
    return this;
  }

  isPresent(id: number): boolean {
    return ((this.flags[id] as number) & PRESENT) !== 0;
  }

  isPinned(id: number): boolean {
    return ((this.flags[id] as number) & PINNED) !== 0;
  }

  hashPart(id: number): string {
    const odd = this.oddKey.get(id);
    if (odd !== undefined) return odd;
    return Buffer.from(this.keys.buffer, this.keys.byteOffset + id * KEY, KEY).toString('latin1');
  }

  baseName(id: number): string {
    const off = this.nameOff[id] as number;
    const name = this.names.toString('utf8', off, off + (this.nameLen[id] as number));
    return (this.flags[id] as number) & NAME_AFTER_HASH ? this.hashPart(id) + name : name;
  }
}

/** Builds the graph of a list of rows (tests, the bench, small caches read whole). */
export function graphOf(rows: Iterable<RetentionRow>, expected?: number): RetentionGraph {
  const g = new RetentionGraph(expected);
  for (const r of rows) g.add(r);
  return g.finish();
}

/**
 * Reads a cache's paths from the index into a graph, batch by batch; `incoming` (a path
 * about to be stored) comes last, as its own row. `whole` reads them in one query instead,
 * for small caches planned on the server's thread, where a statement left open between
 * batches would share the connection with every request.
 */
export async function loadGraph(
  index: Pick<MetadataIndex, 'pathCount' | 'retentionRows' | 'retentionView'>,
  cache: string,
  incoming?: RetentionRow,
  whole = false,
): Promise<RetentionGraph> {
  let g: RetentionGraph;
  if (whole) {
    const rows = await index.retentionView(cache);
    g = new RetentionGraph(rows.length + 1);
    for (const row of rows) g.add(row);
  } else {
    g = new RetentionGraph((await index.pathCount(cache)) + 1);
    for await (const batch of index.retentionRows(cache)) for (const row of batch) g.add(row);
  }
  if (incoming) g.add(incoming);
  return g.finish();
}
