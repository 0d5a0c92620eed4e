import { Transform } from 'node:stream';

/** Passes bytes through until `limit`, then fails with `tooLarge()`. */
export function byteLimit(
  limit: number,
  tooLarge: () => Error,
): Transform & { bytes: () => number } {
  let seen = 0;
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      if (seen > limit) cb(tooLarge());
      else cb(null, chunk);
    },
  });
  return Object.assign(t, { bytes: () => seen });
}
