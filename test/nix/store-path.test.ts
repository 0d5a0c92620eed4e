import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  isValidHashPart,
  NixFormatError,
  parseStorePath,
  parseStorePathBaseName,
  printStorePath,
} from '../../src/nix/index.ts';
import { NixEnv, requireNix } from '../helpers/nix-env.ts';

const HASH = '1pcsc5hdnzr9d40l3091hr3cyvxykfvl';

describe('store paths', () => {
  it('splits a full store path and prints it back', () => {
    const p = parseStorePath(`/nix/store/${HASH}-hello-2.12.1`);
    assert.deepEqual(p, { hashPart: HASH, name: 'hello-2.12.1', baseName: `${HASH}-hello-2.12.1` });
    assert.equal(printStorePath(p), `/nix/store/${HASH}-hello-2.12.1`);
    assert.equal(printStorePath(p, '/gnu/store'), `/gnu/store/${HASH}-hello-2.12.1`);
    assert.equal(parseStorePath(`/gnu/store/${HASH}-x`, '/gnu/store').name, 'x');
  });

  it('accepts every character and length checkName allows', () => {
    for (const name of [
      'a',
      'A-Z_0.9+x?y=z',
      '.dotfile',
      '..x',
      '.a-b',
      'x'.repeat(211),
      '-leading-dash',
      'a..',
      'foo.drv',
    ]) {
      assert.equal(parseStorePathBaseName(`${HASH}-${name}`).name, name);
    }
  });

  it('rejects malformed base names', () => {
    const bad = [
      '',
      HASH,
      `${HASH}-`,
      `${HASH}_x`,
      `${HASH.slice(1)}-x`,
      `${HASH.replace(/^./, 'e')}-x`, // e, o, u, t are not in nix-base32
      `${HASH.replace(/^./, 'E')}-x`,
      `${HASH}-${'x'.repeat(212)}`,
      `${HASH}-a b`,
      `${HASH}-a/b`,
      `${HASH}-é`,
      `${HASH}-.`,
      `${HASH}-..`,
      `${HASH}-.-x`,
      `${HASH}-..-x`,
      `${HASH}-x\n`,
    ];
    for (const s of bad) {
      assert.throws(
        () => parseStorePathBaseName(s, 'References'),
        (e) => e instanceof NixFormatError && e.field === 'References',
        `accepted ${JSON.stringify(s)}`,
      );
    }
  });

  it('rejects anything but the canonical spelling of a full path', () => {
    const bad = [
      `/nix/store/${HASH}-x/`,
      `/nix/store/${HASH}-x/bin/sh`,
      `/nix/store//${HASH}-x`,
      `/nix/store/../store/${HASH}-x`,
      `/nix/store/./${HASH}-x`,
      `nix/store/${HASH}-x`,
      `/nix/storex/${HASH}-x`,
      `/gnu/store/${HASH}-x`,
      `${HASH}-x`,
      '/nix/store/..',
    ];
    for (const s of bad) assert.throws(() => parseStorePath(s), NixFormatError, `accepted ${s}`);
  });

  it('checks hash parts', () => {
    assert.ok(isValidHashPart(HASH));
    assert.ok(!isValidHashPart(HASH.toUpperCase()));
    assert.ok(!isValidHashPart(`${HASH}0`));
    assert.ok(!isValidHashPart(HASH.replace(/.$/, 't')));
  });
});

describe('store paths against Nix', { skip: requireNix() }, () => {
  let nix: NixEnv;
  before(() => {
    nix = NixEnv.create();
  });
  after(() => nix.cleanup());

  it('parses the paths Nix makes for tricky names', () => {
    const store = nix.store();
    for (const name of ['.dotfile', 'a+b=c?d_e.f-1', 'x'.repeat(211)]) {
      const p = nix.addText(store, name, name);
      assert.equal(parseStorePath(p).name, name);
    }
    // And Nix refuses what larder refuses.
    assert.notEqual(
      nix.tryRun(['nix', 'store', 'add-path', nix.busyboxDir, '--name', 'a b']).code,
      0,
    );
    assert.notEqual(
      nix.tryRun(['nix', 'store', 'add-path', nix.busyboxDir, '--name', 'x'.repeat(212)]).code,
      0,
    );
  });
});
