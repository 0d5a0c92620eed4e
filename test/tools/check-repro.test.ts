import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runLarder } from '../helpers/cli.ts';
import { NixEnv, requireNix } from '../helpers/nix-env.ts';
import { type ServerProcess, spawnServer } from '../helpers/process-server.ts';

interface Report {
  derivations: {
    name: string;
    status: string;
    reason?: string;
    outputs: {
      path: string;
      narHash: string;
      rebuild: string;
      checkPath?: string;
      rebuiltNarHash?: string;
      differences?: Record<string, unknown>[];
      cache?: { status: string; narHash?: string };
    }[];
  }[];
  summary: Record<string, number>;
  exitCode: number;
}

describe('larder check-repro with real Nix', { skip: requireNix() }, () => {
  let nix: NixEnv;
  let dir: string;
  let server: ServerProcess;
  /** Builds in a chroot store are sandboxed: this folder is let in so builds can count. */
  let counters: string;
  const sandboxEnv = () => ({ NIX_CONFIG: `extra-sandbox-paths = ${counters}` });
  const larder = (args: string[], env: Record<string, string> = {}) =>
    runLarder(args, {
      ...nix.env,
      ...sandboxEnv(),
      LARDER_SERVER: server.url,
      LARDER_TOKEN: server.adminToken,
      ...env,
    });
  const writeNix = (name: string, expr: string) => {
    const file = join(dir, `${name}.nix`);
    writeFileSync(file, expr);
    return file;
  };
  const deterministic = (name: string) =>
    nix.busyboxDrv(
      name,
      '$bb mkdir -p $out/bin; echo hello > $out/bin/hi; $bb chmod +x $out/bin/hi; $bb ln -s bin/hi $out/link',
    );
  /** Writes the time and random bytes: never the same twice. */
  const clock = (name: string) =>
    nix.busyboxDrv(
      name,
      '$bb mkdir -p $out; echo same > $out/same; $bb date > $out/stamp; $bb head -c 16 /dev/urandom >> $out/stamp',
    );
  /**
   * Counts its builds in a file outside the store (a sandbox path, see `counters`):
   * odd and even builds differ in every way a NAR can, so the report can be checked exactly.
   */
  const alternating = (name: string, counter: string) =>
    nix.busyboxDrv(
      name,
      [
        `n=$($bb cat ${counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${counter}`,
        '$bb mkdir -p $out/bin; echo same > $out/same; printf x > $out/bin/tool',
        'if [ $((n % 2)) = 1 ]; then printf abcdef > $out/data; $bb ln -s one $out/link; $bb chmod +x $out/bin/tool; echo 1 > $out/only-first',
        'else printf abcXefgh > $out/data; $bb ln -s two $out/link; echo 2 > $out/only-second; fi',
      ].join('; '),
    );

  before(async () => {
    nix = NixEnv.create();
    dir = mkdtempSync(join(tmpdir(), 'larder-repro-'));
    server = await spawnServer(join(dir, 'data'));
    counters = join(dir, 'counters');
    mkdirSync(counters);
    // The builder runs as another user inside the sandbox.
    chmodSync(counters, 0o777);
  });
  after(async () => {
    await server.stop();
    nix.cleanup();
    rmSync(dir, { recursive: true, force: true });
    assert.doesNotMatch(server.stderr(), / ERROR /);
  });

  it('calls a deterministic busybox derivation reproducible (exit 0)', async () => {
    const store = nix.store('det');
    const file = writeNix('det', `{ det = ${deterministic('det')}; }`);
    const r = await larder(['check-repro', '-f', file, 'det', '--store', store]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^reproducible: det$/m);
    assert.match(r.out, /1 derivation: 1 reproducible, 0 not reproducible/);
    // A store path of a built output works as the installable too (through its deriver).
    const out = nix.run(['nix-build', '--store', store, '--no-out-link', file, '-A', 'det']).trim();
    const j = await larder(['check-repro', out, '--store', store, '--json']);
    assert.equal(j.code, 0, j.err);
    const report = JSON.parse(j.out) as Report;
    assert.equal(report.derivations[0]?.outputs[0]?.path, out);
    assert.equal(report.derivations[0]?.outputs[0]?.rebuild, 'reproducible');
  });

  it('builds a derivation that writes the time, rebuilds it and names the differing file (exit 1)', async () => {
    const store = nix.store('clock');
    const file = writeNix('clock', `{ clock = ${clock('clock')}; }`);
    const r = await larder(['check-repro', '-f', file, 'clock', '--store', store, '--json']);
    assert.equal(r.code, 1, r.err);
    const report = JSON.parse(r.out) as Report;
    const o = report.derivations[0]?.outputs[0];
    assert.equal(report.derivations[0]?.status, 'not-reproducible');
    assert.equal(o?.rebuild, 'differs');
    assert.notEqual(o?.rebuiltNarHash, o?.narHash);
    assert.match(o?.checkPath ?? '', /-clock\.check$/);
    // Only `stamp` differs; `same` is the same in both builds.
    assert.deepEqual(
      o?.differences?.map((d) => d.path),
      ['stamp'],
    );
    // --keep-failed is only how the second output is kept: no build directory is left over.
    assert.deepEqual(
      readdirSync(join(nix.root, 'tmp')).filter((n) => n.startsWith('nix-build-')),
      [],
    );
  });

  it('reports size, content offset, execute bit, symlink target, missing and extra files', async () => {
    const store = nix.store('alt');
    const file = writeNix('alt', `{ alt = ${alternating('alt', join(counters, 'alt'))}; }`);
    const r = await larder(['check-repro', '-f', file, 'alt', '--store', store, '--json']);
    assert.equal(r.code, 1, r.err);
    const report = JSON.parse(r.out) as Report;
    assert.deepEqual(report.derivations[0]?.outputs[0]?.differences, [
      { path: 'bin/tool', status: 'changed', executable: { first: true, second: false } },
      {
        path: 'data',
        status: 'changed',
        size: { first: 6, second: 8 },
        firstDifferentByte: 3,
      },
      {
        path: 'link',
        status: 'changed',
        symlinkTarget: { first: 'one', second: 'two' },
      },
      { path: 'only-first', status: 'missing' },
      { path: 'only-second', status: 'extra' },
    ]);
    // The same facts in the human report, one line per file. A fresh store: in this one
    // the next check would be an odd build again, the same as the first.
    const store2 = nix.store('alt-text');
    const text = await larder([
      'check-repro',
      '-f',
      file,
      'alt',
      '--store',
      store2,
      '--no-diffoscope',
    ]);
    assert.equal(text.code, 1);
    for (const line of [
      'NOT reproducible: alt',
      'bin/tool: executable -> not executable',
      'data: size 6 -> 8 bytes, content differs from byte 3',
      'link: symlink target one -> two',
      'only-first: only in the first build',
      'only-second: only in the rebuild',
    ])
      assert.ok(text.out.includes(line), `${line}\n---\n${text.out}`);
  });

  it('runs diffoscope, when it is on PATH, on the files whose contents differ only', async () => {
    const store = nix.store('diffo');
    const bin = join(dir, 'fake-bin');
    mkdirSync(bin, { recursive: true });
    const log = join(dir, 'diffoscope.log');
    writeFileSync(
      join(bin, 'diffoscope'),
      `#!/bin/sh\necho "$@" >> ${log}\necho "FAKE-DIFFOSCOPE $4 $5"\nexit 1\n`,
    );
    chmodSync(join(bin, 'diffoscope'), 0o755);
    const file = writeNix('diffo', `{ diffo = ${alternating('diffo', join(counters, 'diffo'))}; }`);
    const r = await larder(['check-repro', '-f', file, 'diffo', '--store', store], {
      PATH: `${bin}:${nix.env.PATH}`,
    });
    assert.equal(r.code, 1, r.err);
    assert.match(r.out, /FAKE-DIFFOSCOPE \S+-diffo\/data \S+-diffo\.check\/data/);
    // bin/tool differs only in its mode and link only in its target: no diffoscope for them.
    assert.equal((r.out.match(/FAKE-DIFFOSCOPE/g) ?? []).length, 1, r.out);
  });

  it('--closure checks every derivation and prints a summary', async () => {
    const store = nix.store('closure');
    const top = nix.busyboxDrv('top', '$bb mkdir -p $out; echo $dep0 $dep1 > $out/deps', [
      deterministic('dep-det'),
      clock('dep-clock'),
    ]);
    const file = writeNix('closure', `{ top = ${top}; }`);
    const alone = await larder(['check-repro', '-f', file, 'top', '--store', store]);
    assert.equal(alone.code, 0, `top alone is reproducible: ${alone.out}${alone.err}`);
    const r = await larder(['check-repro', '-f', file, 'top', '--store', store, '--closure']);
    assert.equal(r.code, 1, r.err);
    assert.match(r.out, /^reproducible: dep-det$/m);
    assert.match(r.out, /^NOT reproducible: dep-clock$/m);
    assert.match(r.out, /^reproducible: top$/m);
    assert.match(r.out, /^3 derivations: 2 reproducible, 1 not reproducible$/m);
  });

  it('--cache compares the local NarHash with the one a larder cache serves, without a rebuild', async () => {
    const builder = nix.store('witness-builder');
    const other = nix.store('witness-other');
    const counter = join(counters, 'witness');
    const file = writeNix('witness', `{ w = ${alternating('witness', counter)}; }`);
    const built = nix
      .run(['nix-build', '--store', builder, '--no-out-link', file, '-A', 'w'], {
        env: sandboxEnv(),
      })
      .trim();
    const pushed = await larder(['push', 'main', built, '--store', builder]);
    assert.equal(pushed.code, 0, pushed.err);

    const same = await larder([
      'check-repro',
      '-f',
      file,
      'w',
      '--store',
      builder,
      '--cache',
      'main',
      '--no-rebuild',
      '--json',
    ]);
    assert.equal(same.code, 0, same.err);
    const s = JSON.parse(same.out) as Report;
    assert.equal(s.derivations[0]?.outputs[0]?.cache?.status, 'same');
    assert.equal(s.derivations[0]?.outputs[0]?.rebuild, 'not-rebuilt');

    // "Another machine" builds the same derivation and gets other bytes (an even build).
    const theirs = await larder([
      'check-repro',
      '-f',
      file,
      'w',
      '--store',
      other,
      '--cache',
      'main',
      '--no-rebuild',
      '--json',
    ]);
    assert.equal(theirs.code, 1, theirs.err);
    const t = JSON.parse(theirs.out) as Report;
    const o = t.derivations[0]?.outputs[0];
    assert.equal(o?.cache?.status, 'differs');
    assert.notEqual(o?.cache?.narHash, o?.narHash);
    assert.equal(t.derivations[0]?.status, 'not-reproducible');

    const human = await larder([
      'check-repro',
      '-f',
      file,
      'w',
      '--store',
      other,
      '--cache',
      'main',
      '--no-rebuild',
    ]);
    assert.match(
      human.out,
      /NarHash sha256:\S+ here, sha256:\S+ in http:\/\/127\.0\.0\.1:\d+\/main/,
    );
  });

  it('--cache takes any binary cache URL; a path the cache lacks is no verdict', async () => {
    const store = nix.store('url');
    const file = writeNix(
      'url',
      `{ a = ${deterministic('url-a')}; b = ${deterministic('url-b')}; }`,
    );
    const a = nix.run(['nix-build', '--store', store, '--no-out-link', file, '-A', 'a']).trim();
    const cacheDir = join(dir, 'file-cache');
    nix.copyTo(store, `file://${cacheDir}`, [a]);
    const inCache = await larder([
      'check-repro',
      '-f',
      file,
      'a',
      '--store',
      store,
      '--cache',
      `file://${cacheDir}`,
    ]);
    assert.equal(inCache.code, 0, inCache.err);
    assert.match(inCache.out, /same NarHash as file:\/\//);
    const absent = await larder([
      'check-repro',
      '-f',
      file,
      'b',
      '--store',
      store,
      '--cache',
      `file://${cacheDir}`,
      '--json',
    ]);
    assert.equal(absent.code, 0, absent.err);
    assert.equal(
      (JSON.parse(absent.out) as Report).derivations[0]?.outputs[0]?.cache?.status,
      'absent',
    );
  });

  it('exits 2 with one line when it cannot check: no deriver, a failing build, an unknown cache', async () => {
    const store = nix.store('errors');
    const added = nix.addText(store, 'plain', 'no deriver\n');
    const noDrv = await larder(['check-repro', added, '--store', store]);
    assert.equal(noDrv.code, 2);
    assert.match(noDrv.err, /does not have a known deriver/);
    const file = writeNix('fails', `{ f = ${nix.busyboxDrv('fails', 'exit 3')}; }`);
    const failing = await larder(['check-repro', '-f', file, 'f', '--store', store]);
    assert.equal(failing.code, 2, failing.out);
    assert.match(failing.out, /error: fails: build failed/);
    const file2 = writeNix('ok', `{ ok = ${deterministic('ok')}; }`);
    const unknown = await larder([
      'check-repro',
      '-f',
      file2,
      'ok',
      '--store',
      store,
      '--cache',
      'nope',
    ]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /unknown cache nope/);
    for (const r of [noDrv, unknown]) {
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
      assert.doesNotMatch(r.err, /\n\s+at /);
    }
  });
});
