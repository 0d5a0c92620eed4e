/** Human units used in configuration and on the command line: "5GiB", "30s". */

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  t: 1e12,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Parses "5GiB", "512 MB" or a plain number of bytes; throws on anything else. */
export function parseSize(input: string | number): number {
  if (typeof input === 'number' && Number.isSafeInteger(input) && input >= 0) return input;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(String(input));
  const factor = m ? SIZE_UNITS[m[2]?.toLowerCase() ?? ''] : undefined;
  if (!m || factor === undefined) {
    throw new Error(`not a size: ${JSON.stringify(input)} (use e.g. "5GiB", "200MB")`);
  }
  return Math.round(Number(m[1]) * factor);
}

/** Parses "30s", "10m", "1d" or a plain number of milliseconds. */
export function parseDuration(input: string | number): number {
  if (typeof input === 'number' && Number.isFinite(input) && input >= 0) return input;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/.exec(String(input));
  const factor = m ? DURATION_UNITS[m[2] ?? ''] : undefined;
  if (!m || factor === undefined) {
    throw new Error(`not a duration: ${JSON.stringify(input)} (use e.g. "30s", "10m", "1d")`);
  }
  return Math.round(Number(m[1]) * factor);
}

/** Formats a byte count for people: 1536 -> "1.5 KiB". */
export function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let n = bytes;
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${n.toFixed(n < 10 ? 2 : 1)} ${units[i]}`;
}
