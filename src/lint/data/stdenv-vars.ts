import type { VarInfo } from './types.ts';

const SETUP = 'pkgs/stdenv/generic/setup.sh';
const MKDRV = 'pkgs/stdenv/generic/make-derivation.nix';
const ENV_DOC = 'https://nix.dev/manual/nix/stable/command-ref/env-common.html';
const BUILDER_DOC = 'https://nix.dev/manual/nix/stable/store/building.html';

/** Names stdenv's setup.sh and mkDerivation read or set. */
export const stdenvVars: VarInfo[] = [
  {
    name: 'NIX_NO_SELF_RPATH',
    kind: 'bool',
    source: [SETUP],
    does: 'when 1, setup.sh does not prepend -rpath $out/lib to NIX_LDFLAGS',
  },
  {
    name: 'NIX_LIB64_IN_SELF_RPATH',
    kind: 'nonempty',
    source: [SETUP],
    does: 'when non-empty, setup.sh also adds -rpath $out/lib64',
  },
  {
    name: 'NIX_LIB32_IN_SELF_RPATH',
    kind: 'nonempty',
    source: [SETUP],
    does: 'when non-empty, setup.sh also adds -rpath $out/lib32',
  },
  {
    name: 'NIX_BUILD_CORES',
    kind: 'number',
    providedBy: 'nix',
    source: [SETUP, BUILDER_DOC],
    does: 'build parallelism from Nix (cores setting); setup.sh turns 0 into the CPU count',
  },
  {
    name: 'NIX_SSL_CERT_FILE',
    kind: 'path',
    source: [SETUP, ENV_DOC],
    does: 'CA bundle; setup.sh sets /no-cert-file.crt in pure builds when unset',
  },
  {
    name: 'NIX_LOG_FD',
    kind: 'number',
    providedBy: 'nix',
    source: [SETUP, BUILDER_DOC],
    does: 'file descriptor for structured log messages (setup.sh reports phases on it)',
  },
  {
    name: 'NIX_ATTRS_JSON_FILE',
    kind: 'path',
    providedBy: 'nix',
    source: [SETUP, BUILDER_DOC],
    does: 'with __structuredAttrs: path of .attrs.json',
  },
  {
    name: 'NIX_ATTRS_SH_FILE',
    kind: 'path',
    providedBy: 'nix',
    source: [SETUP, BUILDER_DOC],
    does: 'with __structuredAttrs: path of .attrs.sh',
  },
  {
    name: 'NIX_BUILD_TOP',
    kind: 'path',
    providedBy: 'nix',
    source: [SETUP, 'pkgs/build-support/wrapper-common/utils.bash', BUILDER_DOC],
    does: 'the temporary build directory (the wrappers accept paths under it)',
  },
  {
    name: 'NIX_STORE',
    kind: 'path',
    providedBy: 'nix',
    source: ['pkgs/build-support/wrapper-common/utils.bash', BUILDER_DOC],
    does: 'the store directory (/nix/store); the wrappers purity checks compare against it',
  },
  {
    name: 'NIX_MAIN_PROGRAM',
    kind: 'string',
    providedBy: 'stdenv',
    source: [MKDRV],
    does: 'set by mkDerivation from meta.mainProgram',
  },
];
