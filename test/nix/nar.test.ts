import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import {
  createNarVerifier,
  dumpPath,
  encodeBase32,
  formatHash,
  type NarSummary,
  parseHash,
  serializeListing,
} from '../../src/nix/index.ts';
import { NixEnv, requireNix } from '../helpers/nix-env.ts';
import { addNonUtf8Name, makeTrickyTree } from './nar-tree.ts';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();

/** Feeds `nar` to a verifier in chunks of the given sizes (cycled). */
async function verify(nar: Buffer, sizes: number[] = [65536]): Promise<NarSummary> {
  const chunks: Buffer[] = [];
  for (let off = 0, i = 0; off < nar.length; i++) {
    const n = sizes[i % sizes.length] as number;
    chunks.push(nar.subarray(off, off + n));
    off += n;
  }
  const v = createNarVerifier();
  await pipeline(Readable.from(chunks), v.stream);
  return v.result;
}

describe('NAR serialisation and parsing against Nix', { skip: requireNix() }, () => {
  let nix: NixEnv;
  let tree: string;
  let nixNar: Buffer;
  let storePath: string;

  before(() => {
    nix = NixEnv.create();
    tree = nix.path('tree');
    mkdirSync(tree, { recursive: true });
    makeTrickyTree(tree);
    nixNar = nix.runBuffer(['nix-store', '--dump', tree]);
    storePath = nix.add(nix.store(), tree)[0] as string;
  });
  after(() => nix.cleanup());

  it('dumpPath writes the bytes nix-store --dump writes', async () => {
    const mine = await buffer(dumpPath(tree));
    assert.equal(mine.length, nixNar.length);
    assert.ok(mine.equals(nixNar), 'NAR bytes differ');
  });

  it('dumpPath of a single file, an executable and a symlink matches too', async () => {
    const dir = nix.path('single');
    mkdirSync(dir);
    writeFileSync(join(dir, 'plain'), 'plain\n');
    writeFileSync(join(dir, 'exe'), 'exe\n', { mode: 0o700 });
    for (const name of ['plain', 'exe', 'link-to-dir'] as const) {
      const p = name === 'link-to-dir' ? join(tree, name) : join(dir, name);
      const mine = await buffer(dumpPath(p));
      assert.ok(mine.equals(nix.runBuffer(['nix-store', '--dump', p])), name);
    }
  });

  it('dumpPath keeps names that are not UTF-8', async () => {
    const dir = nix.path('latin');
    mkdirSync(dir);
    addNonUtf8Name(dir);
    const mine = await buffer(dumpPath(dir));
    assert.ok(mine.equals(nix.runBuffer(['nix-store', '--dump', dir])));
    const summary = await verify(mine);
    assert.deepEqual(Object.keys((summary.listing.root as { entries: object }).entries), [
      'f\ufffd\ufffd',
    ]);
  });

  it('hashes the NAR as nix-store -q --hash after nix-store --add', async () => {
    const summary = await verify(nixNar);
    const nixHash = nix
      .run(['nix-store', '--store', nix.store(), '-q', '--hash', storePath])
      .trim();
    assert.equal(formatHash(summary.narHash), nixHash);
    assert.equal(encodeBase32(sha256(nixNar)), nixHash.slice('sha256:'.length));
    assert.equal(summary.narSize, nixNar.length);
    const size = nix.run(['nix-store', '--store', nix.store(), '-q', '--size', storePath]).trim();
    assert.equal(summary.narSize, Number(size));
    // The store copy dumps to the same NAR as the source tree.
    assert.ok(nix.dump(nix.store(), storePath).equals(nixNar));
  });

  it('gives the same result whatever the chunk boundaries', async () => {
    const whole = await verify(nixNar, [nixNar.length]);
    for (const sizes of [[1, 7, 8, 9, 4096, 65537], [13, 1 << 20], [8191], [100_000]]) {
      const s = await verify(nixNar, sizes);
      assert.deepEqual(s, whole, `chunks ${sizes}`);
    }
    // Streamed straight from dumpPath.
    const v = createNarVerifier();
    await pipeline(dumpPath(tree), v.stream);
    assert.deepEqual(await v.result, whole);
    // A few bytes at a time, for a NAR without the big file.
    const small = nix.path('small');
    mkdirSync(join(small, 'd'), { recursive: true });
    writeFileSync(join(small, 'd', 'f'), 'hello');
    writeFileSync(join(small, 'g'), 'x'.repeat(17), { mode: 0o755 });
    const nar = nix.runBuffer(['nix-store', '--dump', small]);
    for (const sizes of [[1], [3], [8], [5, 11]])
      assert.deepEqual(await verify(nar, sizes), await verify(nar));
  });

  it('lists the NAR exactly as Nix writes <hash>.ls with write-nar-listing=true', async () => {
    const cache = nix.path('listing-cache');
    nix.copyTo(nix.store(), `file://${cache}?write-nar-listing=true&compression=none`, [storePath]);
    const hashPart = storePath.slice('/nix/store/'.length, '/nix/store/'.length + 32);
    const lsText = readFileSync(join(cache, `${hashPart}.ls`), 'utf8');
    const summary = await verify(nixNar);
    assert.deepEqual(summary.listing, JSON.parse(lsText));
    assert.equal(serializeListing(summary.listing), lsText);

    // The NAR Nix put in the cache is the same NAR, and the narinfo says so.
    const [narFile] = readdirSync(join(cache, 'nar'));
    const cached = readFileSync(join(cache, 'nar', narFile as string));
    assert.ok(cached.equals(nixNar));
    const narinfo = readFileSync(join(cache, `${hashPart}.narinfo`), 'utf8');
    const narHash = /^NarHash: (.*)$/m.exec(narinfo)?.[1] as string;
    assert.deepEqual(parseHash(narHash), summary.narHash);
  });

  it('lists a tree of only a symlink and of only a file', async () => {
    const cache = nix.path('listing-cache-2');
    const file = nix.addText(nix.store(), 'just-a-file', 'content\n');
    const linkDir = nix.path('link-only');
    mkdirSync(linkDir);
    const link = nix.add(nix.store(), join(tree, 'dangling'))[0] as string;
    nix.copyTo(nix.store(), `file://${cache}?write-nar-listing=true&compression=none`, [
      file,
      link,
    ]);
    for (const p of [file, link]) {
      const hashPart = p.slice(11, 43);
      const lsText = readFileSync(join(cache, `${hashPart}.ls`), 'utf8');
      const summary = await verify(nix.dump(nix.store(), p));
      assert.equal(serializeListing(summary.listing), lsText);
    }
  });
});
