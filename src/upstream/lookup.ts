import type { UpstreamSettings } from '../config/index.ts';
import {
  fingerprintPath,
  type NarInfo,
  type PublicKey,
  parseNarInfo,
  parsePublicKey,
  parseStorePath,
  verifySignature,
} from '../nix/index.ts';
import type { Logger } from '../util/log.ts';
import { Semaphore } from '../util/semaphore.ts';

/** An answer not to remember: the upstream was not asked, or did not answer. */
const UNKNOWN = Symbol('unknown');

/** What an upstream answered for one path, after its signature checked out. */
export interface UpstreamHit {
  upstream: UpstreamSettings;
  info: NarInfo;
}

export interface LookupOptions {
  storeDir: string;
  logger: Logger;
  /** Requests to upstreams in flight at once, over every cache. */
  concurrency?: number;
  /** Per request: an upstream slower than this counts as not having the path. */
  timeoutMs?: number;
  positiveTtlMs?: number;
  /** How long an upstream that failed is not asked (its paths count as not there). */
  downMs?: number;
  negativeTtlMs?: number;
  maxEntries?: number;
  now?: () => number;
}

/**
 * Asks upstream substituters for narinfos, verifies them against the configured key and
 * remembers the answer in memory (an LRU with a TTL), so a push of a 2,000-path closure
 * asks each upstream once per path and the next push asks nothing.
 *
 * In memory, not in the index: the answers are cheap to get again (one GET each), must
 * expire anyway (an upstream gains paths, or garbage-collects them), and a table would need
 * the SQLite and PostgreSQL indexes to grow a method each. The cost is that every replica
 * and every restart asks again. Negative answers live shorter: a path missing upstream
 * now is often there minutes later (Hydra is still building it).
 */
export class UpstreamLookup {
  private readonly memo = new Map<string, { hit: UpstreamHit | undefined; until: number }>();
  private readonly inFlight = new Map<string, Promise<UpstreamHit | undefined>>();
  private readonly keys = new Map<string, PublicKey>();
  /** Upstreams that failed lately, until when they are not asked at all. */
  private readonly downUntil = new Map<string, number>();
  /** NAR downloads (pull) or upstream requests (lookup) in flight at once. */
  private readonly slots: Semaphore;
  private readonly o: Required<LookupOptions>;

  constructor(opts: LookupOptions) {
    this.o = {
      concurrency: 16,
      timeoutMs: 10_000,
      positiveTtlMs: 3_600_000,
      negativeTtlMs: 300_000,
      downMs: 30_000,
      maxEntries: 100_000,
      now: Date.now,
      ...opts,
    };
    this.slots = new Semaphore(this.o.concurrency);
  }

  /** The first upstream (in configured order) that has the path with a valid signature. */
  async find(upstreams: UpstreamSettings[], hashPart: string): Promise<UpstreamHit | undefined> {
    for (const u of upstreams) {
      const hit = await this.ask(u, hashPart);
      if (hit) return hit;
    }
    return undefined;
  }

  /** One upstream's verified answer, from memory when fresh; concurrent asks share one request. */
  ask(upstream: UpstreamSettings, hashPart: string): Promise<UpstreamHit | undefined> {
    const key = `${upstream.url}\n${upstream.publicKey}\n${hashPart}`;
    const known = this.memo.get(key);
    if (known && known.until > this.o.now()) {
      // Map order is insertion order: re-inserting makes this the most recently used.
      this.memo.delete(key);
      this.memo.set(key, known);
      return Promise.resolve(known.hit);
    }
    let p = this.inFlight.get(key);
    if (!p) {
      p = this.fetchVerified(upstream, hashPart).then((hit) => {
        if (hit === UNKNOWN) return undefined;
        this.remember(key, hit);
        return hit;
      });
      p.finally(() => this.inFlight.delete(key)).catch(() => {});
      this.inFlight.set(key, p);
    }
    return p;
  }

  /** Forgets a path (after a pull failed on the NAR, the narinfo alone proves little). */
  forget(upstream: UpstreamSettings, hashPart: string): void {
    this.memo.delete(`${upstream.url}\n${upstream.publicKey}\n${hashPart}`);
  }

  private remember(key: string, hit: UpstreamHit | undefined): void {
    const ttl = hit ? this.o.positiveTtlMs : this.o.negativeTtlMs;
    this.memo.set(key, { hit, until: this.o.now() + ttl });
    while (this.memo.size > this.o.maxEntries) {
      const oldest = this.memo.keys().next().value;
      if (oldest === undefined) break;
      this.memo.delete(oldest);
    }
  }

  private async fetchVerified(
    upstream: UpstreamSettings,
    hashPart: string,
  ): Promise<UpstreamHit | undefined | typeof UNKNOWN> {
    // A failing upstream is left alone for a while: a 2,000-path push must not wait for
    // 2,000 timeouts. What it would have said is unknown, so nothing is remembered.
    if ((this.downUntil.get(upstream.url) ?? 0) > this.o.now()) return UNKNOWN;
    const url = `${upstream.url}/${hashPart}.narinfo`;
    let text: string | undefined;
    try {
      text = await this.slots.run(async () => {
        if ((this.downUntil.get(upstream.url) ?? 0) > this.o.now()) throw UNKNOWN;
        try {
          const res = await fetch(url, { signal: AbortSignal.timeout(this.o.timeoutMs) });
          if (res.status === 404 || res.status === 403) {
            await res.body?.cancel();
            return undefined;
          }
          if (!res.ok) {
            await res.body?.cancel();
            throw new Error(`HTTP ${res.status}`);
          }
          return await res.text();
        } catch (err) {
          // Marked before the slot is handed on, so the next waiter sees it.
          this.downUntil.set(upstream.url, this.o.now() + this.o.downMs);
          throw err;
        }
      });
    } catch (err) {
      // An unreachable or failing upstream never fails the caller: the path is "not there".
      if (err === UNKNOWN) return UNKNOWN;
      this.o.logger.warn(
        `upstream ${upstream.url} did not answer for ${hashPart}; not asked for ${this.o.downMs / 1000} s`,
        { error: (err as Error).message },
      );
      return UNKNOWN;
    }
    if (text === undefined) return undefined;
    let info: NarInfo;
    try {
      info = parseNarInfo(text, this.o.storeDir);
      if (parseStorePath(info.storePath, this.o.storeDir).hashPart !== hashPart)
        throw new Error(`it describes ${info.storePath}`);
    } catch (err) {
      this.o.logger.warn(`upstream ${upstream.url} sent a bad narinfo for ${hashPart}`, {
        error: (err as Error).message,
      });
      return undefined;
    }
    if (!this.verify(upstream, info)) {
      this.o.logger.warn(
        `upstream ${upstream.url} has ${info.storePath} without a valid signature by ${upstream.publicKey.split(':')[0]}; refused`,
      );
      return undefined;
    }
    return { upstream, info };
  }

  /** True when one of the narinfo's signatures is by the upstream's key. */
  verify(upstream: UpstreamSettings, info: NarInfo): boolean {
    let key = this.keys.get(upstream.publicKey);
    if (!key) {
      key = parsePublicKey(upstream.publicKey);
      this.keys.set(upstream.publicKey, key);
    }
    let fp: string;
    try {
      fp = fingerprintPath(
        info.storePath,
        info.narHash,
        info.narSize,
        info.references.map((r) => `${this.o.storeDir}/${r}`),
      );
    } catch {
      return false;
    }
    const keys = [key];
    return info.sigs.some((s) => verifySignature(fp, s, keys));
  }
}
