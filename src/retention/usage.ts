import type { MetadataIndex } from '../index/index.ts';

interface Pending {
  /** Uses since the last flush, by hash part and by NAR file hash. */
  hashParts: Map<string, number>;
  fileHashes: Map<string, number>;
  hits: number;
  misses: number;
  bytesOut: number;
}

/**
 * Counts downloads and misses in memory and writes them in batches, so serving a narinfo
 * never waits for a database write. Traffic (hits, misses, bytes a minute) is written every
 * `flushMs`. Uses of each path are summed in memory and written every `usesMs`, or sooner
 * once `MAX_PATHS` different paths wait: a write is one row per path used, however often
 * it was used, and at 10,000 lookups a second of a 100,000-path cache nearly every lookup
 * is a different path (a row per lookup stalled the serving thread 0.4 s every 2 s).
 * Retention weighs uses over days, so half a minute's delay changes no plan. Counts not
 * yet written are lost on a crash, which only makes a root look slightly less used.
 */
export class Usage {
  private pending = new Map<string, Pending>();
  private usesDue: number;
  private timer: NodeJS.Timeout | undefined;
  private readonly index: MetadataIndex;
  private readonly now: () => number;
  private readonly usesMs: number;

  constructor(
    index: MetadataIndex,
    now: () => number,
    onError: (err: unknown) => void,
    flushMs = 2000,
    usesMs = 30_000,
  ) {
    this.index = index;
    this.now = now;
    this.usesMs = usesMs;
    this.usesDue = now() + usesMs;
    this.timer = setInterval(() => {
      const uses = this.waiting() >= MAX_PATHS || this.now() >= this.usesDue;
      void this.write(uses).catch(onError);
    }, flushMs);
    this.timer.unref();
  }

  private of(cache: string): Pending {
    let p = this.pending.get(cache);
    if (!p) {
      p = { hashParts: new Map(), fileHashes: new Map(), hits: 0, misses: 0, bytesOut: 0 };
      this.pending.set(cache, p);
    }
    return p;
  }

  narinfo(cache: string, hashPart: string | undefined): void {
    const p = this.of(cache);
    if (hashPart === undefined) p.misses++;
    else {
      p.hits++;
      this.count(p.hashParts, hashPart);
    }
  }

  nar(cache: string, fileHash: string, bytes: number): void {
    const p = this.of(cache);
    this.count(p.fileHashes, fileHash);
    p.bytesOut += bytes;
  }

  /** Liveness: paths a build runner skipped because the cache had them. */
  touch(cache: string, hashParts: string[]): void {
    const used = this.of(cache).hashParts;
    for (const h of hashParts) this.count(used, h);
  }

  private count(m: Map<string, number>, key: string): void {
    m.set(key, (m.get(key) ?? 0) + 1);
  }

  /** Different paths (and NAR files) whose uses wait to be written. */
  private waiting(): number {
    let n = 0;
    for (const p of this.pending.values()) n += p.hashParts.size + p.fileHashes.size;
    return n;
  }

  /**
   * Writes everything counted so far. Resolves once that and every earlier write is done
   * (writes run one after another).
   */
  flush(): Promise<void> {
    return this.write(true);
  }

  private flushing: Promise<void> = Promise.resolve();

  /** Takes the traffic counts, and the uses too when `uses`, and writes them in turn. */
  private write(uses: boolean): Promise<void> {
    const batch = new Map<string, Pending>();
    for (const [cache, p] of this.pending) {
      batch.set(cache, {
        ...p,
        hashParts: uses ? p.hashParts : EMPTY,
        fileHashes: uses ? p.fileHashes : EMPTY,
      });
      if (uses) this.pending.delete(cache);
      else Object.assign(p, { hits: 0, misses: 0, bytesOut: 0 });
    }
    if (uses) this.usesDue = this.now() + this.usesMs;
    const run = this.flushing.then(() => this.store(batch));
    this.flushing = run.catch(() => {});
    return run;
  }

  private async store(batch: Map<string, Pending>): Promise<void> {
    const at = this.now();
    for (const [cache, p] of batch) {
      if (p.hashParts.size > 0 || p.fileHashes.size > 0)
        await this.index.recordUse(cache, p.hashParts, p.fileHashes, at);
      if (p.hits || p.misses || p.bytesOut) {
        await this.index.recordTraffic(cache, Math.floor(at / 60_000), {
          hits: p.hits,
          misses: p.misses,
          bytesOut: p.bytesOut,
        });
      }
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}

/** Different paths whose uses wait in memory before they are written early (~10 MiB). */
const MAX_PATHS = 100_000;
const EMPTY: Map<string, number> = new Map();
