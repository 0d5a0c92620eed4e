import { readdirSync, readFileSync } from 'node:fs';

/**
 * Measures process trees by sampling /proc: the memory of a build is the resident memory
 * of every process under the `nix-store` that runs it (Nix forks the builder from it when
 * it builds locally), CPU time is what those processes spent, and a process in state D is
 * waiting on I/O. One pass over /proc serves every running build.
 */

const PAGE = 4096;
const CLK_TCK = 100;

interface ProcStat {
  comm: string;
  ppid: number;
  state: string;
  /** utime + stime, in ticks. */
  own: number;
  /** cutime + cstime: reaped children, in ticks. */
  kids: number;
  rss: number;
}

/** Usage of a tree not seen yet. */
export const emptyUsage = (): TreeUsage => ({
  memory: 0,
  peakMemory: 0,
  cpuSeconds: 0,
  samples: 0,
  ioWaitSamples: 0,
  processes: 0,
});

/** What one tree has done so far. */
export interface TreeUsage {
  /** Resident bytes now. */
  memory: number;
  peakMemory: number;
  cpuSeconds: number;
  samples: number;
  /** Samples in which some process was waiting on I/O (state D) and none was running. */
  ioWaitSamples: number;
  processes: number;
}

interface Watched {
  root: number;
  /** The nix-daemon worker serving this build's connection, once found. */
  worker: number | undefined;
  /** Looking for a daemon worker: the builder is its child, not ours. */
  viaDaemon: boolean;
  usage: TreeUsage;
  seen: Map<number, { ppid: number; own: number; kids: number }>;
}

function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // The command name is in parentheses and may itself hold spaces or parentheses.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // Fields from /proc/[pid]/stat (proc(5)), counted from `state` (field 3) as f[0].
  return {
    comm: text.slice(text.indexOf('(') + 1, text.lastIndexOf(')')),
    state: f[0] ?? '?',
    ppid: Number(f[1]),
    own: Number(f[11]) + Number(f[12]),
    kids: Number(f[13]) + Number(f[14]),
    rss: Number(f[21]) * PAGE,
  };
}

function allProcesses(): Map<number, ProcStat> {
  const out = new Map<number, ProcStat>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const s = readStat(pid);
    if (s) out.set(pid, s);
  }
  return out;
}

/** Per-connection workers of a nix-daemon: `nix-daemon` processes whose parent is one too. */
function daemonWorkers(procs: Map<number, ProcStat>): number[] {
  const out: number[] = [];
  for (const [pid, s] of procs) {
    if (s.comm === 'nix-daemon' && procs.get(s.ppid)?.comm === 'nix-daemon') out.push(pid);
  }
  return out;
}

/** The kernel's count of out-of-memory kills (Linux ≥ 4.13), or undefined where unreadable. */
export function oomKills(): number | undefined {
  try {
    const m = /^oom_kill (\d+)$/m.exec(readFileSync('/proc/vmstat', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export class TreeMonitor {
  private readonly watched = new Map<number, Watched>();
  private timer: NodeJS.Timeout | undefined;
  private readonly intervalMs: number;
  private readonly onSample: (() => void) | undefined;
  /** Daemon workers already present or claimed: never adopted by a new build. */
  private readonly knownWorkers = new Set<number>();

  constructor(opts: { intervalMs?: number; onSample?: () => void } = {}) {
    this.intervalMs = opts.intervalMs ?? 100;
    this.onSample = opts.onSample;
  }

  /**
   * Starts measuring the tree under `pid`; the returned usage object is updated in place.
   * With `viaDaemon`, Nix builds in a nix-daemon: the daemon forks one worker per client
   * connection and the builder under it, so the first worker that appears after this call
   * (and that no other build claimed) is measured with the tree. That is a heuristic: another
   * client connecting to the daemon at the same moment could be taken for this one.
   */
  watch(pid: number, opts: { viaDaemon?: boolean } = {}): TreeUsage {
    const usage = emptyUsage();
    if (opts.viaDaemon && this.knownWorkers.size === 0) {
      for (const w of daemonWorkers(allProcesses())) this.knownWorkers.add(w);
    }
    this.watched.set(pid, {
      root: pid,
      worker: undefined,
      viaDaemon: opts.viaDaemon === true,
      usage,
      seen: new Map(),
    });
    this.timer ??= setInterval(() => this.sample(), this.intervalMs);
    this.sample();
    return usage;
  }

  /** Stops measuring `pid`'s tree (take one last sample first, while it may still be there). */
  unwatch(pid: number): void {
    this.watched.delete(pid);
    if (this.watched.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Resident bytes of every watched tree together, now. */
  totalMemory(): number {
    let n = 0;
    for (const w of this.watched.values()) n += w.usage.memory;
    return n;
  }

  sample(): void {
    if (this.watched.size === 0) return;
    const procs = allProcesses();
    const children = new Map<number, number[]>();
    for (const [pid, s] of procs) {
      const list = children.get(s.ppid);
      if (list) list.push(pid);
      else children.set(s.ppid, [pid]);
    }
    this.adoptWorkers(procs);
    for (const w of this.watched.values()) {
      if (!procs.has(w.root)) continue;
      let memory = 0;
      let running = false;
      let waiting = false;
      let count = 0;
      const stack = w.worker !== undefined ? [w.root, w.worker] : [w.root];
      while (stack.length > 0) {
        const pid = stack.pop() as number;
        const s = procs.get(pid);
        if (!s) continue;
        count++;
        memory += s.rss;
        if (s.state === 'R') running = true;
        if (s.state === 'D') waiting = true;
        w.seen.set(pid, { ppid: s.ppid, own: s.own, kids: s.kids });
        for (const c of children.get(pid) ?? []) stack.push(c);
      }
      const u = w.usage;
      u.memory = memory;
      u.peakMemory = Math.max(u.peakMemory, memory);
      u.samples++;
      if (waiting && !running) u.ioWaitSamples++;
      u.processes = count;
      u.cpuSeconds = cpuOf(w.seen) / CLK_TCK;
    }
    this.onSample?.();
  }

  /** Gives each build waiting for its daemon worker the oldest new one, in start order. */
  private adoptWorkers(procs: Map<number, ProcStat>): void {
    const waiting = [...this.watched.values()].filter((w) => w.viaDaemon && w.worker === undefined);
    if (waiting.length === 0) return;
    const fresh = daemonWorkers(procs)
      .filter((p) => !this.knownWorkers.has(p))
      .sort((a, b) => a - b);
    for (const w of waiting) {
      const worker = fresh.shift();
      if (worker === undefined) break;
      this.knownWorkers.add(worker);
      w.worker = worker;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.watched.clear();
  }
}

/**
 * CPU ticks of a tree from what was seen of it: each process's own time, plus what its
 * reaped children spent beyond the children we saw ourselves (short-lived ones we missed).
 */
function cpuOf(seen: Map<number, { ppid: number; own: number; kids: number }>): number {
  const seenKids = new Map<number, number>();
  for (const s of seen.values()) {
    seenKids.set(s.ppid, (seenKids.get(s.ppid) ?? 0) + s.own + s.kids);
  }
  let total = 0;
  for (const [pid, s] of seen) total += s.own + Math.max(0, s.kids - (seenKids.get(pid) ?? 0));
  return total;
}
