import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  decodeBase32,
  encodeBase32,
  formatHash,
  type HashAlgo,
  NixFormatError,
  parseHash,
} from '../../src/nix/index.ts';
import { NixEnv, requireNix } from '../helpers/nix-env.ts';

const ALGOS: HashAlgo[] = ['md5', 'sha1', 'sha256', 'sha512'];

describe('nix-base32', () => {
  it('encodes known digests as Nix prints them', () => {
    // sha256("abc") and md5("abc"), as printed by `nix hash to-base32` / `nix-hash --to-base32`.
    const sha = createHash('sha256').update('abc').digest();
    assert.equal(encodeBase32(sha), '1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s');
    assert.equal(
      encodeBase32(createHash('md5').update('abc').digest()),
      '3jgzhjhz9zjvbb0kyj7jc500ch',
    );
    assert.equal(encodeBase32(new Uint8Array(0)), '');
    assert.equal(encodeBase32(Uint8Array.of(0xff)), '7z');
  });

  it('round-trips every length from 0 to 70 bytes', () => {
    for (let n = 0; n <= 70; n++) {
      const bytes = randomBytes(n);
      const text = encodeBase32(bytes);
      assert.equal(text.length, Math.ceil((n * 8) / 5));
      assert.deepEqual(decodeBase32(text), bytes);
    }
  });

  it('rejects characters outside the alphabet, impossible lengths and overflowing bits', () => {
    const good = encodeBase32(randomBytes(32));
    for (const c of ['e', 'o', 'u', 't', 'A', '-', ' ', 'é']) {
      assert.throws(() => decodeBase32(c + good.slice(1)), NixFormatError, `accepted '${c}'`);
    }
    assert.throws(() => decodeBase32(good.slice(1)), NixFormatError); // 51 chars encode no byte string
    assert.throws(() => decodeBase32('0'), NixFormatError);
    // 52 chars carry 260 bits for 256: the top digit may only use its lowest bit.
    assert.throws(() => decodeBase32(`z${good.slice(1)}`), NixFormatError);
    assert.deepEqual(decodeBase32('7z'), Buffer.of(0xff));
    assert.throws(() => decodeBase32('8z'), NixFormatError);
  });
});

describe('hashes', () => {
  const digest = createHash('sha256').update('abc').digest();
  const h = { algo: 'sha256' as const, digest };

  it('formats in every encoding', () => {
    assert.equal(formatHash(h), 'sha256:1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s');
    assert.equal(formatHash(h, 'hex'), `sha256:${digest.toString('hex')}`);
    assert.equal(formatHash(h, 'base64'), 'sha256:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=');
    assert.equal(formatHash(h, 'sri'), 'sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=');
  });

  it('parses every encoding of every algorithm back to the digest', () => {
    for (const algo of ALGOS) {
      const d = createHash(algo).update(algo).digest();
      for (const enc of ['base32', 'hex', 'base64', 'sri'] as const) {
        const parsed = parseHash(formatHash({ algo, digest: d }, enc));
        assert.equal(parsed.algo, algo);
        assert.deepEqual(parsed.digest, d, `${algo} ${enc}`);
      }
      assert.deepEqual(parseHash(`${algo}:${d.toString('hex').toUpperCase()}`).digest, d);
    }
  });

  it('rejects malformed hashes with NixFormatError naming the field', () => {
    const b32 = encodeBase32(digest);
    const bad = [
      '',
      b32, // no algorithm
      `sha257:${b32}`,
      `sha256:${b32.slice(1)}`, // wrong length
      `sha256:${b32}0`,
      `sha1:${b32}`, // a sha256 length under sha1
      `sha256:${'g'.repeat(64)}`, // hex length, not hex
      `sha256:${b32.replace(/.$/, 'e')}`,
      'sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0', // SRI without padding
      'sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa1=', // non-canonical trailing bits
      'sha512-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=', // SRI of the wrong size
      'sha256:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa!=',
      ` sha256:${b32}`,
      `sha256:${b32} `,
    ];
    for (const s of bad) {
      assert.throws(
        () => parseHash(s, 'NarHash'),
        (e) => e instanceof NixFormatError && e.field === 'NarHash',
        `accepted ${JSON.stringify(s)}`,
      );
    }
  });
});

describe('hashes against Nix', { skip: requireNix() }, () => {
  let nix: NixEnv;
  before(() => {
    nix = NixEnv.create();
  });
  after(() => nix.cleanup());

  for (const algo of ALGOS) {
    it(`${algo}: formatting and parsing agree with nix hash to-base32/-base64/-sri and nix-hash`, () => {
      const digests = Array.from({ length: 20 }, () =>
        randomBytes(createHash(algo).digest().length),
      );
      const hex = digests.map((d) => d.toString('hex'));
      const lines = (s: string) => s.trim().split('\n');
      const b32 = lines(nix.run(['nix', 'hash', 'to-base32', '--type', algo, ...hex]));
      const b64 = lines(nix.run(['nix', 'hash', 'to-base64', '--type', algo, ...hex]));
      const sri = lines(nix.run(['nix', 'hash', 'to-sri', '--type', algo, ...hex]));
      const legacy = lines(nix.run(['nix-hash', '--type', algo, '--to-base32', ...hex]));
      digests.forEach((digest, i) => {
        const h = { algo, digest };
        assert.equal(encodeBase32(digest), b32[i]);
        assert.equal(encodeBase32(digest), legacy[i]);
        assert.equal(formatHash(h, 'sri'), sri[i]);
        assert.equal(formatHash(h, 'base64'), `${algo}:${b64[i]}`);
        assert.deepEqual(decodeBase32(b32[i] as string), digest);
        assert.deepEqual(parseHash(`${algo}:${b32[i]}`).digest, digest);
        assert.deepEqual(parseHash(sri[i] as string).digest, digest);
      });
      // And Nix reads what larder prints.
      const back = lines(
        nix.run([
          'nix',
          'hash',
          'to-base16',
          ...digests.map((d) => formatHash({ algo, digest: d })),
        ]),
      );
      assert.deepEqual(back, hex);
    });
  }
});
