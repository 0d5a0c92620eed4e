/** Escapes text for HTML content and double- or single-quoted attributes. */
export const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A store path's name without its 32-character hash, escaped. */
export const storeName = (baseName: string): string => esc(baseName.slice(33));

/** "just now", "12 min ago", "5 h ago", "3 d ago". */
export function ago(iso: string, now: number): string {
  const m = Math.round((now - Date.parse(iso)) / 60_000);
  if (m < 1) return 'just now';
  if (m < 60) return `${m} min ago`;
  if (m < 48 * 60) return `${Math.round(m / 60)} h ago`;
  return `${Math.round(m / 1440)} d ago`;
}

/** A build time: "45 s", "40 min", "1 h 25 min". */
export function duration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const m = Math.round(seconds / 60);
  if (m < 60) return `${m} min`;
  return m % 60 === 0 ? `${m / 60} h` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

const sig3 = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 3 });

/** A root's value with three significant digits and thousands separators. */
export const value = (v: number): string => sig3.format(v);

/** A ratio as a percentage: "88%", "99.5%". */
export const percent = (r: number): string => `${(100 * r).toFixed(r > 0.99 && r < 1 ? 1 : 0)}%`;

/** "1 root", "3 roots", "1 miss", "2 misses". */
export const plural = (n: number, word: string): string =>
  `${n} ${word}${n === 1 ? '' : word.endsWith('s') ? 'es' : 's'}`;
