import { defineCommand } from 'citty';
import { ClientError, resolveSettings } from '../../client/index.ts';
import { push } from '../../client/push/index.ts';
import {
  ELF_KINDS,
  type ElfKind,
  PackageRefused,
  packageArtifact,
} from '../../tools/package/index.ts';
import { connectionArgs, jsonArg, output } from '../shared.ts';
import { refuseUnknownOptions } from './tool-options.ts';

/** `--expect-symbol a --expect-symbol b` or `--expect-symbol a,b`. */
function list(v: unknown): string[] {
  const xs = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return xs
    .flatMap((x) => String(x).split(','))
    .map((s) => s.trim())
    .filter(Boolean);
}

const options = {
  file: { type: 'positional', required: true, description: 'the shared object or executable' },
  name: { type: 'string', description: 'package name (required)' },
  version: { type: 'string', description: 'package version (required)' },
  'expect-elf': {
    type: 'string',
    description: 'refuse anything but a shared object or an executable: shared | executable',
  },
  'expect-symbol': {
    type: 'string',
    description: 'a symbol the file must export in its dynamic symbol table (repeatable, or a,b)',
  },
  machine: {
    type: 'string',
    description: 'CPU it must be built for (x86_64, aarch64, …, or any); default: this machine',
  },
  push: { type: 'string', description: 'push the package to this cache afterwards' },
  store: { type: 'string', description: "the Nix store to add to (default: Nix's own)" },
  ...connectionArgs,
  ...jsonArg,
} as const;

export default defineCommand({
  meta: {
    name: 'package',
    description:
      'Check a prebuilt ELF file (type, machine, exported symbols), add it to the Nix store as <name>-<version> (same inputs, same path), and optionally push it',
  },
  args: options,
  async run({ args, rawArgs }) {
    refuseUnknownOptions('package', rawArgs, options);
    if (!args.name || !args.version)
      throw new ClientError('package: --name and --version are required', { exitCode: 2 });
    const expectElf = args['expect-elf'] as string | undefined;
    if (expectElf !== undefined && !ELF_KINDS.includes(expectElf as ElfKind))
      throw new ClientError(
        `package: --expect-elf must be ${ELF_KINDS.join(' or ')}, not ${expectElf}`,
        { exitCode: 2 },
      );
    // Settings first: a push that cannot happen should fail before the store changes.
    const settings = args.push
      ? resolveSettings({ server: args.server, token: args.token })
      : undefined;
    const result = await packageArtifact({
      file: args.file,
      name: args.name,
      version: args.version,
      expectElf: expectElf as ElfKind | undefined,
      expectSymbols: list(args['expect-symbol']),
      machine: args.machine,
      store: args.store,
    }).catch((err: unknown) => {
      if (err instanceof PackageRefused)
        throw new ClientError(`package: refused: ${err.message}`, { exitCode: 1 });
      throw err;
    });
    const pushed =
      settings && args.push
        ? await push(settings, {
            cache: args.push,
            installables: [result.path],
            store: args.store,
            progress: !args.json && process.stderr.isTTY === true,
          })
        : undefined;
    output(args.json, { ...result, pushed }, () =>
      [
        result.path,
        ...(pushed
          ? [
              `pushed to ${pushed.cache}: ${pushed.uploaded === 0 ? 'it was already there' : `${pushed.uploaded} path uploaded`}`,
            ]
          : []),
      ].join('\n'),
    );
  },
});
