import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderDashboard, type Stats } from '../../src/web/index.ts';

const evil = '<img src=x onerror=alert(1)>"\'&';
const hash = 'a'.repeat(32);
const root = {
  path: `${hash}-${evil}`,
  tier: 2 as const,
  tierReason: evil,
  closureBytes: 2048,
  exclusiveBytes: 1024,
  value: 1523.4,
  rebuildSeconds: 5100,
  rebuildEstimated: false,
};
const stats: Stats = {
  cache: evil,
  quota: 4096,
  totalBytes: 3072,
  bytesPerTier: { 1: 1024, 2: 1024, 3: 1024 },
  roots: 1,
  hitRate: 0.75,
  hits: 3,
  misses: 1,
  bytesServed: 5000,
  hourly: [{ at: new Date(0).toISOString(), hits: 3, misses: 1, bytesOut: 5000 }],
  mostValuable: [root],
  nextToEvict: [root],
  recentPushes: [{ baseName: `${hash}-${evil}`, bytes: 10, createdAt: new Date(0).toISOString() }],
  recentEvictions: [
    {
      baseName: `${hash}-${evil}`,
      tier: 2,
      bytes: 10,
      paths: 1,
      reason: evil,
      at: new Date(0).toISOString(),
    },
  ],
};

describe('dashboard page', () => {
  const html = renderDashboard([{ stats, public: false, url: `http://h/${evil}` }], {
    signedIn: true,
    now: 60_000,
    message: evil,
  });

  it('escapes every text that comes from data', () => {
    assert.doesNotMatch(html, /<img/);
    assert.doesNotMatch(html, /"'&</);
    assert.match(html, /&#60;img src=x onerror=alert\(1\)&#62;&#34;&#39;&#38;/);
  });

  it('shows tiers against the quota, hit rate and readable numbers', () => {
    assert.match(html, /<b>3\.00 KiB<\/b> of 4\.00 KiB quota/);
    assert.match(html, /<b>75%<\/b> hit rate <span class="muted">· 3 hits, 1 miss,/);
    assert.match(html, /1 h 25 min/);
    assert.match(html, />1,520</);
    assert.match(html, /class="seg t1" style="width:25\.00%"/);
    assert.match(html, /class="seg free" style="width:25\.00%"/);
  });
});
