import type { TierRule } from './types.ts';

/** `python3-*` style globs, or `/regex/` for a regular expression, on the name after the hash. */
export function compileMatch(pattern: string): RegExp {
  if (pattern.length > 2 && pattern.startsWith('/') && pattern.endsWith('/'))
    return new RegExp(pattern.slice(1, -1));
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/**
 * A matcher for `rules` with each pattern compiled once: the index of the first rule a root
 * matches, or -1. The name is asked for only when a rule has a pattern to test.
 */
export function ruleMatcher(
  rules: TierRule[],
): (name: () => string, buildSeconds: number | undefined, closureBytes: number) => number {
  const patterns = rules.map((r) => (r.match === undefined ? undefined : compileMatch(r.match)));
  return (name, buildSeconds, closureBytes) => {
    let known: string | undefined;
    for (const [index, rule] of rules.entries()) {
      const re = patterns[index];
      if (re) {
        known ??= name();
        if (!re.test(known)) continue;
      }
      if (rule.minBuildSeconds !== undefined && !((buildSeconds ?? 0) >= rule.minBuildSeconds))
        continue;
      if (rule.minSize !== undefined && closureBytes < rule.minSize) continue;
      return index;
    }
    return -1;
  };
}

/** The first rule a root matches: every condition a rule states must hold. */
export function matchRule(
  rules: TierRule[],
  root: { name: string; buildSeconds: number | undefined; closureBytes: number },
): { rule: TierRule; index: number } | undefined {
  const index = ruleMatcher(rules)(() => root.name, root.buildSeconds, root.closureBytes);
  const rule = rules[index];
  return rule ? { rule, index } : undefined;
}
