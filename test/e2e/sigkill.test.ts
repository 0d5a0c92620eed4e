import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openSqliteIndex } from '../../src/index/sqlite.ts';
import { encodeBase32 } from '../../src/nix/index.ts';
import { NixEnv, requireNix } from '../helpers/nix-env.ts';
import { type ServerProcess, spawnServer } from '../helpers/process-server.ts';

const sha256File = (file: string) =>
  new Promise<string>((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (c) => h.update(c))
      .on('end', () => resolve(encodeBase32(h.digest())))
      .on('error', reject);
  });

describe('a server killed mid-push', { skip: requireNix() }, () => {
  const servers: ServerProcess[] = [];
  const envs: NixEnv[] = [];
  const dirs: string[] = [];
  after(async () => {
    for (const s of servers) await s.stop('SIGKILL');
    for (const e of envs) e.cleanup();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('leaves no narinfo without a valid NAR, and the same push completes after restart', async () => {
    const root = mkdtempSync(join(tmpdir(), 'larder-kill-'));
    dirs.push(root);
    const dataDir = join(root, 'data');
    const nix = NixEnv.create();
    envs.push(nix);
    const store = nix.store('builder');
    // A small path and a 192 MiB one, pushed uncompressed so the upload takes a while.
    const small = join(root, 'small.txt');
    writeFileSync(small, 'small\n');
    const big = join(root, 'big.bin');
    nix.run(['sh', '-c', `head -c 201326592 /dev/urandom > ${big}`]);
    const paths = nix.run(['nix-store', '--store', store, '--add', small, big]).trim().split('\n');
    assert.equal(paths.length, 2);

    let server = await spawnServer(dataDir);
    servers.push(server);
    const netrc = join(root, 'netrc');
    writeFileSync(netrc, `machine 127.0.0.1 login larder password ${server.adminToken}\n`);
    const copy = (url: string) =>
      nix.spawn([
        'nix',
        'copy',
        '--store',
        store,
        '--to',
        `${url}/main?compression=none`,
        ...paths,
        '--option',
        'netrc-file',
        netrc,
      ]);

    const first = copy(server.url);
    // Kill the server once the big NAR is partly written.
    const tmp = join(dataDir, 'store', 'tmp');
    let partial = 0;
    for (let i = 0; i < 600 && partial < 16 << 20; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const parts = existsSync(tmp) ? readdirSync(tmp).map((f) => statSync(join(tmp, f)).size) : [];
      partial = Math.max(0, ...parts);
    }
    assert.ok(partial >= 16 << 20, 'the big upload never started');
    await server.stop('SIGKILL');
    const failed = await first.done;
    assert.notEqual(failed.code, 0, 'nix copy should notice the server died');

    // Every narinfo the index would serve has its NAR, whole and matching its hash.
    const index = openSqliteIndex(join(dataDir, 'larder.db'));
    for (const p of paths) {
      const rec = await index.getPath(
        'main',
        p.slice('/nix/store/'.length, '/nix/store/'.length + 32),
      );
      if (!rec) continue;
      const file = join(dataDir, 'store', 'blobs', rec.nar.key);
      assert.ok(existsSync(file), `${p} is served but its NAR is missing`);
      assert.equal(await sha256File(file), rec.nar.fileHash, `${p} is served with a corrupt NAR`);
    }
    const bigHash = paths[1]?.slice(11, 43) as string;
    assert.equal(
      await index.getPath('main', bigHash),
      undefined,
      'the interrupted path must not be served',
    );
    await index.close();

    server = await spawnServer(dataDir);
    servers.push(server);
    const second = await copy(server.url).done;
    assert.equal(second.code, 0, second.stderr);
    const consumer = nix.store('consumer');
    nix.run([
      'nix-store',
      '--store',
      consumer,
      '-r',
      ...paths,
      '--option',
      'substituters',
      `${server.url}/main`,
      '--option',
      'trusted-public-keys',
      server.publicKey,
      '--option',
      'netrc-file',
      netrc,
    ]);
    nix.run(['nix-store', '--store', consumer, '--verify-path', ...paths]);
  });
});
