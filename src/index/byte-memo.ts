/**
 * A memo of byte strings by key (rendered narinfos by path) held in one buffer allocated
 * up front, with its hash table in typed arrays: no JS object per entry. A memo of JS
 * records churns the old generation once the cache is larger than the memo (every miss
 * adds a record that lives for seconds, then dies), and full collections of that garbage
 * stalled every request: with 1,000,000 paths looked up at random, p99 7.4-12.6 ms with
 * 100,000 records memoised against 3.2-4.6 ms with none (wrk, 15 s, four runs each). Here the garbage collector sees
 * one buffer whatever is memoised.
 *
 * Entries are written one after another into a ring; when it is full, or the table holds
 * as many keys as it may, the oldest entries go first. Forgetting a key only unlinks it
 * from the table; its bytes stay in the ring until they are overwritten.
 */
export class ByteMemo {
  private readonly data: Buffer;
  /** Per table slot: the entry's offset in `data` plus one; 0 is an empty slot. */
  private readonly slots: Int32Array;
  /** Per table slot: the key's hash, so most probes skip without reading the entry. */
  private readonly tags: Uint32Array;
  private readonly mask: number;
  private readonly maxKeys: number;
  /** Positions as if the ring were unrolled: [tail, head) is written, the rest free. */
  private head = 0;
  private tail = 0;
  private keys = 0;

  /** `bytes` of ring; a table for up to `maxKeys` keys (filled to at most three quarters). */
  constructor(bytes: number, maxKeys: number) {
    this.data = Buffer.allocUnsafeSlow(bytes);
    let size = 1;
    while (size * 0.75 < maxKeys) size *= 2;
    this.slots = new Int32Array(size);
    this.tags = new Uint32Array(size);
    this.mask = size - 1;
    this.maxKeys = maxKeys;
  }

  /** Keys memoised now. */
  get size(): number {
    return this.keys;
  }

  /** A copy of the bytes memoised for `key`; null for a memoised absence; undefined when not memoised. */
  get(key: string): Buffer | null | undefined {
    const i = this.find(key, hash(key));
    if (i < 0) return undefined;
    const at = (this.slots[i] as number) - 1;
    const length = this.data.readInt32LE(at + 6);
    if (length < 0) return null;
    const start = at + HEADER + key.length;
    const out = Buffer.allocUnsafe(length);
    this.data.copy(out, 0, start, start + length);
    return out;
  }

  /**
   * Memoises `value` for `key` (null: known to be absent). Keys are ASCII (cache names and
   * base-32 hashes); another key, or a value larger than a sixteenth of the ring, is not
   * memoised.
   */
  set(key: string, value: Buffer | null): void {
    const cap = this.data.length;
    const need = HEADER + key.length + (value?.length ?? 0);
    if (need > cap / 16 || key.length > 0xffff || !ascii(key)) return;
    const h = hash(key);
    const old = this.find(key, h);
    if (old >= 0) this.unlink(old);
    // An entry never wraps round the end of the ring: the end is left unused instead.
    const room = cap - (this.head % cap);
    if (room < need) {
      this.makeRoom(room);
      if (room >= 4) this.data.writeUInt32LE(0, this.head % cap);
      this.head += room;
    }
    this.makeRoom(need);
    while (this.keys >= this.maxKeys) this.dropOldest();
    const at = this.head % cap;
    this.data.writeUInt32LE(need, at);
    this.data.writeUInt16LE(key.length, at + 4);
    this.data.writeInt32LE(value ? value.length : -1, at + 6);
    this.data.write(key, at + HEADER, 'latin1');
    value?.copy(this.data, at + HEADER + key.length);
    this.head += need;
    let i = h & this.mask;
    while (this.slots[i] !== 0) i = (i + 1) & this.mask;
    this.slots[i] = at + 1;
    this.tags[i] = h;
    this.keys++;
  }

  /** Forgets `key`, if memoised. */
  delete(key: string): void {
    const i = this.find(key, hash(key));
    if (i >= 0) this.unlink(i);
  }

  /** Forgets everything. */
  clear(): void {
    this.slots.fill(0);
    this.keys = 0;
    this.head = 0;
    this.tail = 0;
  }

  /** The table slot of `key`, or -1. */
  private find(key: string, h: number): number {
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const s = this.slots[i] as number;
      if (s === 0) return -1;
      if (this.tags[i] === h && this.keyAt(s - 1, key)) return i;
    }
  }

  private keyAt(at: number, key: string): boolean {
    const d = this.data;
    if (d.readUInt16LE(at + 4) !== key.length) return false;
    for (let c = 0, p = at + HEADER; c < key.length; c++, p++) {
      if (d[p] !== key.charCodeAt(c)) return false;
    }
    return true;
  }

  /** Drops the oldest entries until `n` bytes after `head` are free. */
  private makeRoom(n: number): void {
    while (this.head + n - this.tail > this.data.length) this.dropOldest();
  }

  /** Drops the entry (or the unused end of the ring) at `tail`. */
  private dropOldest(): void {
    const cap = this.data.length;
    const at = this.tail % cap;
    const length = cap - at < 4 ? 0 : this.data.readUInt32LE(at);
    if (length === 0) {
      this.tail += cap - at;
      return;
    }
    // Unlinked only if the table still points here: the key may have been forgotten or
    // memoised again since.
    const keyLength = this.data.readUInt16LE(at + 4);
    const key = this.data.toString('latin1', at + HEADER, at + HEADER + keyLength);
    const i = this.find(key, hash(key));
    if (i >= 0 && this.slots[i] === at + 1) this.unlink(i);
    this.tail += length;
  }

  /**
   * Empties slot `i` and moves later entries of its probe run back into the gap (deletion
   * in linear probing without tombstones, so lookups never slow down with churn).
   */
  private unlink(i: number): void {
    const { slots, tags, mask } = this;
    let gap = i;
    for (let j = (i + 1) & mask; slots[j] !== 0; j = (j + 1) & mask) {
      const home = (tags[j] as number) & mask;
      // The entry at j may move to the gap unless its home lies cyclically in (gap, j].
      const stays = gap <= j ? gap < home && home <= j : gap < home || home <= j;
      if (stays) continue;
      slots[gap] = slots[j] as number;
      tags[gap] = tags[j] as number;
      gap = j;
    }
    slots[gap] = 0;
    this.keys--;
  }
}

/**
 * The rendered-narinfo memo of each index connection: 64 MiB of ring (about 100,000
 * narinfos of a few references each; pages are only resident once written) and up to
 * 200,000 keys, misses included.
 */
export const RENDERED_BYTES = 64 * 2 ** 20;
export const RENDERED_KEYS = 200_000;

/** Entry header: total length (u32), key length (u16), value length (i32, -1: absent). */
const HEADER = 10;

/** FNV-1a, 32 bits. */
function hash(key: string): number {
  let h = 0x811c9dc5;
  for (let c = 0; c < key.length; c++) h = Math.imul(h ^ key.charCodeAt(c), 0x01000193);
  return h >>> 0;
}

function ascii(key: string): boolean {
  for (let c = 0; c < key.length; c++) if (key.charCodeAt(c) > 0x7f) return false;
  return true;
}
