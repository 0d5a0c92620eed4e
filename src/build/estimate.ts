import { compileMatch } from '../retention/index.ts';
import type { DrvNode } from './graph.ts';
import type { History, PackageHistory } from './history.ts';
import type { Profile } from './profile.ts';

/** Where a derivation's tier came from. */
export type TierSource = 'rule' | 'history' | 'trivial' | 'default';

/** What the scheduler believes one build will cost. */
export interface Estimate {
  tier: number;
  tierSource: TierSource;
  cores: number;
  memory: number;
  seconds: number;
  /** Whether memory/seconds come from measured builds rather than the tier's defaults. */
  measured: boolean;
  history: PackageHistory | undefined;
}

/** Headroom over the highest measured peak: builds vary, and the budget is a promise. */
export const PEAK_MARGIN = 1.2;
/** After a SIGKILL, assume the build needed at least this much more than it had reached. */
export const KILLED_MARGIN = 1.5;
/** The smallest memory estimate: a `nix-store` and a shell, whatever sampling saw. */
export const MIN_MEMORY = 64 * 2 ** 20;

/**
 * The first tier (1, then 2, then 3) with a `match` that fits the derivation's name: globs,
 * or `/regex/`, as in a cache's tier rules.
 */
export function ruleTier(
  profile: Profile,
  node: Pick<DrvNode, 'name' | 'pname'>,
): number | undefined {
  for (const n of [1, 2, 3]) {
    const t = profile.tiers.get(n);
    if (t?.match.some((g) => compileMatch(g).test(node.name) || compileMatch(g).test(node.pname)))
      return n;
  }
  return undefined;
}

/**
 * Classifies a derivation (profile rules, then history, then defaults) and estimates it.
 * History corrects memory and time even when a rule sets the tier: a package in the wrong
 * tier is still scheduled by what it really used.
 */
export function estimate(node: DrvNode, profile: Profile, history: History | undefined): Estimate {
  const past = history?.lookup(profile.name, node.pname);
  const measuredNeed = Math.max(
    past?.peakBytes ? past.peakBytes * PEAK_MARGIN : 0,
    past?.killedAtBytes ? past.killedAtBytes * KILLED_MARGIN : 0,
  );
  // Sampling can miss a build that ends within one interval; Nix itself needs some room.
  const needed = measuredNeed > 0 ? Math.max(measuredNeed, MIN_MEMORY) : 0;
  let tier = ruleTier(profile, node);
  let tierSource: TierSource = 'rule';
  if (tier === undefined && needed > 0) {
    // The lightest tier whose memory covers what this package was measured to need.
    tier = [3, 2, 1].find((n) => (profile.tiers.get(n)?.memory ?? 0) >= needed) ?? 1;
    tierSource = 'history';
  }
  if (tier === undefined && node.preferLocal) {
    tier = 3;
    tierSource = 'trivial';
  }
  if (tier === undefined) {
    tier = profile.defaultTier;
    tierSource = 'default';
  }
  const t = profile.tiers.get(tier);
  if (!t) throw new Error(`profile has no tier ${tier}`);
  const memory =
    needed > 0 ? (past?.killedAtBytes ? Math.max(needed, t.memory) : needed) : t.memory;
  return {
    tier,
    tierSource,
    cores: t.cores,
    memory: Math.round(memory),
    seconds: past?.wallSeconds ?? t.seconds,
    measured: needed > 0 || past?.wallSeconds !== undefined,
    history: past,
  };
}
