import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createCache } from '../../src/cache/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import { openIndex } from '../../src/index/index.ts';
import { encodeBase32 } from '../../src/nix/index.ts';
import { planEviction } from '../../src/retention/plan.ts';
import { planInThread } from '../../src/retention/plan-thread.ts';

describe('planning on a worker thread', () => {
  it('gives the plan the server thread would, from its own index connection', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'larder-plan-thread-'));
    try {
      const config = loadConfig({ env: { LARDER_DATA_DIR: dir } });
      const index = openIndex(config);
      await createCache(index, { name: 'main', public: true }, Date.now());
      const day = Date.now() - 86_400_000;
      const hashes: string[] = [];
      for (let i = 0; i < 300; i++) {
        const hashPart = encodeBase32(randomBytes(20));
        const fileHash = encodeBase32(randomBytes(32));
        const nar = {
          fileHash,
          fileSize: 1000 + i * 10,
          compression: 'zstd',
          narHash: encodeBase32(randomBytes(32)),
          narSize: 3000,
          key: `nar/${fileHash}.nar.zst`,
        };
        await index.addNar('main', nar, day);
        const base = hashes[i % 20];
        const r = await index.insertPath('main', {
          hashPart,
          baseName: `${hashPart}-pkg-${i}`,
          url: `nar/${fileHash}.nar.zst`,
          nar,
          references: i >= 20 && base ? [`${base}-pkg-${i % 20}`] : [],
          deriver: undefined,
          system: undefined,
          ca: undefined,
          sigs: [],
          cacheSig: 'test:none',
          createdAt: day,
          tier: undefined,
          buildSeconds: i % 3 === 0 ? i : undefined,
        });
        assert.ok(r.ok);
        hashes.push(hashPart);
      }
      const policy = {
        quota: 200_000,
        rules: [],
        tier3TtlMs: 86_400_000,
        uploadGraceMs: 0,
      };
      const now = Date.now();
      const inline = planEviction(await index.retentionView('main'), policy, now);
      const req = { cache: 'main', policy, now, incoming: undefined };
      const threaded = await planInThread(config, { ...req, want: 'plan', withRoots: true });
      assert.ok(inline.evictions.length > 10, 'the quota forces evictions');
      assert.deepEqual(threaded, { plan: inline });
      const small = await planInThread(config, { ...req, want: 'plan', withRoots: false });
      assert.ok('plan' in small);
      assert.deepEqual(small.plan.evictions, inline.evictions);
      assert.deepEqual(small.plan.roots, []);
      // Stats get the totals and ten roots each way, not every root.
      const seen = await planInThread(config, { ...req, want: 'overview', top: 10 });
      assert.ok('overview' in seen);
      const o = seen.overview;
      assert.equal(o.roots, inline.roots.length);
      assert.equal(o.totalBytes, inline.totalBytes);
      assert.deepEqual(
        o.nextToEvict,
        inline.roots
          .filter((r) => r.tier !== 1)
          .sort((a, b) => (a.tier === b.tier ? a.value - b.value : b.tier - a.tier))
          .slice(0, 10),
      );
      assert.deepEqual(
        o.mostValuable,
        [...inline.roots].sort((a, b) => a.tier - b.tier || b.value - a.value).slice(0, 10),
      );
      // A dry run: the summary of the plan, nothing evicted.
      const dry = await planInThread(config, { ...req, want: 'summary', listLimit: 5 });
      assert.ok('collection' in dry);
      assert.equal(dry.collection.evictionCount, inline.evictions.length);
      assert.deepEqual(dry.collection.evicted, []);
      assert.equal((await index.countPaths('main')).paths, 300);
      // Evicting there too: every planned root goes, and the index no longer has them.
      const gc = await planInThread(config, {
        ...req,
        want: 'summary',
        listLimit: 5,
        evictWithGraceMs: 600_000,
      });
      // Only a summary comes back: totals, the first five evictions, sums by tier and reason.
      assert.ok('collection' in gc);
      const c = gc.collection;
      assert.equal(c.evictionCount, inline.evictions.length);
      assert.deepEqual(
        c.evictions.map((e) => e.root.baseName),
        inline.evictions.slice(0, 5).map((e) => e.root.baseName),
      );
      assert.deepEqual(
        c.evictions,
        dry.collection.evictions,
        'the dry run lists what the collection did',
      );
      assert.deepEqual(c.evicted, [
        {
          tier: 2,
          reason: 'quota',
          roots: inline.evictions.length,
          bytes: inline.evictions.reduce((n, e) => n + e.bytesFreed, 0),
        },
      ]);
      assert.deepEqual(c.skipped, []);
      const left = await index.countPaths('main');
      assert.equal(left.paths, 300 - inline.evictions.reduce((n, e) => n + e.paths.length, 0));
      assert.ok(left.narBytes <= 200_000);
      await index.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
