import type { VarInfo } from './types.ts';

const CC = 'pkgs/build-support/cc-wrapper/';
const LD = 'pkgs/build-support/bintools-wrapper/';

/** Names the wrappers read directly, and the wrapper paths their setup hooks export per role. */
export const wrapperVars: VarInfo[] = [
  {
    name: 'NIX_ENFORCE_PURITY',
    kind: 'bool',
    source: [`${CC}cc-wrapper.sh`, `${LD}ld-wrapper.sh`, `${CC}gnat-wrapper.sh`],
    does: 'when 1, the wrappers drop or reject -I/-L/-rpath paths outside the store and build dir',
  },
  {
    name: 'NIX_DEBUG',
    kind: 'number',
    source: [`${CC}cc-wrapper.sh`, `${LD}ld-wrapper.sh`, 'pkgs/stdenv/generic/setup.sh'],
    does: 'verbosity: >=1 prints the flags the wrappers add, >=6 traces setup.sh, >=7 traces the wrappers',
  },
  {
    name: 'NIX_CC_USE_RESPONSE_FILE',
    kind: 'number',
    source: [`${CC}cc-wrapper.sh`],
    does: 'when >=1, cc-wrapper passes arguments through a response file (default set per wrapper)',
  },
  {
    name: 'NIX_LD_USE_RESPONSE_FILE',
    kind: 'number',
    source: [`${LD}ld-wrapper.sh`],
    does: 'when >=1, ld-wrapper passes arguments through a response file',
    newer: true,
  },
  {
    name: 'NIX_BUILD_ID_STYLE',
    kind: 'string',
    source: [`${LD}ld-wrapper.sh`],
    does: 'style given to --build-id= when NIX_SET_BUILD_ID is 1 (default sha1)',
    newer: true,
  },
  {
    name: 'NIX_COREFOUNDATION_RPATH',
    kind: 'path',
    source: [`${LD}ld-wrapper.sh`],
    does: 'Darwin: extra -rpath added to every link (read by the `_@suffixSalt@` layout only)',
  },
  {
    name: 'NIX_CC',
    kind: 'path',
    roles: true,
    providedBy: 'wrapper',
    source: [`${CC}setup-hook.sh`],
    does: 'store path of the C compiler wrapper, exported by its setup hook',
  },
  {
    name: 'NIX_BINTOOLS',
    kind: 'path',
    roles: true,
    providedBy: 'wrapper',
    source: [`${LD}setup-hook.sh`],
    does: 'store path of the binutils wrapper, exported by its setup hook',
  },
];

/**
 * Internal markers, always used with the wrapper's `@suffixSalt@` (its target platform config
 * with `-` and `.` replaced by `_`, e.g. NIX_CC_WRAPPER_TARGET_HOST_x86_64_unknown_linux_gnu).
 */
export const saltedInternals: string[] = [
  'NIX_CC_WRAPPER_TARGET_BUILD',
  'NIX_CC_WRAPPER_TARGET_HOST',
  'NIX_CC_WRAPPER_TARGET_TARGET',
  'NIX_BINTOOLS_WRAPPER_TARGET_BUILD',
  'NIX_BINTOOLS_WRAPPER_TARGET_HOST',
  'NIX_BINTOOLS_WRAPPER_TARGET_TARGET',
  'NIX_CC_WRAPPER_FLAGS_SET',
  'NIX_BINTOOLS_WRAPPER_FLAGS_SET',
  'NIX_LINK_TYPE',
];
