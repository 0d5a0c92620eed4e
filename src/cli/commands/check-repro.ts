import { defineCommand } from 'citty';
import { ClientError } from '../../client/index.ts';
import {
  checkRepro,
  findDiffoscope,
  renderReport,
  resolveWitness,
} from '../../tools/repro/index.ts';
import { connectionArgs, jsonArg, output } from '../shared.ts';
import { refuseUnknownOptions } from './tool-options.ts';

/** Every failure that is not a verdict exits 2, so 1 always means "not reproducible". */
function asError(err: unknown): never {
  const e = err as Error;
  if (e instanceof ClientError && e.exitCode === 2) throw e;
  if (e.name === 'CLIError') throw e;
  throw new ClientError(`check-repro: ${e.message}`, { exitCode: 2, cause: e });
}

const options = {
  installables: {
    type: 'positional',
    required: false,
    description: 'store paths, .drv paths, ./result links, or attributes with -f',
  },
  file: {
    type: 'string',
    alias: 'f',
    description: 'a Nix file whose attributes are the installables',
  },
  cache: {
    type: 'string',
    description:
      'also compare NarHashes with this cache: a larder cache name or a binary cache URL',
  },
  closure: {
    type: 'boolean',
    description: 'check every derivation in the closure and print a summary',
  },
  rebuild: {
    type: 'boolean',
    default: true,
    description: 'rebuild to compare (--no-rebuild: only ask the --cache witness)',
  },
  diffoscope: {
    type: 'boolean',
    default: true,
    description: 'run diffoscope on differing files when it is installed',
  },
  store: { type: 'string', description: "the Nix store to use (default: Nix's own)" },
  ...connectionArgs,
  ...jsonArg,
} as const;

export default defineCommand({
  meta: {
    name: 'check-repro',
    description:
      'Build, rebuild and compare (exit 0 reproducible, 1 not reproducible, 2 could not check); names every differing file',
  },
  args: options,
  async run({ args, rawArgs }) {
    refuseUnknownOptions('check-repro', rawArgs, options);
    try {
      if (args._.length === 0 && !args.file)
        throw new ClientError('check-repro: give an installable, or -f file.nix', { exitCode: 2 });
      if (args.rebuild === false && !args.cache)
        throw new ClientError('check-repro: --no-rebuild needs --cache to compare with', {
          exitCode: 2,
        });
      const witness = args.cache
        ? await resolveWitness(args.cache, { server: args.server, token: args.token })
        : undefined;
      const tty = !args.json && process.stderr.isTTY === true;
      const report = await checkRepro({
        installables: args._.map(String),
        file: args.file,
        store: args.store,
        closure: args.closure === true,
        rebuild: args.rebuild !== false,
        witness,
        diffoscope: args.diffoscope === false ? undefined : findDiffoscope(),
        onProgress: tty ? (line) => process.stderr.write(`\r\x1b[K${line}`) : undefined,
      });
      if (tty) process.stderr.write('\r\x1b[K');
      output(args.json, report, () => renderReport(report));
      process.exitCode = report.exitCode;
    } catch (err) {
      asError(err);
    }
  },
});
