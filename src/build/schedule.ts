/**
 * The scheduling policy, pure so the runner, `larder plan` and the estimate of a run's
 * makespan share it: list scheduling by critical path, under a memory budget and a job
 * ceiling, with EASY backfilling (a lower-priority build may jump ahead only if it cannot
 * delay the highest-priority build that is waiting for memory).
 */

export interface Job {
  id: string;
  deps: string[];
  memory: number;
  seconds: number;
}

export interface Running {
  id: string;
  memory: number;
  /** Estimated end, in seconds on the same clock as `now`. */
  end: number;
  alone: boolean;
}

export interface Limits {
  budget: number;
  maxJobs: number;
}

/** Longest estimated path from each job to the end of the graph, the job's own time included. */
export function criticalPaths(jobs: Map<string, Job>): Map<string, number> {
  const dependents = new Map<string, string[]>();
  for (const j of jobs.values()) {
    for (const d of j.deps) {
      if (!jobs.has(d)) continue;
      const list = dependents.get(d) ?? [];
      list.push(j.id);
      dependents.set(d, list);
    }
  }
  const memo = new Map<string, number>();
  // Iterative post-order, so a deep chain cannot overflow the stack.
  for (const start of jobs.keys()) {
    const stack: [string, boolean][] = [[start, false]];
    while (stack.length > 0) {
      const [id, expanded] = stack.pop() as [string, boolean];
      if (memo.has(id)) continue;
      const next = dependents.get(id) ?? [];
      if (!expanded) {
        stack.push([id, true]);
        for (const n of next) if (!memo.has(n)) stack.push([n, false]);
        continue;
      }
      const tail = Math.max(0, ...next.map((n) => memo.get(n) ?? 0));
      memo.set(id, (jobs.get(id)?.seconds ?? 0) + tail);
    }
  }
  return memo;
}

/** The jobs on the longest path, first to last. */
export function criticalChain(jobs: Map<string, Job>, cp: Map<string, number>): string[] {
  const dependents = new Map<string, string[]>();
  for (const j of jobs.values()) {
    for (const d of j.deps) dependents.set(d, [...(dependents.get(d) ?? []), j.id]);
  }
  const hasDeps = (j: Job) => j.deps.some((d) => jobs.has(d));
  let current = [...jobs.values()]
    .filter((j) => !hasDeps(j))
    .sort((a, b) => (cp.get(b.id) ?? 0) - (cp.get(a.id) ?? 0))[0];
  const chain: string[] = [];
  while (current) {
    chain.push(current.id);
    const next = (dependents.get(current.id) ?? []).sort(
      (a, b) => (cp.get(b) ?? 0) - (cp.get(a) ?? 0),
    )[0];
    current = next ? jobs.get(next) : undefined;
  }
  return chain;
}

/** max(longest path, memory-time ÷ budget): no schedule under the budget can beat it. */
export function lowerBound(jobs: Map<string, Job>, budget: number): number {
  const cp = criticalPaths(jobs);
  const path = Math.max(0, ...cp.values());
  let memoryTime = 0;
  for (const j of jobs.values()) memoryTime += Math.min(j.memory, budget) * j.seconds;
  return Math.max(path, memoryTime / budget);
}

/** A job asking for more than the budget runs alone, and counts as the whole budget. */
export const runsAlone = (memory: number, limits: Limits) => memory > limits.budget;

/** A job that can start now (`readyAt` ≤ now) or once its running inputs end. */
export interface Candidate extends Job {
  readyAt: number;
}

/**
 * Which candidates to start now. `candidates` must be sorted by priority (critical path
 * first) and may include jobs still waiting for running inputs (`readyAt` > now): the first
 * job, ready or not, that cannot start now gets a reservation of memory for when it can,
 * and lower-priority jobs start only if they end before that or fit beside it. `alone` marks
 * jobs that must run with nothing else (bigger than the budget, or a retry).
 */
export function pickStarts(
  candidates: Candidate[],
  running: Running[],
  now: number,
  limits: Limits,
  alone: (job: Job) => boolean,
): Job[] {
  if (running.some((r) => r.alone)) return [];
  const starts: Job[] = [];
  let used = running.reduce((n, r) => n + r.memory, 0);
  let slots = limits.maxJobs - running.length;
  // The reservation of the first job that cannot start now: when it could start, and how
  // much memory is left over beside it at that moment.
  let shadow: { time: number; spare: number } | undefined;
  const live = [...running];
  for (const job of candidates) {
    if (slots <= 0) break;
    const ready = job.readyAt <= now;
    if (alone(job)) {
      if (ready && live.length === 0 && starts.length === 0) {
        starts.push(job);
        return starts;
      }
      shadow ??= { time: Math.max(job.readyAt, now, ...live.map((r) => r.end)), spare: 0 };
      continue;
    }
    const fits = used + job.memory <= limits.budget;
    if (!shadow) {
      if (ready && fits) {
        starts.push(job);
        used += job.memory;
        slots--;
        live.push({ id: job.id, memory: job.memory, end: now + job.seconds, alone: false });
        continue;
      }
      shadow = reservation(job, live, Math.max(now, job.readyAt), limits);
      continue;
    }
    if (!ready || !fits) continue;
    // Backfill: fine if it ends before the reserved start, or fits beside the reserved job.
    if (now + job.seconds <= shadow.time) {
      starts.push(job);
    } else if (job.memory <= shadow.spare) {
      shadow.spare -= job.memory;
      starts.push(job);
    } else continue;
    used += job.memory;
    slots--;
    live.push({ id: job.id, memory: job.memory, end: now + job.seconds, alone: false });
  }
  return starts;
}

/** When `job` could start at the earliest (not before `from`), and the memory spare beside it. */
function reservation(job: Job, live: Running[], from: number, limits: Limits) {
  const after = live.filter((r) => r.end > from).sort((a, b) => a.end - b.end);
  let free = limits.budget - after.reduce((n, r) => n + r.memory, 0);
  let time = from;
  for (const r of after) {
    if (free >= job.memory) break;
    free += r.memory;
    time = r.end;
  }
  return { time, spare: Math.max(0, free - job.memory) };
}

/**
 * Candidates in priority order: jobs not started whose inputs are all done (ready now),
 * running (ready when the last of them is estimated to end) or themselves ready now (ready
 * when they would end if started now). The look-ahead lets the critical path reserve memory
 * for its next build before that build is ready.
 */
export function candidatesOf(
  pending: Iterable<Job>,
  all: Map<string, Job>,
  state: {
    done: (id: string) => boolean;
    runningEnd: (id: string) => number | undefined;
  },
  now: number,
  cp: Map<string, number>,
): Candidate[] {
  const out: Candidate[] = [];
  const readyNow = (j: Job) => j.deps.every((d) => !all.has(d) || state.done(d));
  for (const j of pending) {
    if (state.done(j.id) || state.runningEnd(j.id) !== undefined) continue;
    let readyAt = now;
    let ok = true;
    for (const d of j.deps) {
      const dep = all.get(d);
      if (!dep || state.done(d)) continue;
      const end = state.runningEnd(d);
      if (end !== undefined) readyAt = Math.max(readyAt, end);
      else if (readyNow(dep)) readyAt = Math.max(readyAt, now + dep.seconds);
      else {
        ok = false;
        break;
      }
    }
    if (ok) out.push({ ...j, readyAt });
  }
  return out.sort((a, b) => (cp.get(b.id) ?? 0) - (cp.get(a.id) ?? 0));
}

export interface SimulatedRun {
  makespan: number;
  starts: Map<string, number>;
  peakMemory: number;
}

/** Plays the policy forward on estimates: the makespan `larder build` expects. */
export function simulate(
  jobs: Map<string, Job>,
  limits: Limits,
  opts: { done?: Set<string>; running?: Running[]; now?: number } = {},
): SimulatedRun {
  const cp = criticalPaths(jobs);
  const done = new Set(opts.done ?? []);
  const started = new Set<string>([...(opts.running ?? []).map((r) => r.id), ...done]);
  let running = [...(opts.running ?? [])];
  let now = opts.now ?? 0;
  const starts = new Map<string, number>();
  let peak = running.reduce((n, r) => n + r.memory, 0);
  const alone = (j: Job) => runsAlone(j.memory, limits);
  for (;;) {
    const ends = new Map(running.map((r) => [r.id, r.end]));
    const candidates = candidatesOf(
      [...jobs.values()].filter((j) => !started.has(j.id)),
      jobs,
      { done: (id) => done.has(id), runningEnd: (id) => ends.get(id) },
      now,
      cp,
    );
    for (const j of pickStarts(candidates, running, now, limits, alone)) {
      started.add(j.id);
      starts.set(j.id, now);
      const a = alone(j);
      running.push({
        id: j.id,
        memory: a ? limits.budget : j.memory,
        end: now + j.seconds,
        alone: a,
      });
    }
    peak = Math.max(
      peak,
      running.reduce((n, r) => n + r.memory, 0),
    );
    if (running.length === 0) break;
    now = Math.min(...running.map((r) => r.end));
    for (const r of running) if (r.end <= now) done.add(r.id);
    running = running.filter((r) => r.end > now);
  }
  return { makespan: now - (opts.now ?? 0), starts, peakMemory: peak };
}
