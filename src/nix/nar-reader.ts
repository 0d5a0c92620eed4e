import { NixFormatError } from './errors.ts';
import { narString, padding } from './nar-framing.ts';

/**
 * A continuation: the bytes a step asked for are `buf[off .. off + need)`. Passing an offset
 * rather than a view avoids one allocation per token, which dominates big directories.
 */
type Next = (buf: Buffer, off: number) => void;

const EMPTY = Buffer.alloc(0);
/** Longest keyword token ("executable", "directory"); a longer length is not a keyword. */
const KEYWORD_MAX = 16;

export const bad = (message: string): NixFormatError => new NixFormatError(message, 'NAR');

const wireForms = new Map<string, Buffer>();
/** A token's wire form (length, bytes, padding), computed once per token. */
function wire(token: string): Buffer {
  let b = wireForms.get(token);
  if (!b) {
    b = narString(token);
    wireForms.set(token, b);
  }
  return b;
}

/** A short, printable excerpt of bytes for an error message. */
export function printable(b: Buffer): string {
  const text = b.toString('latin1');
  const s = JSON.stringify(text.slice(0, 64)).slice(1, -1);
  return text.length > 64 ? `${s}…` : s;
}

/**
 * The byte level of incremental NAR parsing: a state machine fed arbitrary chunks. Each
 * step asks for a number of bytes, either to look at (small: lengths, tokens, names) or to
 * skip (file bodies, which are only ever passed over, never copied or scanned byte by
 * byte). Steps are continuations set by the previous step, so the grammar built on top
 * nests with heap closures, not the JS stack.
 */
export class NarReader {
  /** Bytes consumed so far. */
  protected pos = 0;
  /** Where the string being handled began, for error messages. */
  protected at = 0;
  protected done = false;
  private need = 0;
  private skipping = false;
  private what = "'nix-archive-1'";
  private next: Next = () => {};
  /** Holds a step's bytes when they straddle chunks. */
  private acc: Buffer = Buffer.alloc(64);
  private accLen = 0;

  /** Consumes one chunk; throws NixFormatError at the first violation. */
  feed(chunk: Buffer): void {
    let off = 0;
    for (;;) {
      const avail = chunk.length - off;
      if (this.done) {
        if (avail > 0) throw bad(`unexpected data after the end of the NAR at byte ${this.pos}`);
        return;
      }
      if (this.skipping) {
        const n = Math.min(this.need, avail);
        off += n;
        this.pos += n;
        this.need -= n;
        if (this.need > 0) return;
        this.skipping = false;
        this.next(EMPTY, 0);
      } else if (this.accLen === 0 && avail >= this.need) {
        const at = off;
        off += this.need;
        this.pos += this.need;
        this.next(chunk, at);
      } else {
        if (avail === 0) return;
        const n = Math.min(this.need - this.accLen, avail);
        chunk.copy(this.acc, this.accLen, off, off + n);
        off += n;
        this.pos += n;
        this.accLen += n;
        if (this.accLen < this.need) return;
        this.accLen = 0;
        this.next(this.acc, 0);
      }
    }
  }

  /** Throws unless the grammar reached its end. */
  protected checkComplete(): void {
    if (!this.done)
      throw bad(`the NAR is truncated: it ends at byte ${this.pos}, expecting ${this.what}`);
  }

  // Steps. Bytes handed to a continuation may lie in a reused buffer: copy what is kept.

  /** Asks for `n` bytes to look at; only small steps (at most a name or target) use this. */
  protected read(n: number, what: string, next: Next): void {
    if (n > this.acc.length) this.acc = Buffer.alloc(Math.max(n, this.acc.length * 2));
    this.need = n;
    this.what = what;
    this.next = next;
  }

  /** Passes over `n` bytes (file contents) without buffering any of them. */
  protected skip(n: number, what: string, next: () => void): void {
    this.need = n;
    this.what = what;
    this.next = next;
    this.skipping = true;
  }

  /** Padding must be zero (serialise.cc `readPadding`). */
  protected checkZero(b: Buffer, from: number, to: number): void {
    for (let i = from; i < to; i++) {
      if (b[i] !== 0) throw bad(`non-zero padding at byte ${this.pos - (to - i)}`);
    }
  }

  /** A u64 length or size that fits in a JS number. */
  protected u64(what: string, next: (n: number) => void): void {
    this.read(8, what, (b, o) => {
      const high = b.readUInt32LE(o + 4);
      // Sizes past 2^53 cannot be counted exactly in JS, nor stored anywhere real.
      if (high > 0x1fffff)
        throw bad(`${what} ${b.readBigUInt64LE(o)} at byte ${this.pos - 8} is too large`);
      next(high * 2 ** 32 + b.readUInt32LE(o));
    });
  }

  /** A length-prefixed string of at most `max` bytes with zero padding: `next(buf, off, len)`. */
  protected string(
    max: number,
    what: string,
    next: (b: Buffer, off: number, len: number) => void,
  ): void {
    const at = this.pos;
    this.read(8, what, (b, o) => {
      const n = b.readUInt32LE(o);
      if (b.readUInt32LE(o + 4) !== 0 || n > max) {
        throw bad(`expected ${what} at byte ${at}, found a ${b.readBigUInt64LE(o)}-byte string`);
      }
      const padded = n + padding(n);
      this.read(padded, what, (body, p) => {
        this.checkZero(body, p + n, p + padded);
        this.at = at;
        next(body, p, n);
      });
    });
  }

  /** A fixed token, read and compared in one go since its framing is known in advance. */
  protected expect(token: string, next: () => void): void {
    const w = wire(token);
    const at = this.pos;
    this.read(w.length, `'${token}'`, (b, o) => {
      if (w.compare(b, o, o + w.length) === 0) return next();
      // Slow path: only explains what was there instead.
      const len = b.readUInt32LE(o);
      const lenOk = b.readUInt32LE(o + 4) === 0 && len <= w.length - 8;
      if (lenOk && len === token.length && w.compare(b, o, o + 8 + len, 0, 8 + len) === 0) {
        throw bad(`non-zero padding at byte ${at + 8 + len}`);
      }
      const found = lenOk ? `'${printable(b.subarray(o + 8, o + 8 + len))}'` : 'something else';
      throw bad(`expected '${token}' at byte ${at}, found ${found}`);
    });
  }

  /** One of a few keywords; `next` gets the one found. */
  protected keyword<K extends string>(
    choices: readonly K[],
    expected: string,
    next: (kw: K) => void,
  ): void {
    this.string(KEYWORD_MAX, expected, (b, o, n) => {
      for (const k of choices) {
        const w = wire(k);
        if (w.readUInt32LE(0) === n && w.compare(b, o, o + n, 8, 8 + n) === 0) return next(k);
      }
      throw bad(
        `expected ${expected} at byte ${this.at}, found '${printable(b.subarray(o, o + n))}'`,
      );
    });
  }
}
