import { defineCommand } from 'citty';
import { ClientError, resolveSettings } from '../../client/index.ts';
import { push } from '../../client/push/index.ts';
import { formatSize } from '../../util/units.ts';
import { connectionArgs, jsonArg, output } from '../shared.ts';

export default defineCommand({
  meta: { name: 'push', description: 'Push whole closures to a cache' },
  args: {
    cache: { type: 'positional', required: true, description: 'cache name' },
    installables: {
      type: 'positional',
      required: false,
      description: 'store paths, ./result links, .drv files, or attributes with -f',
    },
    file: {
      type: 'string',
      alias: 'f',
      description: 'a Nix file whose attributes are the installables',
    },
    tier: {
      type: 'string',
      description: 'tier of the pushed roots: 1 keep, 2 keep while room, 3 cheap',
    },
    'build-seconds': { type: 'string', description: 'what the roots cost to build, in seconds' },
    jobs: { type: 'string', description: 'parallel uploads (default 4)' },
    'compression-level': {
      type: 'string',
      description: 'zstd level 1-19 (default 3, as Nix; 1 is faster, NARs ~18% larger)',
    },
    store: { type: 'string', description: "the Nix store to read from (default: Nix's own)" },
    ...connectionArgs,
    ...jsonArg,
  },
  async run({ args }) {
    const installables = args._.slice(1);
    if (installables.length === 0 && !args.file)
      throw new ClientError('give at least one store path or installable to push', { exitCode: 2 });
    const tier = args.tier === undefined ? undefined : Number(args.tier);
    if (tier !== undefined && ![1, 2, 3].includes(tier))
      throw new ClientError('--tier must be 1, 2 or 3', { exitCode: 2 });
    const buildSeconds =
      args['build-seconds'] === undefined ? undefined : Number(args['build-seconds']);
    if (buildSeconds !== undefined && !(buildSeconds >= 0))
      throw new ClientError('--build-seconds must be a number of seconds', { exitCode: 2 });
    const jobs = args.jobs === undefined ? 4 : Number(args.jobs);
    if (!Number.isInteger(jobs) || jobs < 1)
      throw new ClientError('--jobs must be a positive whole number', { exitCode: 2 });
    const level = args['compression-level'] === undefined ? 3 : Number(args['compression-level']);
    if (!Number.isInteger(level) || level < 1 || level > 19)
      throw new ClientError('--compression-level must be a whole number from 1 to 19', {
        exitCode: 2,
      });
    const s = await push(resolveSettings({ server: args.server, token: args.token }), {
      cache: args.cache,
      installables,
      file: args.file,
      store: args.store,
      tier,
      buildSeconds,
      jobs,
      compressionLevel: level,
      progress: !args.json && process.stderr.isTTY === true,
    });
    output(args.json, s, () =>
      s.uploaded === 0
        ? `nothing to upload: all ${s.skipped} paths of the closure are already in ${s.cache}${s.upstream ? ` (${s.upstream} of them on its upstreams)` : ''}`
        : `pushed ${s.uploaded} paths to ${s.cache} (${formatSize(s.bytes)} compressed, ${formatSize(s.narBytes)} NAR) in ${s.seconds.toFixed(1)} s; ${s.skipped} already there${s.upstream ? ` (${s.upstream} on its upstreams)` : ''}`,
    );
  },
});
