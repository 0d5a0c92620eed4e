import type { RetentionRow } from '../index/index.ts';

/** One path of a cache as the retention planner sees it: the index's retention row. */
export type RetainedPath = RetentionRow;

/** A `[[cache.<name>.rule]]`: the first rule matching a new root gives its tier. */
export interface TierRule {
  tier: 1 | 2 | 3;
  /** Glob (`python3-*`) or `/regex/` on the name after the hash. */
  match?: string | undefined;
  minBuildSeconds?: number | undefined;
  minSize?: number | undefined;
}

export interface RetentionPolicy {
  quota: number | undefined;
  rules: TierRule[];
  /** Tier-3 roots older than this go at the next collection whatever the quota. */
  tier3TtlMs: number;
  /** Roots younger than this are never evicted: their push may still be in flight. */
  uploadGraceMs: number;
}

/** A root and what evicting it would do. */
export interface RootView {
  hashPart: string;
  baseName: string;
  tier: 1 | 2 | 3;
  /** Why it has that tier: explicit, the rule that matched, or the default. */
  tierReason: string;
  /** Bytes of its whole closure. */
  closureBytes: number;
  /** Bytes only this root keeps (freed if it alone were evicted now). */
  exclusiveBytes: number;
  value: number;
  rebuildSeconds: number;
  rebuildEstimated: boolean;
}

export interface Eviction {
  root: RootView;
  /** Hash parts removed with this root (its closure that nothing else kept). */
  paths: string[];
  /** How many: `paths` itself is left empty once a planning thread has carried it out. */
  pathCount: number;
  bytesFreed: number;
  reason: 'tier3-ttl' | 'quota';
}

export interface Plan {
  totalBytes: number;
  bytesPerTier: Record<1 | 2 | 3, number>;
  quota: number | undefined;
  evictions: Eviction[];
  bytesAfter: number;
  /** Set when even evicting every candidate leaves tier-1 content above the quota. */
  overQuotaByTier1: { tier1Bytes: number; largestTier1: RootView[] } | undefined;
  roots: RootView[];
}
