import { compilerVars } from './data/cc-vars.ts';
import { linkerVars } from './data/linker-vars.ts';
import { nixVars } from './data/nix-vars.ts';
import { stdenvVars } from './data/stdenv-vars.ts';
import type { VarInfo } from './data/types.ts';
import { saltedInternals, wrapperVars } from './data/wrapper-vars.ts';

/** Role suffixes of utils.bash accumulateRoles / role.bash getRole: build, host (''), target. */
export const ROLE_SUFFIXES = ['_FOR_BUILD', '_FOR_TARGET'] as const;

export type Known =
  | { how: 'exact'; info: VarInfo }
  | { how: 'role'; info: VarInfo; suffix: string }
  | { how: 'salted'; base: string; salt: string }
  | { how: 'allowed' };

/** Every name the data knows, in catalog order (wrappers first: they are the usual intent). */
export const allVars: VarInfo[] = [
  ...compilerVars,
  ...linkerVars,
  ...wrapperVars,
  ...stdenvVars,
  ...nixVars,
];

const byName = new Map(allVars.map((v) => [v.name, v]));
const saltable = new Set([
  ...saltedInternals,
  ...[...compilerVars, ...linkerVars, ...wrapperVars].filter((v) => v.roles).map((v) => v.name),
]);
// A salt is a platform config with `-`/`.` turned into `_`: lower case (x86_64_unknown_linux_gnu).
const SALTED = /^(NIX_[A-Z0-9_]+?)_([a-z0-9]+(?:_[a-z0-9]+)*)$/;

/** A catalog of known names plus names the user allows (e.g. `--allow NIX_LD`). */
export class Catalog {
  private readonly allowed: Set<string>;

  constructor(allow: Iterable<string> = []) {
    this.allowed = new Set(allow);
  }

  /** How `name` is read by the machinery, or undefined when nothing reads it. */
  lookup(name: string): Known | undefined {
    if (this.allowed.has(name)) return { how: 'allowed' };
    const info = byName.get(name);
    if (info) return { how: 'exact', info };
    for (const suffix of ROLE_SUFFIXES) {
      if (!name.endsWith(suffix)) continue;
      const base = byName.get(name.slice(0, -suffix.length));
      if (base?.roles) return { how: 'role', info: base, suffix };
    }
    const m = SALTED.exec(name);
    if (m && /[a-z]/.test(m[2] as string) && saltable.has(m[1] as string))
      return { how: 'salted', base: m[1] as string, salt: m[2] as string };
    return undefined;
  }

  /** The entry describing a known name (for role variants, its base entry). */
  info(name: string): VarInfo | undefined {
    const k = this.lookup(name);
    return k && (k.how === 'exact' || k.how === 'role') ? k.info : undefined;
  }
}
