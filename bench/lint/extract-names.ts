// Re-derives the NIX_* names nixpkgs' build machinery reads, from a nixpkgs checkout, and
// compares them with src/lint/data. This is how the data was made (see data/revision.ts for the
// commits read); run it against a newer nixpkgs to see what changed:
//
//   git clone --depth 1 https://github.com/NixOS/nixpkgs /tmp/nixpkgs
//   node bench/lint/extract-names.ts /tmp/nixpkgs
//
// Method, after the scripts themselves:
// 1. add-flags.sh (cc and bintools) list the per-role inputs in var_templates_list/_bool and hand
//    them to utils.bash mangleVarList/mangleVarBool, which read NAME, NAME_FOR_BUILD and
//    NAME_FOR_TARGET (accumulateRoles). add-gnat-extra-flags.sh calls mangleVarList directly.
// 2. Every other `NIX_...` the scripts mention is read or set directly. Internal spellings are
//    folded to the public name: `NAME_@suffixSalt@` (salted copy) and `wrapper_NAME` (private copy).
// 3. Names with an `@...@` template part (NIX_@wrapperName@_TARGET_HOST_@suffixSalt@) are the
//    salted internal markers, listed in data/wrapper-vars.ts saltedInternals.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allVars } from '../../src/lint/catalog.ts';
import { saltedInternals } from '../../src/lint/data/wrapper-vars.ts';

const FILES = [
  'pkgs/build-support/cc-wrapper/add-flags.sh',
  'pkgs/build-support/cc-wrapper/cc-wrapper.sh',
  'pkgs/build-support/cc-wrapper/add-hardening.sh',
  'pkgs/build-support/cc-wrapper/setup-hook.sh',
  'pkgs/build-support/cc-wrapper/gnat-wrapper.sh',
  'pkgs/build-support/cc-wrapper/add-gnat-extra-flags.sh',
  'pkgs/build-support/bintools-wrapper/add-flags.sh',
  'pkgs/build-support/bintools-wrapper/ld-wrapper.sh',
  'pkgs/build-support/bintools-wrapper/add-hardening.sh',
  'pkgs/build-support/bintools-wrapper/setup-hook.sh',
  'pkgs/build-support/wrapper-common/utils.bash',
  'pkgs/build-support/setup-hooks/role.bash',
  'pkgs/stdenv/generic/setup.sh',
  'pkgs/stdenv/generic/make-derivation.nix',
];

const root = process.argv[2];
if (!root) {
  console.error('usage: node bench/lint/extract-names.ts NIXPKGS_CHECKOUT');
  process.exit(2);
}

const roles = new Set<string>();
const direct = new Map<string, Set<string>>();
const note = (name: string, file: string) =>
  direct.set(name, (direct.get(name) ?? new Set()).add(file));

for (const file of FILES) {
  const path = join(root, file);
  if (!existsSync(path)) {
    console.log(`missing: ${file}`);
    continue;
  }
  // Comments explain the machinery with example names; only code counts.
  const text = readFileSync(path, 'utf8').replace(/^\s*#.*$/gm, '');
  for (const block of text.matchAll(/var_templates_(?:list|bool)=\(([^)]*)\)/g))
    for (const name of (block[1] ?? '').split(/\s+/).filter(Boolean))
      roles.add(name.replace(/^NIX\+/, 'NIX_'));
  for (const m of text.matchAll(/mangleVar(?:List|Bool|Single) (NIX_[A-Z0-9_]+)/g))
    roles.add(m[1] as string);
  for (const m of text.matchAll(
    /(?:wrapper_)?(NIX_[A-Z0-9_@a-zA-Z]*[A-Z0-9])(?:_@suffixSalt@)?/g,
  )) {
    const name = (m[1] as string).replace(/_@suffixSalt@$/, '');
    if (!name.includes('@')) note(name, file);
  }
}

const known = new Set(allVars.map((v) => v.name));
console.log('name\troles\tread or set in');
for (const name of [...new Set([...roles, ...direct.keys()])].sort())
  console.log(
    `${name}\t${roles.has(name) ? 'yes' : ''}\t${[...(direct.get(name) ?? [])].join(' ')}`,
  );
const fromSources = new Set([...roles, ...direct.keys()]);
const missing = [...fromSources].filter((n) => !known.has(n) && !saltedInternals.includes(n));
const extra = [...known].filter((n) => !fromSources.has(n));
console.log(`\nin the sources but not in src/lint/data: ${missing.join(' ') || '(none)'}`);
console.log(
  `in src/lint/data but not in these sources (Nix docs, other layouts): ${extra.join(' ') || '(none)'}`,
);
const wrongRoles = allVars
  .filter((v) => Boolean(v.roles) !== roles.has(v.name) && fromSources.has(v.name))
  .map((v) => v.name);
console.log(`role flag differs from the sources: ${wrongRoles.join(' ') || '(none)'}`);
