import type { VarInfo } from './types.ts';

const CC = 'pkgs/build-support/cc-wrapper/';

/**
 * Per-role inputs of cc-wrapper's add-flags.sh (var_templates_list/_bool) and add-gnat-extra-flags.sh:
 * utils.bash mangleVarList/mangleVarBool read NAME (host), NAME_FOR_BUILD and NAME_FOR_TARGET.
 */
export const compilerVars: VarInfo[] = [
  {
    name: 'NIX_CFLAGS_COMPILE',
    kind: 'flags',
    roles: true,
    source: [`${CC}add-flags.sh`, `${CC}cc-wrapper.sh`, `${CC}setup-hook.sh`],
    does: 'compiler flags appended after the command line on every C/C++ compile (dependencies add their -isystem include dirs here)',
  },
  {
    name: 'NIX_CFLAGS_COMPILE_BEFORE',
    kind: 'flags',
    roles: true,
    source: [`${CC}add-flags.sh`, `${CC}cc-wrapper.sh`],
    does: 'compiler flags placed before the command line, so the build system can override them',
  },
  {
    name: 'NIX_CFLAGS_LINK',
    kind: 'flags',
    roles: true,
    source: [`${CC}add-flags.sh`, `${CC}cc-wrapper.sh`],
    does: 'flags added to the compiler command only when it links (not with -c, -S, -E)',
  },
  {
    name: 'NIX_CXXSTDLIB_COMPILE',
    kind: 'flags',
    roles: true,
    source: [`${CC}add-flags.sh`, `${CC}cc-wrapper.sh`],
    does: 'C++ standard library compile flags, added only for C++ compiles (isCxx) unless -nostdinc++ is given',
  },
  {
    name: 'NIX_CXXSTDLIB_LINK',
    kind: 'flags',
    roles: true,
    source: [`${CC}add-flags.sh`, `${CC}cc-wrapper.sh`],
    does: 'C++ standard library link flags, added only when linking C++ without -nostdlib',
  },
  {
    name: 'NIX_GNATFLAGS_COMPILE',
    kind: 'flags',
    roles: true,
    source: [`${CC}add-flags.sh`, `${CC}gnat-wrapper.sh`],
    does: 'flags appended to gnatmake and gnatbind (Ada) invocations',
  },
  {
    name: 'NIX_GNATMAKE_CARGS',
    kind: 'flags',
    roles: true,
    source: [`${CC}add-gnat-extra-flags.sh`],
    does: 'compiler arguments gnatmake passes on to gcc',
    newer: true,
  },
  {
    name: 'NIX_FFLAGS_COMPILE',
    kind: 'flags',
    roles: true,
    source: [`${CC}add-flags.sh`, `${CC}cc-wrapper.sh`],
    does: 'Fortran (flang) compile flags appended after the command line',
    newer: true,
  },
  {
    name: 'NIX_FFLAGS_COMPILE_BEFORE',
    kind: 'flags',
    roles: true,
    source: [`${CC}add-flags.sh`, `${CC}cc-wrapper.sh`],
    does: 'Fortran (flang) compile flags placed before the command line',
    newer: true,
  },
  {
    name: 'NIX_ENFORCE_NO_NATIVE',
    kind: 'bool',
    roles: true,
    source: [`${CC}add-flags.sh`, `${CC}cc-wrapper.sh`],
    does: 'when 1, drops -march=native/-mtune=native (-m*=native) arguments as impure',
  },
];
