import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { fanOut } from '../../src/util/fan-out.ts';

/** A destination that keeps what it gets; `slow` answers each write a tick later. */
function sink(slow = false) {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _e, cb) {
      chunks.push(chunk);
      if (slow) setImmediate(cb);
      else cb();
    },
  });
  return { stream, chunks, bytes: () => Buffer.concat(chunks) };
}

const pieces = (b: Buffer, size: number) => {
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) out.push(b.subarray(i, i + size));
  return out;
};

describe('fanOut', () => {
  it('gives every destination every byte in order, gathered into chunks of the asked size', async () => {
    const data = randomBytes(300_000 + 123);
    const a = sink();
    const b = sink(true);
    const seen: number[] = [];
    await pipeline(
      Readable.from(pieces(data, 7_000)),
      fanOut([a.stream, b.stream], { chunkBytes: 64 * 1024, onChunk: (c) => seen.push(c.length) }),
    );
    assert.ok(a.bytes().equals(data));
    assert.ok(b.bytes().equals(data));
    assert.equal(
      seen.reduce((x, y) => x + y, 0),
      data.length,
    );
    // Every chunk but the last holds at least chunkBytes; the last holds the rest.
    for (const n of seen.slice(0, -1)) assert.ok(n >= 64 * 1024, `chunk of ${n}`);
    assert.deepEqual(
      a.chunks.map((c) => c.length),
      seen,
    );
  });

  it('passes chunks as they come without chunkBytes', async () => {
    const data = randomBytes(50_000);
    const a = sink();
    await pipeline(Readable.from(pieces(data, 5_000)), fanOut([a.stream]));
    assert.equal(a.chunks.length, 10);
    assert.ok(a.bytes().equals(data));
  });

  it('fails when onChunk throws, and tears the destinations down', async () => {
    const a = sink(true);
    let n = 0;
    const fan = fanOut([a.stream], {
      chunkBytes: 10_000,
      onChunk: () => {
        if (++n === 3) throw new Error('too large');
      },
    });
    await assert.rejects(
      pipeline(Readable.from(pieces(randomBytes(100_000), 1_000)), fan),
      /too large/,
    );
    assert.ok(a.stream.destroyed);
  });

  it('fails when a destination fails', async () => {
    const bad = new Writable({
      write(_c, _e, cb) {
        cb(new Error('disk full'));
      },
    });
    const a = sink();
    await assert.rejects(
      pipeline(Readable.from(pieces(randomBytes(40_000), 4_000)), fanOut([a.stream, bad])),
      /disk full/,
    );
  });
});
