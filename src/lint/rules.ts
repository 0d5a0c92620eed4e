import type { Suggestion } from './suggest.ts';

export type RuleId =
  | 'nix-var-unknown'
  | 'nix-var-unknown-read'
  | 'nix-var-env-list'
  | 'nix-var-env-overlap'
  | 'nix-var-structured-not-exported'
  | 'nix-var-bool-value'
  | 'nix-var-hardening-overridden';

export type Severity = 'error' | 'warning';

export interface Rule {
  id: RuleId;
  severity: Severity;
  summary: string;
  /** Why, with the source that shows it. */
  why: string;
}

const MKDRV = 'pkgs/stdenv/generic/make-derivation.nix';

/** Every rule, each backed by what a nixpkgs source does (see src/lint/data/revision.ts). */
export const RULES: Record<RuleId, Rule> = {
  'nix-var-unknown': {
    id: 'nix-var-unknown',
    severity: 'warning',
    summary: 'NIX_ variable that nothing reads',
    why: 'cc-wrapper, bintools-wrapper and stdenv setup.sh read a fixed set of NIX_ names (plus _FOR_BUILD/_FOR_TARGET variants); any other name is exported to the build and silently ignored',
  },
  'nix-var-unknown-read': {
    id: 'nix-var-unknown-read',
    severity: 'warning',
    summary: 'expansion of a NIX_ variable that nothing sets',
    why: 'neither Nix, stdenv nor the wrappers set this name, so unless the expression sets it itself it expands to an empty string',
  },
  'nix-var-env-list': {
    id: 'nix-var-env-list',
    severity: 'error',
    summary: 'list value in mkDerivation env',
    why: `${MKDRV} checkedEnv throws unless every env value is a string, boolean, integer or derivation; use toString [ ... ] or lib.concatStringsSep " " [ ... ]`,
  },
  'nix-var-env-overlap': {
    id: 'nix-var-env-overlap',
    severity: 'error',
    summary: 'the same NIX_ variable in env and as a derivation argument',
    why: `${MKDRV} throws "The env attribute set cannot contain any attributes passed to derivation"; mkDerivation also passes NIX_HARDENING_ENABLE itself when hardeningEnable/hardeningDisable are set`,
  },
  'nix-var-structured-not-exported': {
    id: 'nix-var-structured-not-exported',
    severity: 'warning',
    summary: 'NIX_ variable outside env with __structuredAttrs',
    why: 'with __structuredAttrs, setup.sh exports only the attributes in env ("export variables from env to the environment"); the wrappers are separate processes that read the environment, so a plain attribute never reaches them',
  },
  'nix-var-bool-value': {
    id: 'nix-var-bool-value',
    severity: 'warning',
    summary: 'non-numeric value for an integer switch',
    why: 'utils.bash mangleVarBool evaluates the value in bash arithmetic (let "x |= value") and other readers test for 1, so "true" or "yes" count as 0 (off); use 1 (or Nix true)',
  },
  'nix-var-hardening-overridden': {
    id: 'nix-var-hardening-overridden',
    severity: 'warning',
    summary: 'NIX_HARDENING_ENABLE set next to hardeningEnable/hardeningDisable',
    why: `${MKDRV} replaces a NIX_HARDENING_ENABLE argument with the list it computes from hardeningEnable/hardeningDisable, so the value written here is ignored`,
  },
};

export interface Finding {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  rule: RuleId;
  severity: Severity;
  /** The NIX_ name the finding is about. */
  name: string;
  message: string;
  suggestions: Suggestion[];
}
