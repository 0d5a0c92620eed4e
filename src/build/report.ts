import { formatSize } from '../util/units.ts';
import type { Plan } from './plan.ts';
import { formatSeconds } from './progress.ts';
import type { RunReport } from './runner.ts';

const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
const MIB = 2 ** 20;
/** Nix's dry-run style: MiB with two decimals. */
const nixMiB = (n: number) => `${(n / MIB).toFixed(2)} MiB`;

function columns(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows)
    for (const [i, c] of r.entries()) widths[i] = Math.max(widths[i] ?? 0, c.length);
  return rows.map((r) =>
    r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  '),
  );
}

/** What `larder plan` prints for people. */
export function renderPlan(plan: Plan): string {
  const out: string[] = [];
  const builds = [...plan.builds.values()].sort((a, b) => b.criticalPath - a.criticalPath);
  out.push(
    `${plan.nix.build} derivation(s) to build, ${plan.nix.fetch} path(s) to fetch (${nixMiB(plan.nix.downloadBytes)} download, ${nixMiB(plan.nix.unpackedBytes)} unpacked); hit rate ${pct(plan.hitRate)}`,
  );
  for (const s of plan.bySubstituter) {
    out.push(
      `  from ${s.url}: ${s.paths} path(s), ${formatSize(s.downloadBytes)} download, ${formatSize(s.unpackedBytes)} unpacked`,
    );
  }
  const located = plan.bySubstituter.reduce((n, s) => n + s.paths, 0);
  if (located < plan.nix.fetch)
    out.push(`  ${plan.nix.fetch - located} path(s) from a substituter larder could not ask`);
  if (builds.length > 0) {
    out.push('', 'to build (longest critical path first):');
    out.push(
      ...columns([
        ['name', 'tier', 'from', 'cores', 'memory', 'time', 'critical path', ''],
        ...builds.map((b) => [
          b.name,
          String(b.estimate.tier),
          b.estimate.tierSource,
          String(b.estimate.cores),
          formatSize(b.estimate.memory),
          formatSeconds(b.estimate.seconds),
          formatSeconds(b.criticalPath),
          b.refused
            ? `NOT HERE: ${b.refused}`
            : b.blockedBy
              ? `blocked by ${nameOf(plan, b.blockedBy)}`
              : '',
        ]),
      ]).map((l) => `  ${l}`.trimEnd()),
    );
    out.push(
      '',
      `critical path: ${plan.criticalChain.map((d) => nameOf(plan, d)).join(' → ') || '(none)'}`,
      `estimated makespan ${formatSeconds(plan.estimatedMakespan)} (lower bound ${formatSeconds(plan.lowerBound)})`,
    );
  }
  return out.join('\n');
}

function nameOf(plan: Plan, drv: string): string {
  return plan.builds.get(drv)?.name ?? drv;
}

/** The report `larder build` ends with. */
export function renderReport(r: RunReport): string {
  const out: string[] = [];
  out.push(
    `built ${r.built.length}, fetched ${r.fetched.paths} (${formatSize(r.fetched.downloadBytes)}), not built here ${r.refused.length + r.blocked.length}, failed ${r.failed.length}; hit rate ${pct(r.hitRate)}`,
    `peak memory ${formatSize(r.peakMemory)} of ${formatSize(r.memoryBudget)} budget; makespan ${formatSeconds(r.makespan)} (estimated ${formatSeconds(r.estimatedMakespan)}, lower bound ${formatSeconds(r.lowerBound)})`,
  );
  if (r.built.length > 0) {
    out.push(
      ...columns([
        ['built', 'tier', 'wall', 'cpu', 'peak', 'estimate'],
        ...[...r.built]
          .sort((a, b) => a.start - b.start)
          .map((b) => [
            b.name,
            String(b.tier),
            formatSeconds(b.wallSeconds),
            formatSeconds(b.cpuSeconds),
            formatSize(b.peakMemory),
            `${formatSize(b.estimate.memory)}, ${formatSeconds(b.estimate.seconds)}${b.attempts > 1 ? ' (retried alone)' : ''}`,
          ]),
      ]).map((l) => `  ${l}`),
    );
  }
  for (const f of r.failed) out.push(`failed: ${f.name}: ${f.error ?? f.outcome}`);
  if (!r.fetched.ok) out.push(`fetching failed: ${r.fetched.error}`);
  for (const x of r.refused) {
    out.push(
      `not built here: ${x.name} (${x.reason}); ${x.expectedFrom.length ? `it should have come from ${x.expectedFrom.join(' or ')}` : 'no substituter is configured to provide it'}`,
    );
  }
  for (const b of r.blocked)
    out.push(`not built: ${b.name} (needs ${b.by.replace(/^\/nix\/store\/[a-z0-9]{32}-/, '')})`);
  for (const f of r.flags) out.push(`flag: ${f.kind}: ${f.message}`);
  if (r.pushed) {
    out.push(
      `pushed ${r.pushed.paths} path(s) (${formatSize(r.pushed.bytes)}) to ${r.pushed.cache}${r.pushed.errors.length ? `; ${r.pushed.errors.length} push(es) failed: ${r.pushed.errors[0]}` : ''}`,
    );
  }
  for (const l of r.liveness) {
    out.push(
      l.error
        ? `could not tell ${l.cache} about ${l.paths} fetched path(s): ${l.error}`
        : `told ${l.cache} that ${l.paths} fetched path(s) are in use`,
    );
  }
  return out.join('\n');
}
