import type { VarInfo } from './types.ts';

const CC = 'pkgs/build-support/cc-wrapper/';
const LD = 'pkgs/build-support/bintools-wrapper/';

/**
 * Per-role inputs of bintools-wrapper's add-flags.sh (var_templates_list/_bool): utils.bash
 * mangleVarList/mangleVarBool read NAME, NAME_FOR_BUILD and NAME_FOR_TARGET.
 */
export const linkerVars: VarInfo[] = [
  {
    name: 'NIX_LDFLAGS',
    kind: 'flags',
    roles: true,
    source: [`${LD}add-flags.sh`, `${LD}ld-wrapper.sh`, `${CC}cc-wrapper.sh`, `${LD}setup-hook.sh`],
    does: 'linker flags appended after the command line (passed as -Wl, by cc); dependencies add their -L dirs here',
  },
  {
    name: 'NIX_LDFLAGS_BEFORE',
    kind: 'flags',
    roles: true,
    source: [`${LD}add-flags.sh`, `${LD}ld-wrapper.sh`, `${CC}cc-wrapper.sh`],
    does: 'linker flags placed before the command line',
  },
  {
    name: 'NIX_LDFLAGS_AFTER',
    kind: 'flags',
    roles: true,
    source: [`${LD}add-flags.sh`, `${LD}ld-wrapper.sh`],
    does: 'linker flags appended last by ld-wrapper, also for links driven by the compiler',
  },
  {
    name: 'NIX_LDFLAGS_HARDEN',
    kind: 'flags',
    roles: true,
    source: [`${LD}add-flags.sh`],
    does: 'collected by bintools add-flags.sh; no reader of the result was found in the sources read',
  },
  {
    name: 'NIX_DYNAMIC_LINKER',
    kind: 'path',
    roles: true,
    source: [`${LD}add-flags.sh`, `${LD}ld-wrapper.sh`, `${CC}cc-wrapper.sh`],
    does: 'dynamic linker passed as -dynamic-linker for dynamically linked outputs',
  },
  {
    name: 'NIX_IGNORE_LD_THROUGH_GCC',
    kind: 'nonempty',
    roles: true,
    source: [`${LD}add-flags.sh`, `${LD}ld-wrapper.sh`],
    does: 'when non-empty, ld-wrapper skips its purity filter for links already checked by cc-wrapper',
  },
  {
    name: 'NIX_HARDENING_ENABLE',
    kind: 'words',
    roles: true,
    source: [
      `${LD}add-flags.sh`,
      `${CC}add-hardening.sh`,
      `${LD}add-hardening.sh`,
      'pkgs/stdenv/generic/make-derivation.nix',
    ],
    does: 'space-separated hardening features to enable; mkDerivation computes it from hardeningEnable/hardeningDisable',
  },
  {
    name: 'NIX_SET_BUILD_ID',
    kind: 'bool',
    roles: true,
    source: [`${LD}add-flags.sh`, `${LD}ld-wrapper.sh`],
    does: 'when 1, adds --build-id to final (non-relocatable) links',
  },
  {
    name: 'NIX_DONT_SET_RPATH',
    kind: 'bool',
    roles: true,
    source: [`${LD}add-flags.sh`, `${LD}ld-wrapper.sh`],
    does: 'when 1, ld-wrapper does not add -rpath for the -L dirs of linked libraries',
  },
];
