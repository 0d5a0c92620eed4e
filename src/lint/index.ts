/**
 * `larder lint`: finds NIX_* build variables in Nix files that nixpkgs' build machinery does not
 * read (misspellings like NIX_LD_FLAGS), or uses it cannot honour, using a real Nix tokenizer.
 */
export { Catalog } from './catalog.ts';
export { lintSource } from './check.ts';
export { revision } from './data/revision.ts';
export type { VarInfo } from './data/types.ts';
export { type LintOptions, type LintResult, lintPaths } from './lint.ts';
export { FORMATS, type Format, report } from './report.ts';
export { type Finding, RULES, type RuleId } from './rules.ts';
export { suggest } from './suggest.ts';
export { MissingPathError } from './walk.ts';
