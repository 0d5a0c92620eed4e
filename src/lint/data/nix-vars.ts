import type { VarInfo } from './types.ts';

const ENV_DOC = 'https://nix.dev/manual/nix/stable/command-ref/env-common.html';

/** Variables Nix itself documents (env-common page and the builder environment). */
export const nixVars: VarInfo[] = [
  { name: 'NIX_PATH', kind: 'string', source: [ENV_DOC], does: 'search path for <...> lookups' },
  {
    name: 'NIX_IGNORE_SYMLINK_STORE',
    kind: 'bool',
    source: [ENV_DOC],
    does: 'allow a symlink in the store path',
  },
  { name: 'NIX_STORE_DIR', kind: 'path', source: [ENV_DOC], does: 'overrides the store location' },
  {
    name: 'NIX_DATA_DIR',
    kind: 'path',
    source: [ENV_DOC],
    does: 'overrides the static data directory',
  },
  {
    name: 'NIX_LOG_DIR',
    kind: 'path',
    source: [ENV_DOC],
    does: 'overrides the build log directory',
  },
  { name: 'NIX_STATE_DIR', kind: 'path', source: [ENV_DOC], does: 'overrides the state directory' },
  {
    name: 'NIX_CONF_DIR',
    kind: 'path',
    source: [ENV_DOC],
    does: 'overrides the system configuration directory',
  },
  { name: 'NIX_CONFIG', kind: 'string', source: [ENV_DOC], does: 'inline configuration settings' },
  {
    name: 'NIX_USER_CONF_FILES',
    kind: 'string',
    source: [ENV_DOC],
    does: 'overrides the user configuration file locations',
  },
  { name: 'NIX_REMOTE', kind: 'string', source: [ENV_DOC], does: 'store to use (e.g. daemon)' },
  { name: 'NIX_SHOW_STATS', kind: 'bool', source: [ENV_DOC], does: 'print evaluator statistics' },
  {
    name: 'NIX_SHOW_STATS_PATH',
    kind: 'path',
    source: [ENV_DOC],
    does: 'where NIX_SHOW_STATS writes',
  },
  {
    name: 'NIX_COUNT_CALLS',
    kind: 'bool',
    source: [ENV_DOC],
    does: 'count function calls during evaluation',
  },
  {
    name: 'NIX_BUILD_SHELL',
    kind: 'path',
    source: ['https://nix.dev/manual/nix/stable/command-ref/nix-shell.html'],
    does: 'shell nix-shell starts',
  },
  {
    name: 'NIX_SSHOPTS',
    kind: 'string',
    source: ['https://nix.dev/manual/nix/stable/command-ref/nix-copy-closure.html'],
    does: 'extra ssh options for copying to/from remote stores',
  },
];
