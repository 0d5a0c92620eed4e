import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { NixFormatError } from './errors.ts';
import type { Hash } from './hash.ts';
import type { NarListing } from './nar-listing.ts';
import { NarParser } from './nar-parser.ts';

export interface NarSummary {
  /** sha256 of the NAR bytes, what a narinfo's NarHash states. */
  narHash: Hash;
  narSize: number;
  listing: NarListing;
}

export interface NarVerifierOptions {
  /** Most file system objects one NAR may hold (default 1,000,000); more is rejected. */
  maxListingEntries?: number;
  /** Deepest directory nesting (default 2048, what fits in Linux's PATH_MAX). */
  maxDepth?: number;
  /** Called with the size of every chunk once it has been hashed and parsed. */
  onBytes?: (n: number) => void;
}

/**
 * A writable that parses a NAR as it streams through, hashing every byte and keeping
 * only its listing. `result` settles when the stream finishes: with the summary, or with a
 * NixFormatError (field 'NAR') at the first malformed byte, which also errors the stream.
 * Destroying the stream early rejects `result` too. `result` never counts as an unhandled
 * rejection on its own, so callers that only watch the stream do not crash the process.
 */
export function createNarVerifier(opts: NarVerifierOptions = {}): {
  stream: Writable;
  result: Promise<NarSummary>;
} {
  const parser = new NarParser({
    maxListingEntries: opts.maxListingEntries ?? 1_000_000,
    maxDepth: opts.maxDepth ?? 2048,
  });
  const hasher = createHash('sha256');
  let narSize = 0;
  let resolve!: (s: NarSummary) => void;
  let reject!: (e: Error) => void;
  const result = new Promise<NarSummary>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  result.catch(() => {});

  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      try {
        narSize += chunk.length;
        hasher.update(chunk);
        parser.feed(chunk);
        opts.onBytes?.(chunk.length);
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
    final(cb) {
      try {
        const listing = parser.finish();
        resolve({ narHash: { algo: 'sha256', digest: hasher.digest() }, narSize, listing });
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
  });
  stream.on('error', reject);
  // A no-op once settled; covers destroy() without an error (an aborted upload).
  stream.on('close', () =>
    reject(new NixFormatError('the NAR stream was closed before it ended', 'NAR')),
  );
  return { stream, result };
}
