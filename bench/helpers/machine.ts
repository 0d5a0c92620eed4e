import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg, totalmem } from 'node:os';

/** What a figure was measured on: printed above every bench table, as issue 2 asks. */
export function machineLines(): string[] {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown';
  return [
    `date:    ${new Date().toISOString()}`,
    `machine: nproc ${availableParallelism()}, RAM ${(totalmem() / 2 ** 30).toFixed(1)} GiB, CPU ${model}`,
    `node:    ${process.version}`,
    // Other work on the machine skews every figure; the ratios, taken side by side, less so.
    `load:    ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (1, 5, 15 min) at the end of the run`,
  ];
}
