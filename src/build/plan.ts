import { type Estimate, estimate } from './estimate.ts';
import { type BuildGraph, buildGraph, type DrvNode, resolveDerivations } from './graph.ts';
import type { History } from './history.ts';
import type { Profile } from './profile.ts';
import { criticalChain, criticalPaths, type Job, lowerBound, simulate } from './schedule.ts';
import {
  type FetchSource,
  type LarderServer,
  locateFetches,
  nixSubstituters,
  type Substituter,
  type SubstituterShare,
  shareBySubstituter,
} from './substituters.ts';

export interface PlanOptions {
  installables: string[];
  file?: string | undefined;
  store?: string | undefined;
  storeDir?: string;
  profile: Profile;
  history: History | undefined;
  larder: LarderServer | undefined;
}

export interface PlannedBuild extends DrvNode {
  estimate: Estimate;
  /** Estimated seconds from this build's start to the end of everything that needs it. */
  criticalPath: number;
  /** Why this machine will not build it (a consumer and a tier it may not build). */
  refused: string | undefined;
  /** A dependency that will not be built here, so this one cannot be either. */
  blockedBy: string | undefined;
}

export interface Plan {
  roots: string[];
  builds: Map<string, PlannedBuild>;
  fetch: FetchSource[];
  /** Nix's own dry-run totals (what `nix-store --realise --dry-run` printed). */
  nix: { build: number; fetch: number; downloadBytes: number; unpackedBytes: number };
  fetchPaths: string[];
  bySubstituter: SubstituterShare[];
  substituters: Substituter[];
  /** Fetched paths ÷ (fetched paths + derivations to build). */
  hitRate: number;
  criticalChain: string[];
  estimatedMakespan: number;
  lowerBound: number;
}

/** Jobs for the scheduler from planned builds that will run (not refused, not blocked). */
export function jobsOf(builds: Iterable<PlannedBuild>): Map<string, Job> {
  const jobs = new Map<string, Job>();
  for (const b of builds) {
    if (b.refused || b.blockedBy) continue;
    jobs.set(b.drv, {
      id: b.drv,
      deps: b.deps,
      memory: b.estimate.memory,
      seconds: b.estimate.seconds,
    });
  }
  return jobs;
}

/** Everything `larder plan` prints and `larder build` starts from. */
export async function makePlan(opts: PlanOptions): Promise<Plan> {
  const storeDir = opts.storeDir ?? '/nix/store';
  const roots = await resolveDerivations(opts.installables, {
    store: opts.store,
    file: opts.file,
    storeDir,
  });
  const graph: BuildGraph = await buildGraph(roots, { store: opts.store, storeDir });
  const substituters =
    graph.dryRun.fetch.length > 0 || opts.profile.role === 'consumer'
      ? await nixSubstituters(opts.store, opts.larder)
      : [];
  const fetch = await locateFetches(graph.dryRun.fetch, substituters, storeDir, opts.larder);
  const p = opts.profile;
  const builds = new Map<string, PlannedBuild>();
  for (const node of graph.nodes.values()) {
    const e = estimate(node, p, opts.history);
    const mayBuild = p.role === 'builder' || p.buildTiers.includes(e.tier);
    builds.set(node.drv, {
      ...node,
      estimate: e,
      criticalPath: 0,
      refused: mayBuild
        ? undefined
        : `tier ${e.tier} (${e.tierSource}); ${p.name} builds tier ${p.buildTiers.join(', ') || 'none'} only`,
      blockedBy: undefined,
    });
  }
  propagateBlocks(builds);
  const jobs = jobsOf(builds.values());
  const cp = criticalPaths(jobs);
  for (const [id, n] of cp) {
    const b = builds.get(id);
    if (b) b.criticalPath = n;
  }
  const limits = { budget: p.memoryBudget, maxJobs: p.maxJobs };
  const sim = simulate(jobs, limits);
  const builtCount = graph.dryRun.build.length;
  const fetchCount = graph.dryRun.fetch.length;
  return {
    roots,
    builds,
    fetch,
    nix: {
      build: builtCount,
      fetch: fetchCount,
      downloadBytes: graph.dryRun.downloadBytes,
      unpackedBytes: graph.dryRun.unpackedBytes,
    },
    fetchPaths: graph.dryRun.fetch,
    bySubstituter: shareBySubstituter(fetch, substituters),
    substituters,
    hitRate: builtCount + fetchCount === 0 ? 1 : fetchCount / (builtCount + fetchCount),
    criticalChain: criticalChain(jobs, cp),
    estimatedMakespan: sim.makespan,
    lowerBound: lowerBound(jobs, p.memoryBudget),
  };
}

/** Marks every build that needs a refused one (directly or not) as blocked by it. */
export function propagateBlocks(builds: Map<string, PlannedBuild>): void {
  const cause = (b: PlannedBuild, seen: Set<string>): string | undefined => {
    if (b.refused) return b.drv;
    if (b.blockedBy !== undefined) return b.blockedBy;
    for (const d of b.deps) {
      const dep = builds.get(d);
      if (!dep || seen.has(d)) continue;
      seen.add(d);
      const c = cause(dep, seen);
      if (c) return c;
    }
    return undefined;
  };
  for (const b of builds.values()) {
    if (b.refused) continue;
    const c = cause(b, new Set());
    if (c) b.blockedBy = c;
  }
}
