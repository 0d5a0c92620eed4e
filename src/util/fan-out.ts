import { Writable } from 'node:stream';
import { whenDrained } from './drain.ts';

export interface FanOutOptions {
  /** Called with every chunk once it has been handed to the destinations; a throw fails the stream. */
  onChunk?: (chunk: Buffer) => void;
  /**
   * Gathers incoming chunks into chunks of at least this many bytes (0: pass them as they
   * come). A socket delivers 64 KiB at a time; each chunk a destination gets is a thread-pool
   * round trip for a file write or a decompressor, so fewer, larger ones cost less.
   */
  chunkBytes?: number;
}

/**
 * A writable that copies every chunk to several destinations, waiting for the slowest
 * (backpressure), and fails as soon as any destination fails.
 */
export function fanOut(dests: Writable[], opts: FanOutOptions = {}): Writable {
  const chunkBytes = opts.chunkBytes ?? 0;
  let failed: Error | undefined;
  let parts: Buffer[] = [];
  let partsLen = 0;

  const send = (chunk: Buffer, cb: (err?: Error | null) => void) => {
    let pending = 1;
    let answered = false;
    const answer = () => {
      if (answered) return;
      answered = true;
      cb(failed);
    };
    const done = () => {
      if (--pending === 0) answer();
    };
    for (const d of dests) {
      if (!d.write(chunk)) {
        pending++;
        whenDrained(d, done);
      }
    }
    // After the writes: a file write or a decompressor then works on this chunk in the
    // thread pool while `onChunk` (a hash) runs here.
    try {
      opts.onChunk?.(chunk);
    } catch (err) {
      failed ??= err as Error;
      return answer();
    }
    done();
  };
  const gathered = (): Buffer => {
    const whole = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, partsLen);
    parts = [];
    partsLen = 0;
    return whole;
  };

  const fan = new Writable({
    highWaterMark: Math.max(chunkBytes, 256 * 1024),
    write(chunk: Buffer, _enc, cb) {
      if (failed) return cb(failed);
      if (chunkBytes === 0) return send(chunk, cb);
      parts.push(chunk);
      partsLen += chunk.length;
      if (partsLen < chunkBytes) return cb();
      send(gathered(), cb);
    },
    final(cb) {
      const end = (err?: Error | null) => {
        if (err) return cb(err);
        for (const d of dests) d.end();
        cb(failed);
      };
      if (failed) return cb(failed);
      if (partsLen > 0) send(gathered(), end);
      else end();
    },
    destroy(err, cb) {
      // Writables auto-destroy after 'finish'; only a failure may tear the others down,
      // or a decompressor still flushing would be cut short.
      if (err) for (const d of dests) if (!d.destroyed) d.destroy(err);
      cb(err);
    },
  });
  for (const d of dests) {
    d.on('error', (err) => {
      failed ??= err;
      fan.destroy(err);
    });
  }
  return fan;
}
