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

/** The first rule a root matches: every condition a rule states must hold. */
export function matchRule(
  rules: TierRule[],
  root: { name: string; buildSeconds: number | undefined; closureBytes: number },
): { rule: TierRule; index: number } | undefined {
  for (const [index, rule] of rules.entries()) {
    if (rule.match !== undefined && !compileMatch(rule.match).test(root.name)) continue;
    if (rule.minBuildSeconds !== undefined && !((root.buildSeconds ?? 0) >= rule.minBuildSeconds))
      continue;
    if (rule.minSize !== undefined && root.closureBytes < rule.minSize) continue;
    return { rule, index };
  }
  return undefined;
}
