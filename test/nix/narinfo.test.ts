import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import { zstdDecompressSync } from 'node:zlib';
import {
  createNarVerifier,
  encodeBase32,
  formatHash,
  type NarInfo,
  NixFormatError,
  parseNarInfo,
  serializeListing,
  serializeNarInfo,
} from '../../src/nix/index.ts';
import { NixEnv, requireNix } from '../helpers/nix-env.ts';
import { buildClosure, type Closure } from './closure.ts';

interface PathInfoJson {
  path: string;
  narHash: string;
  narSize: number;
  references: string[];
  deriver?: string;
  ca?: string;
}

const HASH = '0qxih9yb1dw9jrwwsxnqvywcychgpvmr';
const NAR_HASH = 'sha256:1w2dfr2mra1r0yixgps9d0hi8y77gsy0hn48r5w5xnas56k568g5';
const SIG = `cache.example.org-1:${Buffer.alloc(64, 1).toString('base64')}`;
const sample = (fields: Record<string, string | undefined> = {}) =>
  Object.entries({
    StorePath: `/nix/store/${HASH}-top`,
    URL: `nar/${'1'.repeat(52)}.nar.zst`,
    Compression: 'zstd',
    FileHash: `sha256:${'1'.repeat(52)}`,
    FileSize: '322',
    NarHash: NAR_HASH,
    NarSize: '1176',
    References: `${HASH}-top 9cc8r6x63yayvd0gghc25mmw5v5i4vcv-dep`,
    Deriver: 'hlk7206qvkfdz6bpvm0ys4lkyirl6ly3-top.drv',
    Sig: SIG,
    ...fields,
  })
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${v}\n`)
    .join('');

function throwsField(text: string, field: string | undefined, why: string) {
  assert.throws(
    () => parseNarInfo(text),
    (e) =>
      e instanceof NixFormatError &&
      e.field === field &&
      e.message === (field ? `${field}: ${e.reason}` : e.reason),
    `${why}: expected a NixFormatError for ${field}`,
  );
}

describe('narinfo parsing', () => {
  it('reads every field', () => {
    const info = parseNarInfo(
      sample({ System: 'x86_64-linux', CA: `fixed:r:sha256:${'1'.repeat(52)}` }),
    );
    assert.equal(info.storePath, `/nix/store/${HASH}-top`);
    assert.equal(info.compression, 'zstd');
    assert.equal(info.fileSize, 322);
    assert.equal(formatHash(info.narHash), NAR_HASH);
    assert.equal(info.narSize, 1176);
    assert.deepEqual(info.references, [`${HASH}-top`, '9cc8r6x63yayvd0gghc25mmw5v5i4vcv-dep']);
    assert.equal(info.deriver, 'hlk7206qvkfdz6bpvm0ys4lkyirl6ly3-top.drv');
    assert.equal(info.system, 'x86_64-linux');
    assert.deepEqual(info.sigs, [SIG]);
    assert.equal(info.ca, `fixed:r:sha256:${'1'.repeat(52)}`);
  });

  it('follows Nix where fields are absent or special', () => {
    const info = parseNarInfo(
      sample({
        Compression: undefined,
        FileHash: undefined,
        FileSize: undefined,
        References: '',
        Deriver: 'unknown-deriver',
        Sig: undefined,
      }),
    );
    assert.equal(info.compression, 'bzip2');
    assert.equal(info.fileHash, undefined);
    assert.equal(info.fileSize, undefined);
    assert.deepEqual(info.references, []);
    assert.equal(info.deriver, undefined);
    assert.deepEqual(info.sigs, []);
    // Unknown keys are ignored, as Nix ignores them.
    assert.equal(parseNarInfo(`${sample()}X-Larder-Tier: 1\nX-Larder-Tier: 2\n`).narSize, 1176);
    // Hashes in other encodings are understood, and printed back the way Nix prints them.
    const hex = parseNarInfo(
      sample({ NarHash: `sha256:${Buffer.alloc(32, 0xab).toString('hex')}` }),
    );
    assert.ok(
      serializeNarInfo(hex).includes(`NarHash: sha256:${encodeBase32(Buffer.alloc(32, 0xab))}\n`),
    );
    // References in any order and repeated come out sorted and unique, like Nix's StorePathSet.
    const refs = parseNarInfo(sample({ References: `b${HASH.slice(1)}-z  ${HASH}-a ${HASH}-a` }));
    assert.deepEqual(refs.references, [`${HASH}-a`, `b${HASH.slice(1)}-z`]);
  });

  it('names the field that is missing or wrong', () => {
    for (const f of ['StorePath', 'URL', 'NarHash', 'NarSize'])
      throwsField(sample({ [f]: undefined }), f, `no ${f}`);
    throwsField(sample({ StorePath: `/nix/store/${HASH}-top/bin` }), 'StorePath', 'subpath');
    throwsField(sample({ StorePath: `/gnu/store/${HASH}-top` }), 'StorePath', 'other store');
    throwsField(
      sample({ StorePath: `/nix/store/${HASH.slice(2)}-top` }),
      'StorePath',
      'short hash',
    );
    throwsField(sample({ URL: 'nar/x\u0001' }), 'URL', 'control character');
    throwsField(sample({ Compression: 'rar' }), 'Compression', 'unknown compression');
    throwsField(sample({ FileHash: 'sha256:abc' }), 'FileHash', 'short hash');
    throwsField(sample({ FileSize: '-1' }), 'FileSize', 'negative');
    throwsField(sample({ FileSize: '1e3' }), 'FileSize', 'not decimal');
    throwsField(sample({ NarHash: NAR_HASH.slice(7) }), 'NarHash', 'no algorithm');
    throwsField(sample({ NarSize: '0' }), 'NarSize', 'zero');
    throwsField(sample({ NarSize: '12345678901234567890' }), 'NarSize', 'beyond 2^53');
    throwsField(sample({ NarSize: ' 12' }), 'NarSize', 'space');
    throwsField(sample({ References: 'not-a-store-path' }), 'References', 'bad reference');
    throwsField(sample({ References: `/nix/store/${HASH}-top` }), 'References', 'full path');
    throwsField(sample({ Deriver: 'foo.drv' }), 'Deriver', 'bad deriver');
    throwsField(sample({ Sig: 'no-colon' }), 'Sig', 'bad signature');
    throwsField(sample({ Sig: 'k:AAAA' }), 'Sig', 'short signature');
    throwsField(sample({ CA: 'fixed:sha256:zzz' }), 'CA', 'bad CA hash');
    throwsField(
      sample({ CA: 'text:sha1:0000000000000000000000000000000000000000' }),
      'CA',
      'text with sha1',
    );
    throwsField(sample({ CA: 'magic:sha256:x' }), 'CA', 'unknown CA kind');
    throwsField(`${sample()}NarSize: 1\n`, 'NarSize', 'duplicate');
    throwsField(`${sample()}References: \n`, 'References', 'duplicate');
  });

  it('rejects text that is not Key: value lines', () => {
    throwsField(sample().slice(0, -1), undefined, 'no final newline');
    throwsField(`${sample()}\n`, undefined, 'empty line');
    throwsField(`${sample()}Garbage\n`, undefined, 'no colon');
    throwsField(`${sample()}Key:value\n`, undefined, 'no space');
    throwsField('', 'StorePath', 'empty');
  });
});

describe('narinfo serialisation', () => {
  it('writes fields in Nix order with References always present', () => {
    const info: NarInfo = {
      storePath: `/nix/store/${HASH}-top`,
      url: 'nar/x.nar',
      compression: 'none',
      narHash: parseNarInfo(sample()).narHash,
      narSize: 5,
      references: [],
      sigs: [SIG, SIG],
      system: 'x86_64-linux',
      ca: 'text:sha256:1w2dfr2mra1r0yixgps9d0hi8y77gsy0hn48r5w5xnas56k568g5',
    };
    assert.equal(
      serializeNarInfo(info),
      `StorePath: /nix/store/${HASH}-top\nURL: nar/x.nar\nCompression: none\nNarHash: ${NAR_HASH}\nNarSize: 5\nReferences: \nSystem: x86_64-linux\nSig: ${SIG}\nCA: text:sha256:1w2dfr2mra1r0yixgps9d0hi8y77gsy0hn48r5w5xnas56k568g5\n`,
    );
    assert.throws(
      () => serializeNarInfo({ ...info, url: 'a\nStorePath: /nix/store/evil' }),
      NixFormatError,
    );
    assert.throws(() => serializeNarInfo(info, '/gnu/store'), NixFormatError);
  });
});

describe('narinfo against Nix', { skip: requireNix() }, () => {
  let nix: NixEnv;
  let store: string;
  let closure: Closure;
  /** `nix path-info --json` of every path in the closure, by store path. */
  let pathInfo: Map<string, PathInfoJson>;

  before(() => {
    nix = NixEnv.create();
    store = nix.store();
    closure = buildClosure(nix, store, 'narinfo');
    const json = (args: string[]) =>
      JSON.parse(
        nix.run(['nix', 'path-info', '--store', store, '--json', '-r', ...args]),
      ) as PathInfoJson[];
    pathInfo = new Map(
      [...json([closure.top]), ...json(['--derivation', closure.topDrv])].map((p) => [p.path, p]),
    );
  });
  after(() => nix.cleanup());

  const decompress = (file: Buffer, compression: string): Buffer => {
    if (compression === 'none') return file;
    if (compression === 'zstd') return zstdDecompressSync(file);
    const tool = compression === 'xz' ? 'xz' : 'bzip2';
    return nix.runBuffer([tool, '-dc'], { input: file });
  };

  for (const compression of ['xz', 'zstd', 'none', 'bzip2']) {
    it(`parses and re-serialises byte for byte every narinfo of a ${compression} cache`, async () => {
      const cache = nix.path(`cache-${compression}`);
      const key = nix.generateKey(`test-${compression}-1`);
      const query = `compression=${compression}&write-nar-listing=true&secret-key=${key.secretFile}`;
      nix.copyTo(store, `file://${cache}?${query}`, [closure.top]);
      nix.copyTo(store, `file://${cache}?${query}`, [closure.topDrv], ['--derivation']);

      const files = readdirSync(cache).filter((f) => f.endsWith('.narinfo'));
      assert.equal(
        files.length,
        pathInfo.size,
        `one narinfo per path of ${[...pathInfo.keys()].join(' ')}`,
      );
      const seen = { ca: 0, deriver: 0, refs: 0 };
      for (const f of files) {
        const text = readFileSync(join(cache, f), 'utf8');
        const info = parseNarInfo(text);
        assert.equal(serializeNarInfo(info), text, `${f} does not round-trip`);
        assert.equal(info.compression, compression);
        assert.equal(info.storePath.slice(11, 43), f.slice(0, 32));
        assert.equal(info.sigs.length, 1);

        // The fields agree with the store's own view of the path.
        const expected = pathInfo.get(info.storePath);
        assert.ok(expected, `${info.storePath} is not in the closure`);
        assert.equal(formatHash(info.narHash, 'sri'), expected.narHash);
        assert.equal(info.narSize, expected.narSize);
        assert.deepEqual(info.references, expected.references.map((p) => p.slice(11)).sort());
        assert.equal(info.deriver, expected.deriver?.slice(11));
        assert.equal(info.ca, expected.ca);
        seen.ca += info.ca ? 1 : 0;
        seen.deriver += info.deriver ? 1 : 0;
        seen.refs += info.references.length > 0 ? 1 : 0;

        // The NAR file is what FileHash, FileSize, NarHash, NarSize and the listing say.
        const file = readFileSync(join(cache, info.url));
        assert.equal(info.fileSize, file.length);
        assert.equal(
          formatHash(info.fileHash ?? info.narHash),
          `sha256:${encodeBase32(createHash('sha256').update(file).digest())}`,
        );
        const v = createNarVerifier();
        await pipeline(Readable.from([decompress(file, compression)]), v.stream);
        const summary = await v.result;
        assert.deepEqual(summary.narHash, info.narHash);
        assert.equal(summary.narSize, info.narSize);
        const ls = readFileSync(join(cache, `${f.slice(0, 32)}.ls`), 'utf8');
        assert.equal(serializeListing(summary.listing), ls);
      }
      // The closure covers the interesting shapes: CA paths (the note, .drv files), derivers, references.
      assert.ok(seen.ca >= 3 && seen.deriver >= 2 && seen.refs >= 3, JSON.stringify(seen));
    });
  }
});
