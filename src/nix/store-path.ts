import { NixFormatError } from './errors.ts';

export const DEFAULT_STORE_DIR = '/nix/store';

/** A store path split into its parts; `baseName` is `<hashPart>-<name>`. */
export interface StorePath {
  hashPart: string;
  name: string;
  baseName: string;
}

/** 160 bits in nix-base32 (src/libstore/path.hh `HashLen`). */
export const HASH_PART_LENGTH = 32;
/** Longest name after the hash part (path.cc `checkName`, `MaxPathLen` in newer Nix). */
export const MAX_NAME_LENGTH = 211;

const HASH_PART = /^[0-9a-df-np-sv-z]{32}$/;
const NAME_CHARS = /^[A-Za-z0-9+\-._?=]+$/;

/** True when `s` is a 32-character nix-base32 hash part. */
export const isValidHashPart = (s: string): boolean => HASH_PART.test(s);

/**
 * Why `name` cannot follow a store path's hash part, or undefined when it can. Rules from
 * src/libstore/path.cc `checkName`: 1..211 characters of `[A-Za-z0-9+-._?=]`; newer Nix
 * also rejects `.` and `..` as the first dash-separated component (`.`, `..`, `.-x`, `..-x`),
 * which Nix 2.8 accepted; no real package has such a name, so larder follows the stricter rule.
 */
export function storePathNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the name is empty';
  if (name.length > MAX_NAME_LENGTH) return `the name is longer than ${MAX_NAME_LENGTH} characters`;
  if (!NAME_CHARS.test(name)) return `the name '${name}' has a character outside [A-Za-z0-9+-._?=]`;
  const first = name.split('-', 1)[0];
  if (first === '.' || first === '..') return `the name '${name}' starts with '${first}'`;
  return undefined;
}

/** Parses `<hashPart>-<name>` (no directory), as path.cc `StorePath::StorePath` does. */
export function parseStorePathBaseName(s: string, field?: string): StorePath {
  const hashPart = s.slice(0, HASH_PART_LENGTH);
  if (s.length < HASH_PART_LENGTH + 2 || s[HASH_PART_LENGTH] !== '-') {
    throw new NixFormatError(`'${s}' is not <32-character hash>-<name>`, field);
  }
  if (!isValidHashPart(hashPart)) {
    throw new NixFormatError(`'${s}' has a hash part that is not nix-base32`, field);
  }
  const name = s.slice(HASH_PART_LENGTH + 1);
  const problem = storePathNameProblem(name);
  if (problem) throw new NixFormatError(`'${s}' is not a valid store path: ${problem}`, field);
  return { hashPart, name, baseName: s };
}

/**
 * Parses a full store path `<storeDir>/<hashPart>-<name>`. Unlike Nix, which canonicalises
 * first (store-api.cc `parseStorePath`), any spelling other than the canonical one is refused:
 * trailing slashes, `//`, `.`/`..` segments and paths inside a store object.
 */
export function parseStorePath(
  full: string,
  storeDir: string = DEFAULT_STORE_DIR,
  field?: string,
): StorePath {
  const prefix = `${storeDir}/`;
  if (!full.startsWith(prefix))
    throw new NixFormatError(`'${full}' is not in the Nix store ${storeDir}`, field);
  const base = full.slice(prefix.length);
  if (base.includes('/'))
    throw new NixFormatError(
      `'${full}' is not a store path (it has a subpath or trailing slash)`,
      field,
    );
  return parseStorePathBaseName(base, field);
}

/** `<storeDir>/<baseName>`. */
export const printStorePath = (p: StorePath, storeDir: string = DEFAULT_STORE_DIR): string =>
  `${storeDir}/${p.baseName}`;
