/**
 * How the machinery interprets a value, as the reading script shows it:
 * - flags: word-split into compiler/linker arguments (`$var` unquoted, mangleVarList);
 * - words: a space-separated list of names (NIX_HARDENING_ENABLE);
 * - bool: an integer switch (mangleVarBool's `let "x |= $v"`, or a test for `= 1`);
 * - nonempty: only tested for being non-empty;
 * - path, number, string: a single value.
 */
export type VarKind = 'flags' | 'words' | 'bool' | 'nonempty' | 'path' | 'number' | 'string';

export interface VarInfo {
  name: string;
  kind: VarKind;
  /** True when the wrappers also read NAME_FOR_BUILD and NAME_FOR_TARGET (utils.bash accumulateRoles). */
  roles?: boolean;
  /** Scripts (paths in nixpkgs) or documentation pages that read or set it. */
  source: string[];
  /** What it does, in one line. */
  does: string;
  /** Set by Nix or the machinery for builders to read, rather than by users. */
  providedBy?: 'nix' | 'stdenv' | 'wrapper';
  /** Read only by the newer `wrapper_` layout of the wrappers (commit 02f3ac6c). */
  newer?: boolean;
  note?: string;
}
