import { Api } from '../client/api.ts';
import { push } from '../client/push/index.ts';
import type { ServerSettings } from '../client/settings.ts';
import { type AttemptResult, runAttempt } from './attempt.ts';
import type { History } from './history.ts';
import { emptyUsage, TreeMonitor, type TreeUsage } from './monitor.ts';
import { jobsOf, type Plan, type PlannedBuild } from './plan.ts';
import type { Profile } from './profile.ts';
import {
  candidatesOf,
  criticalPaths,
  type Job,
  lowerBound,
  pickStarts,
  type Running,
  simulate,
} from './schedule.ts';

export interface RunOptions {
  plan: Plan;
  profile: Profile;
  history: History | undefined;
  store?: string | undefined;
  builders?: string | undefined;
  /** Push each result to this larder cache as soon as it is built. */
  push?: { settings: ServerSettings; cache: string } | undefined;
  /** Tell larder caches about the paths this run fetched from them instead of building. */
  larder?: ServerSettings | undefined;
  sampleMs?: number;
  /** Called whenever something changes, for the progress view. */
  onChange?: (state: RunState) => void;
  /** Called once per flag, as it is raised. */
  onFlag?: (flag: Flag) => void;
}

export interface Flag {
  drv: string;
  name: string;
  kind: 'slow' | 'off-cpu' | 'killed' | 'not-oom';
  message: string;
}

export interface BuildResult {
  drv: string;
  name: string;
  tier: number;
  tierSource: string;
  cores: number;
  estimate: { memory: number; seconds: number; measured: boolean };
  outcome: 'ok' | 'failed' | 'killed';
  attempts: number;
  /** Seconds since the run began. */
  start: number;
  end: number;
  wallSeconds: number;
  cpuSeconds: number;
  peakMemory: number;
  /** Share of samples the tree spent waiting on I/O with nothing on the CPU. */
  ioWaitShare: number;
  error: string | undefined;
}

export interface LiveBuild {
  drv: string;
  name: string;
  tier: number;
  start: number;
  usage: TreeUsage;
  estimate: { memory: number; seconds: number };
  alone: boolean;
}

export interface RunState {
  now: number;
  running: LiveBuild[];
  done: number;
  left: number;
  failed: number;
  fetching: boolean;
  memoryNow: number;
  /** Estimated seconds until the last build ends. */
  eta: number;
}

export interface RunReport {
  profile: { name: string; role: string; memoryBudget: number; maxJobs: number };
  built: BuildResult[];
  failed: BuildResult[];
  fetched: {
    paths: number;
    downloadBytes: number;
    unpackedBytes: number;
    ok: boolean;
    error?: string;
  };
  bySubstituter: Plan['bySubstituter'];
  refused: { drv: string; name: string; tier: number; reason: string; expectedFrom: string[] }[];
  blocked: { drv: string; name: string; by: string }[];
  hitRate: number;
  peakMemory: number;
  memoryBudget: number;
  makespan: number;
  estimatedMakespan: number;
  /** max(longest path, memory-time ÷ budget), from the measured durations. */
  lowerBound: number;
  flags: Flag[];
  pushed: { cache: string; paths: number; bytes: number; errors: string[] } | undefined;
  liveness: { cache: string; paths: number; error?: string }[];
}

interface Pending {
  build: PlannedBuild;
  attempts: number;
  alone: boolean;
}

/**
 * Runs a plan: fetches what substituters have, then builds the rest one derivation per
 * `nix-store --realise`, starting a build only when its inputs are done and its memory
 * estimate fits in what is left of the budget, critical path first.
 */
export async function runPlan(opts: RunOptions): Promise<RunReport> {
  const { plan, profile } = opts;
  const t0 = performance.now();
  const now = () => (performance.now() - t0) / 1000;
  const limits = { budget: profile.memoryBudget, maxJobs: profile.maxJobs };
  const jobs = jobsOf(plan.builds.values());
  const cp = criticalPaths(jobs);
  const pending = new Map<string, Pending>();
  for (const id of jobs.keys()) {
    const build = plan.builds.get(id) as PlannedBuild;
    pending.set(id, { build, attempts: 0, alone: false });
  }
  const done = new Set<string>();
  const failed = new Set<string>();
  const running = new Map<string, LiveBuild>();
  const results: BuildResult[] = [];
  const flags: Flag[] = [];
  const flagged = new Set<string>();
  let peakMemory = 0;
  let fetchDone = plan.fetchPaths.length === 0;
  let fetchResult: RunReport['fetched'] = {
    paths: plan.fetchPaths.length,
    downloadBytes: plan.nix.downloadBytes,
    unpackedBytes: plan.nix.unpackedBytes,
    ok: true,
  };
  const pushes: Promise<void>[] = [];
  const pushed = opts.push
    ? { cache: opts.push.cache, paths: 0, bytes: 0, errors: [] as string[] }
    : undefined;
  let wake: () => void = () => {};
  const raise = (f: Flag) => {
    const key = `${f.drv}:${f.kind}`;
    if (flagged.has(key)) return;
    flagged.add(key);
    flags.push(f);
    opts.onFlag?.(f);
  };

  const state = (): RunState => {
    const live = [...running.values()];
    const t = now();
    const remaining = new Map<string, Job>();
    for (const [id, j] of jobs) if (!done.has(id) && !failed.has(id)) remaining.set(id, j);
    const sim = simulate(remaining, limits, {
      done,
      now: t,
      running: live.map((r) => ({
        id: r.drv,
        memory: r.estimate.memory,
        end: Math.max(t + 1, r.start + r.estimate.seconds),
        alone: r.alone,
      })),
    });
    return {
      now: t,
      running: live,
      done: done.size,
      left: jobs.size - done.size - failed.size,
      failed: failed.size,
      fetching: !fetchDone,
      memoryNow: monitor.totalMemory(),
      eta: sim.makespan,
    };
  };

  const monitor = new TreeMonitor({
    intervalMs: opts.sampleMs ?? 100,
    onSample: () => {
      peakMemory = Math.max(peakMemory, monitor.totalMemory());
      const t = now();
      for (const r of running.values()) {
        const elapsed = t - r.start;
        const past = plan.builds.get(r.drv)?.estimate.history?.wallSeconds;
        if (
          past !== undefined &&
          elapsed >= profile.flags.minSeconds &&
          elapsed > past * profile.flags.slowFactor
        ) {
          raise({
            drv: r.drv,
            name: r.name,
            kind: 'slow',
            message: `${r.name} has run ${elapsed.toFixed(0)} s, ${(elapsed / past).toFixed(1)}× its usual ${past.toFixed(0)} s`,
          });
        }
        if (
          elapsed >= profile.flags.minSeconds &&
          r.usage.cpuSeconds < elapsed * profile.flags.offCpuRatio
        ) {
          raise(offCpuFlag(r.drv, r.name, elapsed, r.usage));
        }
      }
    },
  });
  const ticker = setInterval(() => opts.onChange?.(state()), 500);

  // Substitutable paths come in one Nix call, beside the builds that do not need them.
  const fetching = fetchDone
    ? Promise.resolve()
    : runAttempt({
        targets: plan.fetchPaths,
        cores: 1,
        store: opts.store,
        builders: opts.builders,
        monitor,
      }).then((r) => {
        fetchDone = true;
        if (r.outcome !== 'ok') fetchResult = { ...fetchResult, ok: false, error: lastError(r) };
        wake();
      });

  const startBuild = (p: Pending) => {
    const b = p.build;
    p.attempts++;
    pending.delete(b.drv);
    const start = now();
    const cores = p.alone ? profile.cores : b.estimate.cores;
    const live: LiveBuild = {
      drv: b.drv,
      name: b.name,
      tier: b.estimate.tier,
      start,
      usage: emptyUsage(),
      estimate: {
        memory: p.alone ? profile.memoryBudget : Math.min(b.estimate.memory, profile.memoryBudget),
        seconds: b.estimate.seconds,
      },
      alone: p.alone || b.estimate.memory > profile.memoryBudget,
    };
    running.set(b.drv, live);
    opts.onChange?.(state());
    void runAttempt(
      { targets: [b.drv], cores, store: opts.store, builders: opts.builders, monitor },
      (usage) => {
        live.usage = usage;
      },
    ).then((r) => {
      running.delete(b.drv);
      finishBuild(p, live, r);
      wake();
    });
  };

  const finishBuild = (p: Pending, live: LiveBuild, r: AttemptResult) => {
    const b = p.build;
    const end = now();
    opts.history?.record({
      machine: profile.name,
      pname: b.pname,
      name: b.name,
      drv: b.drv,
      startedAt: Date.now() - r.wallSeconds * 1000,
      wallSeconds: r.wallSeconds,
      cpuSeconds: r.usage.cpuSeconds,
      peakBytes: r.usage.peakMemory,
      cores: live.alone ? profile.cores : b.estimate.cores,
      // A second SIGKILL with the whole budget is not memory (see below): history must not
      // learn "needs more" from it.
      outcome: r.outcome === 'killed' && p.attempts > 1 ? 'failed' : r.outcome,
      oom: r.oom,
    });
    if (r.outcome === 'killed' && p.attempts === 1) {
      raise({
        drv: b.drv,
        name: b.name,
        kind: 'killed',
        message: `${b.name} was killed by SIGKILL at ${mib(r.usage.peakMemory)} (estimate ${mib(b.estimate.memory)}${r.oom ? ', the kernel counted an out-of-memory kill' : ''}); retrying it alone with the whole budget`,
      });
      pending.set(b.drv, { build: b, attempts: p.attempts, alone: true });
      return;
    }
    const result: BuildResult = {
      drv: b.drv,
      name: b.name,
      tier: b.estimate.tier,
      tierSource: b.estimate.tierSource,
      cores: live.alone ? profile.cores : b.estimate.cores,
      estimate: {
        memory: b.estimate.memory,
        seconds: b.estimate.seconds,
        measured: b.estimate.measured,
      },
      outcome: r.outcome,
      attempts: p.attempts,
      start: live.start,
      end,
      wallSeconds: r.wallSeconds,
      cpuSeconds: r.usage.cpuSeconds,
      peakMemory: r.usage.peakMemory,
      ioWaitShare: r.usage.samples ? r.usage.ioWaitSamples / r.usage.samples : 0,
      error: r.outcome === 'ok' ? undefined : lastError(r),
    };
    if (r.outcome === 'killed' && !r.oom && r.usage.peakMemory < profile.memoryBudget / 2) {
      result.error = `killed by SIGKILL twice, the second time alone with the whole budget, at ${mib(r.usage.peakMemory)} of ${mib(profile.memoryBudget)}: not out of memory. Nix 2.8 kills a builder whose log reaches EOF while it still runs (a last command with its output redirected); end the builder script with \`; true\``;
      raise({ drv: b.drv, name: b.name, kind: 'not-oom', message: result.error });
    }
    const offCpu =
      r.wallSeconds >= profile.flags.minSeconds &&
      r.usage.cpuSeconds < r.wallSeconds * profile.flags.offCpuRatio;
    if (r.outcome === 'ok' && offCpu) raise(offCpuFlag(b.drv, b.name, r.wallSeconds, r.usage));
    results.push(result);
    if (r.outcome === 'ok') {
      done.add(b.drv);
      if (opts.push && pushed)
        pushes.push(pushResult(opts.push, b, r.wallSeconds, pushed, opts.store));
    } else {
      failed.add(b.drv);
      failDependents(b.drv);
    }
  };

  const failDependents = (drv: string) => {
    for (const [id, p] of pending) {
      if (p.build.deps.includes(drv)) {
        pending.delete(id);
        failed.add(id);
        blockedByFailure.push({ drv: id, name: p.build.name, by: drv });
        failDependents(id);
      }
    }
  };
  const blockedByFailure: RunReport['blocked'] = [];

  // The scheduling loop: wake on every finished build or fetch, start what fits.
  for (;;) {
    if (!fetchDone || running.size > 0 || pending.size > 0) {
      if (fetchDone && !fetchResult.ok) {
        // Builds needing fetched paths cannot start: Nix would build those paths itself.
        for (const [id, p] of pending) {
          if (p.build.needsFetch) {
            pending.delete(id);
            failed.add(id);
            blockedByFailure.push({ drv: id, name: p.build.name, by: 'fetch' });
            failDependents(id);
          }
        }
      }
      const t = now();
      const live: Running[] = [...running.values()].map((r) => ({
        id: r.drv,
        memory: r.estimate.memory,
        // A build past its estimate is expected to end soon, not to have ended.
        end: Math.max(t + 1, r.start + r.estimate.seconds),
        alone: r.alone,
      }));
      const ends = new Map(live.map((r) => [r.id, r.end]));
      const waiting = [...pending.values()].filter((p) => !p.build.needsFetch || fetchDone);
      const byId = new Map(waiting.map((p) => [p.build.drv, p]));
      const candidates = candidatesOf(
        waiting.map((p) => ({
          id: p.build.drv,
          deps: p.build.deps,
          memory: p.alone
            ? profile.memoryBudget
            : Math.min(p.build.estimate.memory, profile.memoryBudget),
          seconds: p.build.estimate.seconds,
        })),
        jobs,
        { done: (id) => done.has(id), runningEnd: (id) => ends.get(id) },
        t,
        cp,
      );
      const starts = pickStarts(
        candidates,
        live,
        t,
        limits,
        (j) =>
          byId.get(j.id)?.alone === true ||
          (byId.get(j.id)?.build.estimate.memory ?? 0) > profile.memoryBudget,
      );
      for (const j of starts) startBuild(byId.get(j.id) as Pending);
      if (running.size === 0 && fetchDone && starts.length === 0) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      continue;
    }
    break;
  }
  await fetching;
  clearInterval(ticker);
  monitor.stop();
  await Promise.all(pushes);
  const liveness = await tellLarderCaches(plan, opts.larder);

  const built = results.filter((r) => r.outcome === 'ok');
  const measured = new Map<string, Job>();
  for (const r of built) {
    const j = jobs.get(r.drv);
    if (j) measured.set(r.drv, { ...j, seconds: r.wallSeconds });
  }
  return {
    profile: {
      name: profile.name,
      role: profile.role,
      memoryBudget: profile.memoryBudget,
      maxJobs: profile.maxJobs,
    },
    built,
    failed: results.filter((r) => r.outcome !== 'ok'),
    fetched: fetchResult,
    bySubstituter: plan.bySubstituter,
    refused: [...plan.builds.values()]
      .filter((b) => b.refused)
      .map((b) => ({
        drv: b.drv,
        name: b.name,
        tier: b.estimate.tier,
        reason: b.refused as string,
        expectedFrom: expectedFrom(plan),
      })),
    blocked: [
      ...[...plan.builds.values()]
        .filter((b) => b.blockedBy)
        .map((b) => ({ drv: b.drv, name: b.name, by: b.blockedBy as string })),
      ...blockedByFailure,
    ],
    hitRate: plan.hitRate,
    peakMemory,
    memoryBudget: profile.memoryBudget,
    makespan: now(),
    estimatedMakespan: plan.estimatedMakespan,
    lowerBound: lowerBound(measured, profile.memoryBudget),
    flags,
    pushed,
    liveness,
  };
}

function offCpuFlag(drv: string, name: string, wall: number, usage: TreeUsage): Flag {
  const io = usage.samples ? (usage.ioWaitSamples / usage.samples) * 100 : 0;
  return {
    drv,
    name,
    kind: 'off-cpu',
    message: `${name} spent ${usage.cpuSeconds.toFixed(1)} s on the CPU in ${wall.toFixed(0)} s (${((usage.cpuSeconds / wall) * 100).toFixed(0)}%; waiting on I/O in ${io.toFixed(0)}% of samples)`,
  };
}

/** The larder caches among the substituters, else every substituter: who should have had it. */
function expectedFrom(plan: Plan): string[] {
  const larder = plan.substituters.filter((s) => s.larderCache).map((s) => s.url);
  return larder.length > 0 ? larder : plan.substituters.map((s) => s.url);
}

function lastError(r: AttemptResult): string {
  const errors = r.tail.filter((l) => /^error:/.test(l.trim()));
  const line = errors.pop() ?? r.tail[r.tail.length - 1] ?? `nix-store exited with ${r.exitCode}`;
  return line.trim().replace(/^error:\s*/, '');
}

const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;

async function pushResult(
  target: { settings: ServerSettings; cache: string },
  b: PlannedBuild,
  seconds: number,
  summary: NonNullable<RunReport['pushed']>,
  store: string | undefined,
): Promise<void> {
  try {
    const s = await push(target.settings, {
      cache: target.cache,
      installables: b.outputs,
      store,
      buildSeconds: Math.round(seconds * 10) / 10,
      // The machine's tier travels with the push when a rule or history decided it.
      tier:
        b.estimate.tierSource === 'rule' || b.estimate.tierSource === 'history'
          ? b.estimate.tier
          : undefined,
      progress: false,
    });
    summary.paths += s.uploaded;
    summary.bytes += s.bytes;
  } catch (err) {
    summary.errors.push(`${b.name}: ${(err as Error).message}`);
  }
}

/** Liveness: one request per larder cache with the paths this run fetched from it. */
async function tellLarderCaches(
  plan: Plan,
  larder: ServerSettings | undefined,
): Promise<RunReport['liveness']> {
  if (!larder) return [];
  const api = new Api(larder);
  const out: RunReport['liveness'] = [];
  for (const sub of plan.substituters) {
    if (!sub.larderCache) continue;
    const paths = plan.fetch.filter((f) => f.substituter === sub.url).map((f) => f.path);
    if (paths.length === 0) continue;
    try {
      await api.request('POST', `/_api/v1/${encodeURIComponent(sub.larderCache)}/touch`, { paths });
      out.push({ cache: sub.larderCache, paths: paths.length });
    } catch (err) {
      out.push({ cache: sub.larderCache, paths: paths.length, error: (err as Error).message });
    }
  }
  return out;
}
