import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runLarder } from '../helpers/cli.ts';
import { NixEnv, requireNix } from '../helpers/nix-env.ts';
import { type ServerProcess, spawnServer } from '../helpers/process-server.ts';

describe('larder pull with real Nix', { skip: requireNix() }, () => {
  let server: ServerProcess;
  let nix: NixEnv;
  let root: string;
  const larder = (args: string[]) =>
    runLarder(args, { ...nix.env, LARDER_SERVER: server.url, LARDER_TOKEN: server.adminToken });

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'larder-pull-'));
    server = await spawnServer(join(root, 'data'));
    nix = NixEnv.create();
  });
  after(async () => {
    await server.stop();
    nix.cleanup();
    rmSync(root, { recursive: true, force: true });
  });

  it('fetches a closure into a fresh store, then reports it present', async () => {
    const store = nix.store('builder');
    const dep = nix.busyboxDrv(
      'pull-dep',
      '$bb mkdir -p $out; $bb dd if=/dev/urandom of=$out/d bs=1024 count=300 2>/dev/null',
    );
    const top = nix
      .build(store, nix.busyboxDrv('pull-top', '$bb mkdir -p $out; echo $dep0 > $out/ref', [dep]))
      .trim();
    assert.equal((await larder(['push', 'main', top, '--store', store])).code, 0);
    const consumer = nix.store('consumer');
    const r = await larder(['pull', 'main', top, '--store', consumer, '--json']);
    assert.equal(r.code, 0, r.err);
    const s = JSON.parse(r.out) as {
      fetched: number;
      alreadyPresent: number;
      downloadBytes: number;
    };
    assert.equal(s.fetched, 2);
    assert.equal(s.alreadyPresent, 0);
    assert.ok(s.downloadBytes > 200 * 1024, `download ${s.downloadBytes}`);
    const closure = nix.run(['nix-store', '--store', consumer, '-qR', top]).trim().split('\n');
    assert.equal(closure.length, 2);
    nix.run(['nix-store', '--store', consumer, '--verify-path', ...closure]);
    const again = JSON.parse(
      (await larder(['pull', 'main', top, '--store', consumer, '--json'])).out,
    ) as { fetched: number; alreadyPresent: number };
    assert.deepEqual([again.fetched, again.alreadyPresent], [0, 1]);
  });

  it('pulls every root of the asked tiers', async () => {
    const store = nix.store('tiers');
    const one = nix.addText(store, 'tier-one.txt', 'one');
    const two = nix.addText(store, 'tier-two.txt', 'two');
    assert.equal((await larder(['push', 'main', one, '--store', store, '--tier', '1'])).code, 0);
    assert.equal((await larder(['push', 'main', two, '--store', store])).code, 0);
    const consumer = nix.store('tier-consumer');
    const r = await larder(['pull', 'main', '--tier', '1', '--store', consumer, '--json']);
    assert.equal(r.code, 0, r.err);
    assert.equal(nix.tryRun(['nix-store', '--store', consumer, '--check-validity', one]).code, 0);
    assert.notEqual(
      nix.tryRun(['nix-store', '--store', consumer, '--check-validity', two]).code,
      0,
    );
  });

  it('names a path the cache does not have', async () => {
    const other = nix.store('elsewhere');
    const missing = nix.addText(other, 'not-pushed.txt', 'nope');
    const r = await larder(['pull', 'main', missing, '--store', nix.store('empty')]);
    assert.equal(r.code, 1);
    assert.match(r.err, new RegExp(`^larder: cache main does not have ${missing}`));
    const unknown = await larder(['pull', 'nope', missing, '--store', nix.store('empty')]);
    assert.match(unknown.err, /unknown cache nope/);
  });
});
