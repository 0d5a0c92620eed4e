import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatPublicKey, generateSecretKey, publicKeyOf } from '../../src/nix/index.ts';
import { NixEnv, requireNix } from '../helpers/nix-env.ts';
import { type ServerProcess, spawnServer } from '../helpers/process-server.ts';

/** Two derivations built with the static busybox: `top` refers to `dep`, and carries 256 KiB of noise. */
const EXPR = (busyboxDir: string, salt: string) => `
let
  bb = builtins.path { path = ${busyboxDir}; name = "busybox"; };
  mk = name: script: builtins.derivation {
    inherit name;
    system = builtins.currentSystem;
    builder = "\${bb}/busybox";
    args = [ "sh" "-c" script ];
  };
  dep = mk "larder-dep-${salt}" "\${bb}/busybox mkdir -p $out/lib; echo dep-${salt} > $out/lib/data; echo building dep; true";
  top = mk "larder-top-${salt}" "\${bb}/busybox mkdir -p $out/bin; echo \${dep} > $out/bin/ref; \${bb}/busybox dd if=/dev/urandom of=$out/blob bs=1024 count=256 2>/dev/null; true";
in top
`;

describe('stock Nix pushes to and substitutes from larder', { skip: requireNix() }, () => {
  let server: ServerProcess;
  let nix: NixEnv;
  let netrc: string;
  let root: string;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'larder-e2e-'));
    server = await spawnServer(join(root, 'data'));
    nix = NixEnv.create();
    netrc = join(root, 'netrc');
    writeFileSync(netrc, `machine 127.0.0.1 login larder password ${server.adminToken}\n`);
  });
  after(async () => {
    await server.stop();
    nix.cleanup();
    rmSync(root, { recursive: true, force: true });
    assert.doesNotMatch(server.stderr(), /ERROR/);
  });

  for (const compression of ['xz', 'zstd']) {
    it(`pushes with ${compression}, substitutes with require-sigs, verifies, and refuses a wrong key`, () => {
      const store = nix.store('builder');
      const top = nix.build(store, EXPR(nix.busyboxDir, compression)).trim();
      const closure = nix.run(['nix-store', '--store', store, '-qR', top]).trim().split('\n');
      assert.equal(closure.length, 2, `closure: ${closure}`);
      const to = `${server.url}/main${compression === 'xz' ? '' : `?compression=${compression}`}`;
      nix.run(['nix', 'copy', '--store', store, '--to', to, top, '--option', 'netrc-file', netrc]);

      // Every path of the closure is now in the cache, with the cache's signature.
      const info = nix.run([
        'nix',
        'path-info',
        '--store',
        `${server.url}/main`,
        '-r',
        top,
        '--option',
        'netrc-file',
        netrc,
      ]);
      assert.deepEqual(info.trim().split('\n').sort(), [...closure].sort());

      // A fresh machine substitutes the whole closure, signatures required.
      const consumer = nix.store('consumer');
      const subst = [
        '--option',
        'substituters',
        `${server.url}/main`,
        '--option',
        'trusted-public-keys',
        server.publicKey,
        '--option',
        'require-sigs',
        'true',
        '--option',
        'netrc-file',
        netrc,
      ];
      nix.run(['nix-store', '--store', consumer, '-r', top, ...subst]);
      const got = nix.run(['nix-store', '--store', consumer, '-qR', top]).trim().split('\n');
      assert.deepEqual(got.sort(), [...closure].sort());
      nix.run(['nix-store', '--store', consumer, '--verify-path', top]);

      nix.run(['nix', 'store', 'verify', '--store', `${server.url}/main`, '-r', top, ...subst]);

      // A machine that trusts another key refuses the paths.
      const other = formatPublicKey(publicKeyOf(generateSecretKey('someone-else-1')));
      const stranger = nix.store('stranger');
      const refused = nix.tryRun([
        'nix-store',
        '--store',
        stranger,
        '-r',
        top,
        '--option',
        'substituters',
        `${server.url}/main`,
        '--option',
        'trusted-public-keys',
        other,
        '--option',
        'require-sigs',
        'true',
        '--option',
        'netrc-file',
        netrc,
      ]);
      assert.notEqual(refused.code, 0, 'substitution with the wrong key must fail');
      assert.equal(
        nix.tryRun(['nix-store', '--store', stranger, '--check-validity', top]).code === 0,
        false,
      );
      const verifyWrong = nix.tryRun([
        'nix',
        'store',
        'verify',
        '--store',
        `${server.url}/main`,
        '-r',
        top,
        '--option',
        'trusted-public-keys',
        other,
        '--option',
        'netrc-file',
        netrc,
      ]);
      assert.notEqual(verifyWrong.code, 0, 'verify with the wrong key must fail');
    });
  }

  it('stores build logs that nix log reads back', () => {
    const store = nix.store('logs');
    const top = nix.build(store, EXPR(nix.busyboxDir, 'logs')).trim();
    const dep = nix.run(['nix-store', '--store', store, '-q', '--references', top]).trim();
    const depDrv = nix.run(['nix-store', '--store', store, '-qd', dep]).trim();
    const auth = ['--option', 'netrc-file', netrc];
    nix.run(['nix', 'copy', '--store', store, '--to', `${server.url}/main`, top, ...auth]);
    nix.run([
      'nix',
      'store',
      'copy-log',
      '--store',
      store,
      '--to',
      `${server.url}/main`,
      depDrv,
      ...auth,
    ]);
    // A machine that never built it reads the log through the cache: the narinfo's Deriver
    // leads to log/<drv>.
    const log = nix.run(['nix', 'log', '--store', `${server.url}/main`, dep, ...auth]);
    assert.match(log, /building dep/);
  });
});
