import { allVars, ROLE_SUFFIXES } from './catalog.ts';
import type { VarInfo } from './data/types.ts';

export interface Suggestion {
  name: string;
  does: string;
  score: number;
}

/** Levenshtein distance with two rows; names are short, so this stays cheap. */
export function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur.push(Math.min(sub, (prev[j] as number) + 1, (cur[j - 1] as number) + 1));
    }
    prev = cur;
  }
  return prev[b.length] as number;
}

const ratio = (a: string, b: string) => 1 - distance(a, b) / Math.max(a.length, b.length, 1);

/** Similarity of two `_`-separated words: equal, sharing a prefix (CXX, CXXSTDLIB), or close in spelling. */
function wordSim(a: string, b: string): number {
  if (a === b) return 1;
  let p = 0;
  while (p < a.length && a[p] === b[p]) p++;
  const r = Math.max(
    ratio(a, b),
    p >= 3 || (p >= 2 && p === Math.min(a.length, b.length))
      ? 0.5 + (0.4 * p) / Math.max(a.length, b.length)
      : 0,
  );
  return r >= 0.5 ? r : 0;
}

/** Word-level similarity: each word matched to its best partner, averaged over the longer list. */
function tokenSim(a: string[], b: string[]): number {
  let sum = 0;
  for (const w of a) sum += Math.max(0, ...b.map((v) => wordSim(w, v)));
  return sum / Math.max(a.length, b.length);
}

/** How alike a misspelled name and a real one are, in [0, 1]. */
export function similarity(wrong: string, real: string): number {
  const a = wrong.replace(/^NIX_/, '');
  const b = real.replace(/^NIX_/, '');
  if (a.replaceAll('_', '') === b.replaceAll('_', '')) return 0.99;
  const wa = a.split('_').filter(Boolean);
  const wb = b.split('_').filter(Boolean);
  if ([...wa].sort().join('_') === [...wb].sort().join('_')) return 0.95;
  return Math.max(ratio(a, b), tokenSim(wa, wb));
}

/**
 * The closest real names to an unknown one, best first. Role variants are candidates when the
 * name mentions a role, so NIX_CFLAGS_COMPILE_FOR_BUILD_BEFORE finds NIX_CFLAGS_COMPILE_BEFORE_FOR_BUILD.
 * Names only the newer wrapper layout reads rank slightly lower than names both layouts read.
 */
export function suggest(name: string, max = 3): Suggestion[] {
  const key = `${name} ${max}`;
  const hit = memo.get(key);
  if (hit) return hit;
  const found = rank(name, max);
  if (memo.size > 10_000) memo.clear();
  memo.set(key, found);
  return found;
}

// The same misspelling tends to recur across a tree; ranking it once keeps large trees fast.
const memo = new Map<string, Suggestion[]>();

function rank(name: string, max: number): Suggestion[] {
  const withRoles = name.includes('_FOR_');
  const scored: { v: VarInfo; name: string; score: number }[] = [];
  for (const v of allVars) {
    const names =
      withRoles && v.roles ? [v.name, ...ROLE_SUFFIXES.map((s) => v.name + s)] : [v.name];
    for (const n of names)
      scored.push({ v, name: n, score: similarity(name, n) * (v.newer ? 0.97 : 1) });
  }
  scored.sort((x, y) => y.score - x.score);
  const best = scored[0]?.score ?? 0;
  return scored
    .filter((s) => s.score >= 0.5 && s.score >= best - 0.3)
    .slice(0, max)
    .map((s) => ({ name: s.name, does: s.v.does, score: Math.round(s.score * 100) / 100 }));
}
