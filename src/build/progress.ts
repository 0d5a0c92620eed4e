import { formatSize } from '../util/units.ts';
import type { Flag, RunState } from './runner.ts';

/** `1h02m`, `3m05s`, `42s`. */
export function formatSeconds(s: number): string {
  const n = Math.max(0, Math.round(s));
  if (n >= 3600)
    return `${Math.floor(n / 3600)}h${String(Math.floor((n % 3600) / 60)).padStart(2, '0')}m`;
  if (n >= 60) return `${Math.floor(n / 60)}m${String(n % 60).padStart(2, '0')}s`;
  return `${n}s`;
}

/**
 * The live view on a terminal: one line of counts, one line per running build with its
 * elapsed time and memory against its estimate. Redrawn in place; flags print above it.
 */
export class ProgressView {
  private drawn = 0;
  private readonly out: NodeJS.WriteStream;
  private readonly budget: number;

  constructor(out: NodeJS.WriteStream, budget: number) {
    this.out = out;
    this.budget = budget;
  }

  update(s: RunState): void {
    const width = this.out.columns || 100;
    const lines = [
      `building: ${s.done} done, ${s.running.length} running, ${s.left - s.running.length} waiting${s.failed ? `, ${s.failed} failed` : ''}${s.fetching ? ', fetching' : ''} · memory ${formatSize(s.memoryNow)} of ${formatSize(this.budget)} · ETA ${formatSeconds(s.eta)}`,
      ...s.running.map(
        (r) =>
          `  ${r.name}  tier ${r.tier}  ${formatSeconds(s.now - r.start)} of ~${formatSeconds(r.estimate.seconds)}  ${formatSize(r.usage.memory)} of ~${formatSize(r.estimate.memory)}${r.alone ? '  (alone)' : ''}`,
      ),
    ].map((l) => (l.length > width - 1 ? `${l.slice(0, width - 2)}…` : l));
    this.clear();
    this.out.write(`${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }

  flag(f: Flag): void {
    this.clear();
    this.out.write(`larder: ${f.kind}: ${f.message}\n`);
  }

  clear(): void {
    if (this.drawn > 0) this.out.write(`\x1b[${this.drawn}A\x1b[J`);
    this.drawn = 0;
  }
}
