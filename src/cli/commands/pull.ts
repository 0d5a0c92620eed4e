import { defineCommand } from 'citty';
import { ClientError, resolveSettings } from '../../client/index.ts';
import { pull } from '../../client/pull.ts';
import { formatSize } from '../../util/units.ts';
import { connectionArgs, jsonArg, output } from '../shared.ts';

export default defineCommand({
  meta: {
    name: 'pull',
    description: 'Fetch closures (or every root of some tiers) into the local store ahead of time',
  },
  args: {
    cache: { type: 'positional', required: true, description: 'cache name' },
    installables: {
      type: 'positional',
      required: false,
      description: 'store paths, ./result links or .drv files',
    },
    tier: { type: 'string', description: 'also every root of these tiers, e.g. 1,2' },
    store: { type: 'string', description: "the Nix store to fill (default: Nix's own)" },
    ...connectionArgs,
    ...jsonArg,
  },
  async run({ args }) {
    const installables = args._.slice(1);
    const tiers = args.tier?.split(',').map(Number);
    if (tiers && !tiers.every((t) => t === 1 || t === 2 || t === 3))
      throw new ClientError('--tier takes a list of 1, 2, 3', { exitCode: 2 });
    if (installables.length === 0 && !tiers)
      throw new ClientError('give store paths to pull, or --tier', { exitCode: 2 });
    const s = await pull(resolveSettings({ server: args.server, token: args.token }), {
      cache: args.cache,
      installables,
      tiers,
      store: args.store,
      progress: Boolean(process.stderr.isTTY) && !args.json,
    });
    const closure = s.fetched + s.alreadyPresent;
    output(args.json, s, () =>
      s.fetched === 0
        ? `nothing to fetch: all ${closure} paths of the closure are already in the store`
        : `fetched ${s.fetched} paths from ${s.cache} (${formatSize(s.downloadBytes)} download, ${formatSize(s.unpackedBytes)} unpacked); ${s.alreadyPresent} of ${closure} were already in the store`,
    );
  },
});
