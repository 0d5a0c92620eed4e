import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createCache } from '../../src/cache/index.ts';
import { openSqliteIndex } from '../../src/index/sqlite.ts';
import { encodeBase32, parseNarInfo } from '../../src/nix/index.ts';
import { createFsStore } from '../../src/storage/fs.ts';
import { spawnServer } from '../helpers/process-server.ts';

const N = 1500;
const dir = mkdtempSync(join(tmpdir(), 'larder-evict-crash-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a server killed during an eviction leaves every served narinfo with its NAR and references', async () => {
  const dataDir = join(dir, 'data');
  const index = openSqliteIndex(join(dataDir, 'larder.db'));
  const store = createFsStore(join(dataDir, 'store'));
  await createCache(index, { name: 'main', public: true }, Date.now());
  const hashes: string[] = [];
  let total = 0;
  for (let i = 0; i < N; i++) {
    const hashPart = encodeBase32(randomBytes(20));
    const body = randomBytes(64);
    const fileHash = encodeBase32(randomBytes(32));
    const key = `nar/${fileHash}.nar`;
    const w = await store.createWriter(key);
    w.stream.end(body);
    await w.commit();
    const nar = {
      fileHash,
      fileSize: 1000,
      compression: 'none',
      narHash: encodeBase32(randomBytes(32)),
      narSize: 1000,
      key,
    };
    await index.addNar('main', nar, 0);
    // Chains and shared bases, so evictions remove closures, not single paths.
    const refs = i > 10 ? [hashes[i % 10] as string, hashes[i - 1 - (i % 7)] as string] : [];
    await index.insertPath('main', {
      hashPart,
      baseName: `${hashPart}-p${i}`,
      url: `nar/${fileHash}.nar`,
      nar,
      references: [...new Set(refs)].map((h) => `${h}-r`).sort(),
      deriver: undefined,
      system: undefined,
      ca: undefined,
      sigs: [],
      cacheSig: `test:${randomBytes(64).toString('base64')}`,
      createdAt: 0,
      tier: undefined,
      buildSeconds: undefined,
    });
    hashes.push(hashPart);
    total += 1000;
  }
  await index.close();

  let server = await spawnServer(dataDir, { LARDER_UPLOAD_GRACE: '0s', LARDER_LOG_LEVEL: 'warn' });
  const auth = { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' };
  await fetch(`${server.url}/_api/v1/caches/main`, {
    method: 'PATCH',
    headers: auth,
    body: JSON.stringify({ quota: total / 10 }),
  });
  const gc = fetch(`${server.url}/_api/v1/main/gc`, {
    method: 'POST',
    headers: auth,
    body: '{}',
  }).catch(() => undefined);
  // Kill as soon as the first evictions are committed: the rest are still to come.
  const { DatabaseSync } = await import('node:sqlite');
  const watcher = new DatabaseSync(join(dataDir, 'larder.db'), { readOnly: true });
  const count = watcher.prepare('SELECT count(*) AS n FROM evictions');
  for (let i = 0; i < 2000 && Number((count.get() as { n: number }).n) === 0; i++)
    await new Promise((r) => setTimeout(r, 1));
  await server.stop('SIGKILL');
  const evictedAtKill = Number((count.get() as { n: number }).n);
  watcher.close();
  assert.ok(evictedAtKill > 0, 'the kill came after the first evictions');
  await gc;

  server = await spawnServer(dataDir, { LARDER_LOG_LEVEL: 'warn' });
  try {
    let served = 0;
    for (const h of hashes) {
      const res = await fetch(`${server.url}/main/${h}.narinfo`);
      if (res.status !== 200) continue;
      served++;
      const info = parseNarInfo(await res.text());
      assert.equal(
        (await fetch(`${server.url}/main/${info.url}`, { method: 'HEAD' })).status,
        200,
        `${info.storePath} lost its NAR`,
      );
      for (const r of info.references) {
        const ref = await fetch(`${server.url}/main/${r.slice(0, 32)}.narinfo`, { method: 'HEAD' });
        assert.equal(ref.status, 200, `${info.storePath} is served but its reference ${r} is not`);
      }
    }
    assert.ok(
      served > 0 && served < N,
      `served ${served} of ${N}: the kill should land mid-eviction or after`,
    );
  } finally {
    await server.stop();
  }
});
