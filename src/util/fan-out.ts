import { Writable } from 'node:stream';

/**
 * A writable that copies every chunk to several destinations, waiting for the slowest
 * (backpressure), and fails as soon as any destination fails.
 */
export function fanOut(dests: Writable[], onChunk?: (chunk: Buffer) => void): Writable {
  let failed: Error | undefined;
  const fan = new Writable({
    highWaterMark: 256 * 1024,
    write(chunk: Buffer, _enc, cb) {
      if (failed) return cb(failed);
      try {
        onChunk?.(chunk);
      } catch (err) {
        return cb(err as Error);
      }
      let pending = 1;
      const done = () => {
        if (--pending === 0) cb(failed);
      };
      for (const d of dests) {
        if (!d.write(chunk)) {
          pending++;
          const onDrain = () => {
            d.off('close', onDrain);
            d.off('drain', onDrain);
            done();
          };
          d.once('drain', onDrain);
          d.once('close', onDrain);
        }
      }
      done();
    },
    final(cb) {
      for (const d of dests) d.end();
      cb(failed);
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
