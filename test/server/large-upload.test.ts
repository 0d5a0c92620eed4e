import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { zstdCompressSync } from 'node:zlib';
import { encodeBase32 } from '../../src/nix/index.ts';
import { authed, startServer, type TestServer } from '../helpers/server.ts';
import { makeUpload } from '../helpers/upload.ts';

const MiB = 1024 * 1024;
const sha = (b: Buffer) => encodeBase32(createHash('sha256').update(b).digest());

/**
 * NARs of many MiB, compressed and not: the upload is gathered into large chunks, written,
 * decompressed and parsed in overlapping stages, so a fault near the end of a long body is
 * what shows whether every stage still reports it.
 */
describe('large uploads are checked to their last byte', () => {
  let s: TestServer;
  const put = (name: string, body: Buffer) =>
    fetch(`${s.url}/main/nar/${name}`, authed(s.adminToken, { method: 'PUT', body }));
  const head = async (name: string) =>
    (await fetch(`${s.url}/main/nar/${name}`, authed(s.adminToken, { method: 'HEAD' }))).status;
  const tmpEmpty = async () => {
    const tmp = join(s.dataDir, 'store', 'tmp');
    for (let i = 0; i < 50 && readdirSync(tmp).length > 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(readdirSync(tmp), []);
  };

  before(async () => {
    s = await startServer();
  });
  after(async () => {
    await s.close();
    assert.deepEqual(s.errors, []);
  });

  for (const compression of ['zstd', 'none'] as const) {
    it(`stores a ${compression} NAR of 27 MiB byte for byte, with its listing and narinfo`, async () => {
      // Random bytes (stored as is by zstd) and 24 MiB that compress ~1000:1.
      const content = Buffer.concat([randomBytes(3 * MiB), Buffer.alloc(24 * MiB, 'nix ')]);
      const u = await makeUpload(`big-${compression}`, content, compression);
      const res = await put(u.fileName, u.file);
      assert.equal(res.status, 201, await res.text());
      const info = await fetch(
        `${s.url}/main/${u.hashPart}.narinfo`,
        authed(s.adminToken, { method: 'PUT', body: u.narinfo() }),
      );
      assert.equal(info.status, 201, await info.text());
      const got = Buffer.from(
        await (await fetch(`${s.url}/main/nar/${u.fileName}`, authed(s.adminToken))).arrayBuffer(),
      );
      assert.ok(got.equals(u.file), 'the stored file differs from the upload');
      const ls = (await (
        await fetch(`${s.url}/main/${u.hashPart}.ls`, authed(s.adminToken))
      ).json()) as {
        root: { entries: { bin: { entries: { hello: { size: number } } } } };
      };
      assert.equal(ls.root.entries.bin.entries.hello.size, content.length);
    });

    it(`refuses a ${compression} NAR that goes wrong after 27 MiB, keeping nothing`, async () => {
      const u = await makeUpload(
        `late-${compression}`,
        Buffer.concat([randomBytes(3 * MiB), Buffer.alloc(24 * MiB, 'x')]),
        'none',
      );
      // The last token, `)` of the root directory, becomes `]`: only the parser can tell.
      const broken = Buffer.from(u.nar);
      assert.equal(broken[broken.length - 8], 0x29);
      broken[broken.length - 8] = 0x5d;
      const truncated = u.nar.subarray(0, u.nar.length - 16);
      for (const nar of [broken, truncated]) {
        const file = compression === 'zstd' ? zstdCompressSync(nar) : nar;
        const name = `${sha(file)}.nar${compression === 'zstd' ? '.zst' : ''}`;
        const res = await put(name, file);
        const body = (await res.json()) as { code: string; message: string };
        assert.equal(res.status, 400, body.message);
        assert.match(body.message, /^NAR: /);
        assert.match(
          body.message,
          nar === broken ? /expected 'entry' or '\)' at byte \d+, found '\]'/ : /truncated/,
        );
        assert.equal(await head(name), 404);
        await tmpEmpty();
      }
    });
  }
});
