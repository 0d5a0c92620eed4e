import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { MetadataIndex, PathRecord } from '../../src/index/index.ts';
import { openSqliteIndex } from '../../src/index/sqlite.ts';
import { Usage } from '../../src/retention/index.ts';
import { fakeNar, fakePathRecord } from '../helpers/index-records.ts';

const dir = mkdtempSync(join(tmpdir(), 'larder-usage-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function withPath(index: MetadataIndex, name: string): Promise<PathRecord> {
  const nar = { ...fakeNar(), fileSize: 100 };
  await index.addNar('main', nar, 1000);
  const p = fakePathRecord(name, nar);
  assert.deepEqual(await index.insertPath('main', p), { ok: true, created: true });
  return p;
}

/** A fresh index file with cache `main`. */
async function indexWithCache(file: string): Promise<MetadataIndex> {
  const index = openSqliteIndex(join(dir, file));
  await index.createCache({
    name: 'main',
    public: false,
    priority: 30,
    quota: 2 ** 30,
    secretKey: 'k:s',
    publicKey: 'k:p',
    createdAt: 1,
  });
  return index;
}

describe('usage counts', () => {
  it('adds up every lookup and download between flushes, per path', async () => {
    const index = await indexWithCache('a.db');
    const busy = await withPath(index, 'busy');
    const quiet = await withPath(index, 'quiet');
    let now = 5000;
    const usage = new Usage(
      index,
      () => now,
      (err) => assert.fail(String(err)),
      60_000,
    );
    for (let i = 0; i < 1000; i++) usage.narinfo('main', busy.hashPart);
    usage.nar('main', busy.nar.fileHash, 100);
    usage.narinfo('main', undefined);
    usage.touch('main', [quiet.hashPart]);
    await usage.flush();
    now = 9000;
    usage.narinfo('main', busy.hashPart);
    await usage.close();
    const rows = new Map((await index.retentionView('main')).map((r) => [r.hashPart, r]));
    assert.equal(rows.get(busy.hashPart)?.hits, 1002);
    assert.equal(rows.get(busy.hashPart)?.lastAccess, 9000);
    assert.equal(rows.get(quiet.hashPart)?.hits, 1);
    assert.equal(rows.get(quiet.hashPart)?.lastAccess, 5000);
    assert.deepEqual(
      (await index.traffic('main', 0)).map((t) => [t.hits, t.misses, t.bytesOut]),
      [[1001, 1, 100]],
    );
    await index.close();
  });

  it('writes traffic at every tick and uses of paths when they are due', async () => {
    const index = await indexWithCache('c.db');
    const p = await withPath(index, 'often');
    const usage = new Usage(index, Date.now, (err) => assert.fail(String(err)), 20, 3_600_000);
    usage.narinfo('main', p.hashPart);
    usage.narinfo('main', p.hashPart);
    const until = Date.now() + 5000;
    const traffic = async () => (await index.traffic('main', 0)).reduce((n, t) => n + t.hits, 0);
    while ((await traffic()) < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    assert.equal(await traffic(), 2, 'traffic written by the timer');
    const hits = async () => (await index.retentionView('main'))[0]?.hits;
    assert.equal(await hits(), 0, 'uses wait until they are due');
    await usage.flush();
    assert.equal(await hits(), 2, 'a flush writes them');
    assert.equal(await traffic(), 2, 'and counts no traffic twice');
    await usage.close();
    await index.close();
  });

  it('reports a failed write instead of leaving an unhandled rejection', async () => {
    const index = openSqliteIndex(join(dir, 'b.db'));
    const errors: unknown[] = [];
    const usage = new Usage(index, Date.now, (err) => errors.push(err), 20);
    await index.close();
    usage.narinfo('main', 'x'.repeat(32));
    const until = Date.now() + 5000;
    while (errors.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    await usage.close().catch(() => {});
    assert.equal(errors.length > 0, true, 'the flush error reached the callback');
  });
});
