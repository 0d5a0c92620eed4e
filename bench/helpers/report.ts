import { machineLines } from './machine.ts';

/** One line of a result table; `ratio` is larder relative to the baseline. */
export interface Row {
  measure: string;
  baseline: string;
  larder: string;
  ratio: string;
  goal: string;
}

/** Prints the machine, then the rows as an aligned plain-text table. */
export function printReport(title: string, baselineName: string, rows: Row[]): void {
  const head: Row = {
    measure: 'measure',
    baseline: baselineName,
    larder: 'larder',
    ratio: 'ratio',
    goal: 'goal',
  };
  const cols = Object.keys(head) as (keyof Row)[];
  const width = (c: keyof Row) => Math.max(...[head, ...rows].map((r) => r[c].length));
  const line = (r: Row) =>
    cols
      .map((c, i) => (i === 0 ? r[c].padEnd(width(c)) : r[c].padStart(width(c))))
      .join('  ')
      .trimEnd();
  const out = [
    '',
    `== ${title}`,
    ...machineLines(),
    '',
    line(head),
    cols.map((c) => '-'.repeat(width(c))).join('  '),
    ...rows.map(line),
    '',
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

/** Progress on stderr, so stdout holds only the report. */
export function step(msg: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

export const mib = (bytes: number) => bytes / 2 ** 20;
export const fmt = (n: number, digits = 1) => n.toFixed(digits);
/** `larder / baseline` with two decimals and a `x`, e.g. `0.83x`. */
export const ratio = (larder: number, baseline: number) => `${(larder / baseline).toFixed(2)}x`;

/** The median of a non-empty list. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}
