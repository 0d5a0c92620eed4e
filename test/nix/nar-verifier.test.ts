import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import {
  createNarVerifier,
  type NarSummary,
  type NarVerifierOptions,
  NixFormatError,
} from '../../src/nix/index.ts';
import { NixEnv, requireNix } from '../helpers/nix-env.ts';

// The NAR framing, written out here so the tests do not trust the code under test.
const u64 = (n: number | bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
};
const str = (s: string | Buffer) => {
  const b = Buffer.from(s);
  return Buffer.concat([u64(b.length), b, Buffer.alloc((8 - (b.length % 8)) % 8)]);
};
const nar = (...tokens: (string | Buffer)[]) => Buffer.concat(tokens.map(str));
const file = (body: string, exec = false) =>
  exec
    ? ['(', 'type', 'regular', 'executable', '', 'contents', body, ')']
    : ['(', 'type', 'regular', 'contents', body, ')'];
const entry = (name: string, node: string[]) => ['entry', '(', 'name', name, 'node', ...node, ')'];
const dir = (...entries: string[][]) => ['(', 'type', 'directory', ...entries.flat(), ')'];
const MAGIC = 'nix-archive-1';

async function run(bytes: Buffer, opts?: NarVerifierOptions, chunk = 5): Promise<NarSummary> {
  const v = createNarVerifier(opts);
  const chunks = [];
  for (let i = 0; i < bytes.length; i += chunk) chunks.push(bytes.subarray(i, i + chunk));
  await Promise.allSettled([pipeline(Readable.from(chunks), v.stream)]);
  return v.result;
}

async function rejects(bytes: Buffer, pattern: RegExp, opts?: NarVerifierOptions): Promise<void> {
  await assert.rejects(run(bytes, opts), (e: unknown) => {
    assert.ok(e instanceof NixFormatError, `not a NixFormatError: ${e}`);
    assert.equal(e.field, 'NAR');
    assert.match(e.message, pattern);
    return true;
  });
}

describe('NAR verifier', () => {
  const valid = nar(
    MAGIC,
    ...dir(
      entry('a', file('hello', true)),
      entry('b', ['(', 'type', 'symlink', 'target', 'a', ')']),
      entry('c', dir()),
    ),
  );

  it('accepts a well-formed NAR and lists it with content offsets', async () => {
    const s = await run(valid);
    assert.equal(s.narSize, valid.length);
    assert.deepEqual(s.listing, {
      version: 1,
      root: {
        type: 'directory',
        entries: {
          a: { type: 'regular', size: 5, executable: true, narOffset: valid.indexOf('hello') },
          b: { type: 'symlink', target: 'a' },
          c: { type: 'directory', entries: {} },
        },
      },
    });
    const single = nar(MAGIC, ...file(''));
    assert.deepEqual((await run(single, undefined, 1)).listing.root, {
      type: 'regular',
      size: 0,
      narOffset: single.length - 16,
    });
  });

  it('rejects every truncation', async () => {
    for (let n = 0; n < valid.length; n++) await rejects(valid.subarray(0, n), /truncated/);
  });

  it('rejects trailing bytes', async () => {
    await rejects(Buffer.concat([valid, Buffer.alloc(1)]), /after the end/);
    await rejects(Buffer.concat([valid, str(')')]), /after the end/);
  });

  it('rejects wrong magic and wrong tokens', async () => {
    await rejects(nar('nix-archive-2', ...file('x')), /expected 'nix-archive-1'/);
    await rejects(
      Buffer.from('not a nar at all, just some text'),
      /expected 'nix-archive-1' at byte 0/,
    );
    await rejects(nar(MAGIC, '[', 'type', 'regular', 'contents', 'x', ')'), /expected '\('/);
    await rejects(nar(MAGIC, '(', 'kind', 'regular', 'contents', 'x', ')'), /expected 'type'/);
    await rejects(
      nar(MAGIC, '(', 'type', 'fifo', ')'),
      /expected 'regular', 'directory' or 'symlink' at byte 56, found 'fifo'/,
    );
    await rejects(
      nar(MAGIC, '(', 'type', 'regular', 'executable', 'yes', 'contents', 'x', ')'),
      /expected ''/,
    );
    await rejects(nar(MAGIC, '(', 'type', 'regular', ')'), /'executable' or 'contents'/);
    await rejects(
      nar(MAGIC, '(', 'type', 'regular', 'contents', 'x', 'executable', '', ')'),
      /expected '\)'/,
    );
    await rejects(
      nar(MAGIC, '(', 'type', 'regular', 'type', 'regular', 'contents', 'x', ')'),
      /'executable' or 'contents'/,
    );
    await rejects(nar(MAGIC, '(', 'type', 'symlink', 'contents', 'x', ')'), /expected 'target'/);
    await rejects(nar(MAGIC, '(', 'type', 'directory', 'contents', 'x', ')'), /'entry' or '\)'/);
    await rejects(nar(MAGIC, ...dir(['entry', '(', 'node', ...file('x'), ')'])), /expected 'name'/);
    await rejects(nar(MAGIC, ...dir(['entry', '(', 'name', 'a', ')'])), /expected 'node'/);
  });

  it('rejects unsorted, duplicate and invalid entry names', async () => {
    await rejects(nar(MAGIC, ...dir(entry('b', file('')), entry('a', file('')))), /unsorted/);
    await rejects(nar(MAGIC, ...dir(entry('a', file('')), entry('a', file('')))), /duplicate/);
    // Bytewise, not by JS string order: U+E000 (EE 80 80) sorts before U+1F600 (F0 9F 98 80).
    await run(nar(MAGIC, ...dir(entry('\u{e000}', file('')), entry('😀', file('')))));
    await rejects(
      nar(MAGIC, ...dir(entry('😀', file('')), entry('\u{e000}', file('')))),
      /unsorted/,
    );
    for (const name of ['', '.', '..', 'a/b', 'a\0b', '/']) {
      await rejects(nar(MAGIC, ...dir(entry(name, file('')))), /invalid file name/);
    }
    await rejects(nar(MAGIC, ...dir(entry('x'.repeat(2000), file('')))), /2000-byte string/);
  });

  it('rejects bad symlink targets, non-zero padding and absurd lengths', async () => {
    await rejects(nar(MAGIC, '(', 'type', 'symlink', 'target', '', ')'), /invalid symlink target/);
    await rejects(
      nar(MAGIC, '(', 'type', 'symlink', 'target', 'a\0b', ')'),
      /invalid symlink target/,
    );
    const padded = nar(MAGIC, ...file('abc'));
    const bodyAt = padded.indexOf('abc');
    padded[bodyAt + 4] = 1;
    await rejects(padded, /non-zero padding/);
    const token = nar(MAGIC, ...file('abc'));
    token[8 + 13] = 7; // inside the magic's padding
    await rejects(token, /non-zero padding/);
    const huge = Buffer.concat([
      str(MAGIC),
      str('('),
      str('type'),
      str('regular'),
      str('contents'),
      u64(2n ** 60n),
    ]);
    await rejects(huge, /too large/);
    // A file claiming 1 TiB, then ending: rejected as truncated, without buffering anything.
    const claims = Buffer.concat([
      str(MAGIC),
      str('('),
      str('type'),
      str('regular'),
      str('contents'),
      u64(2n ** 40n),
      Buffer.alloc(4096),
    ]);
    await rejects(claims, /truncated: it ends at byte 4192, expecting file contents/);
    await rejects(
      Buffer.concat([str(MAGIC), u64(2n ** 40n), Buffer.alloc(8)]),
      /expected '\(' at byte 24, found something else/,
    );
  });

  it('enforces the listing and depth limits', async () => {
    await rejects(valid, /more than 3 files/, { maxListingEntries: 3 });
    await run(valid, { maxListingEntries: 4 });
    const deep = nar(MAGIC, ...dir(entry('a', dir(entry('b', dir())))));
    await run(deep, { maxDepth: 3 });
    await rejects(deep, /nested deeper than 2/, { maxDepth: 2 });
  });

  it('errors the stream and rejects the result when destroyed early', async () => {
    const v = createNarVerifier();
    v.stream.write(valid.subarray(0, 20));
    v.stream.destroy();
    await assert.rejects(v.result, NixFormatError);
    const w = createNarVerifier();
    const errored = new Promise((resolve) => w.stream.on('error', resolve));
    w.stream.end(Buffer.from('garbage garbage garbage'));
    assert.ok((await errored) instanceof NixFormatError);
    await assert.rejects(w.result, NixFormatError);
  });
});

describe('NAR verifier on corrupted Nix NARs', { skip: requireNix() }, () => {
  let nix: NixEnv;
  let good: Buffer;

  before(() => {
    nix = NixEnv.create();
    const root = nix.path('t');
    mkdirSync(join(root, 'sub'), { recursive: true });
    writeFileSync(join(root, 'a'), 'same');
    writeFileSync(join(root, 'b'), 'same');
    writeFileSync(join(root, 'sub', 'x'), 'hello world', { mode: 0o755 });
    symlinkSync('a', join(root, 'sub', 'y'));
    good = nix.runBuffer(['nix-store', '--dump', root]);
  });
  after(() => nix.cleanup());

  const corrupt = (edit: (b: Buffer) => void) => {
    const b = Buffer.from(good);
    edit(b);
    return b;
  };
  const at = (s: string, nth = 0) => {
    let i = -1;
    for (let k = 0; k <= nth; k++) i = good.indexOf(s, i + 1);
    assert.ok(i >= 0, `no '${s}' in the NAR`);
    return i;
  };

  it('accepts the original', async () => {
    const s = await run(good, undefined, 4096);
    assert.equal(s.narSize, good.length);
  });

  it('rejects a flipped byte in each kind of token', async () => {
    for (const token of [
      MAGIC,
      'type',
      'directory',
      'entry',
      'name',
      'node',
      'regular',
      'contents',
      'executable',
      'symlink',
      'target',
    ]) {
      await rejects(
        corrupt((b) => {
          const i = at(token);
          b[i] = (b[i] as number) ^ 0x01;
        }),
        /expected|unknown file type/,
      );
    }
    // A length field off by one.
    await rejects(
      corrupt((b) => {
        b[at('type') - 8] = 5;
      }),
      /expected 'type'|non-zero padding/,
    );
  });

  it('rejects entries made unsorted or duplicate', async () => {
    // Entries 'a' and 'b' have equal bodies, so swapping their names keeps every length right.
    const nameA = at('name', 0) + 16;
    const nameB = at('name', 1) + 16;
    assert.equal(good.toString('latin1', nameA, nameA + 1), 'a');
    await rejects(
      corrupt((b) => {
        b[nameA] = 0x62;
        b[nameB] = 0x61;
      }),
      /unsorted/,
    );
    await rejects(
      corrupt((b) => {
        b[nameB] = 0x61;
      }),
      /duplicate/,
    );
  });

  it('rejects every truncation and trailing bytes', async () => {
    for (let n = 0; n < good.length; n++) await rejects(good.subarray(0, n), /truncated/);
    await rejects(Buffer.concat([good, Buffer.alloc(8)]), /after the end/);
    await rejects(Buffer.concat([good, good]), /after the end/);
  });

  it('answers every single-byte corruption with a summary or a NixFormatError, nothing else', async () => {
    let accepted = 0;
    for (let i = 0; i < good.length; i++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const b = corrupt((x) => {
          x[i] = (x[i] as number) ^ mask;
        });
        try {
          await run(b, undefined, 64);
          accepted++;
        } catch (e) {
          assert.ok(e instanceof NixFormatError, `byte ${i} ^ ${mask}: ${e}`);
        }
      }
    }
    // File bodies and some name or target bytes can change without breaking the syntax.
    assert.ok(accepted > 0 && accepted < good.length, `${accepted} accepted`);
  });

  it('rejects a non-zero padding byte after file contents', async () => {
    await rejects(
      corrupt((b) => {
        b[at('hello world') + 11] = 0x20;
      }),
      /non-zero padding/,
    );
  });
});
