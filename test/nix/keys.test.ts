import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  fingerprintPath,
  formatPublicKey,
  formatSecretKey,
  generateSecretKey,
  NixFormatError,
  parseHash,
  parseNarInfo,
  parsePublicKey,
  parseSecretKey,
  publicKeyOf,
  serializeNarInfo,
  signDetached,
  verifySignature,
} from '../../src/nix/index.ts';
import { NixEnv, requireNix } from '../helpers/nix-env.ts';
import { buildClosure, type Closure } from './closure.ts';

const narHash = parseHash('sha256:1w2dfr2mra1r0yixgps9d0hi8y77gsy0hn48r5w5xnas56k568g5');

describe('keys and signatures', () => {
  it('computes the fingerprint Nix signs', () => {
    const fp = fingerprintPath('/nix/store/0qxih9yb1dw9jrwwsxnqvywcychgpvmr-top', narHash, 1176, [
      '/nix/store/9cc8r6x63yayvd0gghc25mmw5v5i4vcv-dep',
      '/nix/store/0qxih9yb1dw9jrwwsxnqvywcychgpvmr-top',
    ]);
    assert.equal(
      fp,
      '1;/nix/store/0qxih9yb1dw9jrwwsxnqvywcychgpvmr-top;sha256:1w2dfr2mra1r0yixgps9d0hi8y77gsy0hn48r5w5xnas56k568g5;1176;' +
        '/nix/store/0qxih9yb1dw9jrwwsxnqvywcychgpvmr-top,/nix/store/9cc8r6x63yayvd0gghc25mmw5v5i4vcv-dep',
    );
    assert.throws(() => fingerprintPath('/nix/store/x', narHash, 0, []), NixFormatError);
  });

  it('generates, formats, parses, signs and verifies', () => {
    const sk = generateSecretKey('larder-test-1');
    const text = formatSecretKey(sk);
    assert.match(text, /^larder-test-1:[A-Za-z0-9+/]{86}==$/);
    const again = parseSecretKey(`${text}\n`);
    assert.equal(formatSecretKey(again), text);
    const pk = publicKeyOf(sk);
    assert.equal(formatPublicKey(parsePublicKey(formatPublicKey(pk))), formatPublicKey(pk));
    const sig = signDetached(again, 'message');
    assert.match(sig, /^larder-test-1:[A-Za-z0-9+/]{86}==$/);
    assert.ok(verifySignature('message', sig, [pk]));
    assert.ok(!verifySignature('massage', sig, [pk]));
    // Only a key of the signature's name counts.
    const other = publicKeyOf(generateSecretKey('other-1'));
    assert.ok(!verifySignature('message', sig, [other]));
    assert.ok(verifySignature('message', sig, [other, pk]));
    const renamed = { ...pk, name: 'other-1' };
    assert.ok(!verifySignature('message', sig, [renamed]));
    // Malformed signatures are simply not valid.
    for (const bad of [
      '',
      'larder-test-1',
      'larder-test-1:',
      `larder-test-1:${sig.slice(14, -4)}`,
      `:${sig.slice(14)}`,
    ]) {
      assert.equal(verifySignature('message', bad, [pk]), false, bad);
    }
  });

  it('rejects malformed key files', () => {
    const sk = formatSecretKey(generateSecretKey('k-1'));
    const pk = formatPublicKey(publicKeyOf(parseSecretKey(sk)));
    for (const bad of [
      '',
      'k-1',
      ':AAAA',
      `k-1:${sk.slice(4, -4)}`,
      `k 1:${sk.slice(4)}`,
      pk,
      `k-1:${sk.slice(4)}!`,
    ]) {
      assert.throws(() => parseSecretKey(bad), NixFormatError, `secret ${bad}`);
    }
    for (const bad of ['', 'k-1:', `k-1:${pk.slice(4, -4)}`, sk]) {
      assert.throws(() => parsePublicKey(bad), NixFormatError, `public ${bad}`);
    }
    // A secret key whose public half is not the seed's.
    const raw = Buffer.from(sk.slice(4), 'base64');
    raw[40] = (raw[40] as number) ^ 1;
    assert.throws(() => parseSecretKey(`k-1:${raw.toString('base64')}`), /halves do not match/);
    assert.throws(() => generateSecretKey('has space'), NixFormatError);
    assert.throws(() => generateSecretKey('has:colon'), NixFormatError);
  });
});

describe('keys and signatures against Nix', { skip: requireNix() }, () => {
  let nix: NixEnv;
  let store: string;
  let closure: Closure;

  before(() => {
    nix = NixEnv.create();
    store = nix.store('source');
    closure = buildClosure(nix, store, 'keys');
  });
  after(() => nix.cleanup());

  it('reads keys Nix generates and signs exactly as Nix does', () => {
    const key = nix.generateKey('nix-made-1');
    const sk = parseSecretKey(key.secret);
    assert.equal(formatSecretKey(sk), key.secret);
    assert.equal(formatPublicKey(publicKeyOf(sk)), key.public);
    const pk = parsePublicKey(key.public);

    const cache = nix.path('nix-signed');
    nix.copyTo(store, `file://${cache}?compression=none&secret-key=${key.secretFile}`, [
      closure.top,
    ]);
    const narinfos = readdirSync(cache).filter((f) => f.endsWith('.narinfo'));
    assert.equal(narinfos.length, 3);
    for (const f of narinfos) {
      const info = parseNarInfo(readFileSync(join(cache, f), 'utf8'));
      const fp = fingerprintPath(
        info.storePath,
        info.narHash,
        info.narSize,
        info.references.map((r) => `/nix/store/${r}`),
      );
      assert.equal(info.sigs.length, 1);
      assert.ok(
        verifySignature(fp, info.sigs[0] as string, [pk]),
        `Nix's signature on ${f} does not verify`,
      );
      // ed25519 is deterministic: the same key signs the same fingerprint to the same bytes.
      assert.equal(signDetached(sk, fp), info.sigs[0]);
    }
  });

  it('verifies a signature made by nix store sign', () => {
    const key = nix.generateKey('nix-sign-1');
    nix.run(['nix', 'store', 'sign', '--store', store, '-k', key.secretFile, closure.top]);
    const [info] = JSON.parse(
      nix.run(['nix', 'path-info', '--store', store, '--json', '--sigs', closure.top]),
    ) as {
      narHash: string;
      narSize: number;
      references: string[];
      signatures: string[];
    }[];
    assert.ok(info);
    const sig = info.signatures.find((s) => s.startsWith('nix-sign-1:'));
    assert.ok(sig);
    const fp = fingerprintPath(closure.top, parseHash(info.narHash), info.narSize, info.references);
    assert.ok(verifySignature(fp, sig, [parsePublicKey(key.public)]));
    assert.ok(!verifySignature(fp, sig, [publicKeyOf(generateSecretKey('nix-sign-1'))]));
  });

  it('Nix accepts paths signed only by a larder key, and refuses them under another key', () => {
    const cache = nix.path('larder-signed');
    nix.copyTo(store, `file://${cache}?compression=zstd`, [closure.top]);
    const sk = generateSecretKey('larder-cache-1');
    // Nix reads the key file larder writes, too.
    const skFile = nix.path('larder.sk');
    writeFileSync(skFile, formatSecretKey(sk));
    assert.equal(
      nix.run(['nix', 'key', 'convert-secret-to-public'], { input: formatSecretKey(sk) }).trim(),
      formatPublicKey(publicKeyOf(sk)),
    );

    for (const f of readdirSync(cache).filter((n) => n.endsWith('.narinfo'))) {
      const info = parseNarInfo(readFileSync(join(cache, f), 'utf8'));
      // Only larder's signature: any Nix put there (the earlier `nix store sign`) goes.
      const fp = fingerprintPath(
        info.storePath,
        info.narHash,
        info.narSize,
        info.references.map((r) => `/nix/store/${r}`),
      );
      writeFileSync(join(cache, f), serializeNarInfo({ ...info, sigs: [signDetached(sk, fp)] }));
    }
    const from = (trusted: string, target: string) =>
      nix.copyFrom(
        `file://${cache}`,
        target,
        [closure.top],
        ['--option', 'require-sigs', 'true', '--option', 'trusted-public-keys', trusted],
      );

    const stranger = from(
      formatPublicKey(publicKeyOf(generateSecretKey('larder-cache-1'))),
      nix.store('stranger'),
    );
    assert.notEqual(stranger.code, 0, 'a key of the same name but other bytes must not be trusted');
    assert.match(stranger.stderr, /lacks a (valid signature|signature by a trusted key)/);
    const other = from(
      formatPublicKey(publicKeyOf(generateSecretKey('someone-else-1'))),
      nix.store('other'),
    );
    assert.notEqual(other.code, 0);

    const ok = from(formatPublicKey(publicKeyOf(sk)), nix.store('consumer'));
    assert.equal(ok.code, 0, ok.stderr);
    nix.run([
      'nix',
      'store',
      'verify',
      '--store',
      nix.store('consumer'),
      '-r',
      closure.top,
      '--option',
      'trusted-public-keys',
      formatPublicKey(publicKeyOf(sk)),
    ]);
    nix.run([
      'nix',
      'store',
      'verify',
      '--store',
      `file://${cache}`,
      '-r',
      closure.top,
      '--option',
      'trusted-public-keys',
      formatPublicKey(publicKeyOf(sk)),
    ]);
    const got = nix
      .run(['nix-store', '--store', nix.store('consumer'), '-qR', closure.top])
      .trim()
      .split('\n');
    assert.equal(got.length, 3);
    // And the signature Nix imported is larder's.
    nix.run(['nix', 'store', 'sign', '--store', nix.store('consumer'), '-k', skFile, closure.top]);
  });
});
