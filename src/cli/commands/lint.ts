import { defineCommand } from 'citty';
import { ClientError } from '../../client/index.ts';
import { FORMATS, type Format, lintPaths, MissingPathError, report } from '../../lint/index.ts';

const OPTIONS = new Set(['_', 'paths', 'format', 'allow', 'debug']);

export default defineCommand({
  meta: {
    name: 'lint',
    description:
      'Check Nix files for NIX_* build variables that nixpkgs does not read, or cannot honour as written',
  },
  args: {
    paths: {
      type: 'positional',
      required: false,
      description: 'files or directories (default: .), searched for *.nix',
    },
    format: {
      type: 'string',
      description: 'output: text (file:line:col: message), json or sarif',
      default: 'text',
    },
    allow: {
      type: 'string',
      description: 'comma-separated NIX_ names to accept (read by tools outside nixpkgs)',
    },
    debug: { type: 'boolean', description: 'show stack traces on errors' },
  },
  async run({ args }) {
    const unknown = Object.keys(args).filter((k) => !OPTIONS.has(k) && args[k] !== undefined);
    if (unknown.length > 0)
      throw new ClientError(`lint: unknown option --${unknown[0]}`, { exitCode: 2 });
    const format = String(args.format) as Format;
    if (!FORMATS.includes(format))
      throw new ClientError(`lint: --format must be one of ${FORMATS.join(', ')}, not ${format}`, {
        exitCode: 2,
      });
    const allow = String(args.allow ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const paths = args._.length > 0 ? args._.map(String) : ['.'];
    const result = await lintPaths(paths, { allow }).catch((err: unknown) => {
      if (err instanceof MissingPathError)
        throw new ClientError(`lint: ${err.message}`, { exitCode: 2 });
      throw err;
    });
    const out = report(result, format);
    if (out) process.stdout.write(out);
    const n = result.findings.length;
    if (n > 0)
      throw new ClientError(
        `lint: ${n} problem${n === 1 ? '' : 's'} in ${result.files} file${result.files === 1 ? '' : 's'} checked`,
        { exitCode: 1 },
      );
  },
});
