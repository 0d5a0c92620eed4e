import { defineCommand } from 'citty';
import { ClientError } from '../../client/index.ts';
import { apiFrom, connectionArgs, jsonArg, output } from '../shared.ts';

export default defineCommand({
  meta: {
    name: 'pin',
    description: 'Make a path a root of the cache and set its tier (its whole closure follows)',
  },
  args: {
    cache: { type: 'positional', required: true, description: 'cache name' },
    path: { type: 'positional', required: true, description: 'store path' },
    tier: {
      type: 'string',
      default: '1',
      description: 'tier 1 (keep), 2 (keep while room) or 3 (cheap)',
    },
    ...connectionArgs,
    ...jsonArg,
  },
  async run({ args }) {
    const tier = Number(args.tier);
    if (![1, 2, 3].includes(tier))
      throw new ClientError('--tier must be 1, 2 or 3', { exitCode: 2 });
    const r = await apiFrom(args).request<{ path: string; tier: number }>(
      'POST',
      `/_api/v1/${encodeURIComponent(args.cache)}/pin`,
      { path: args.path, tier },
    );
    output(args.json, r, () => `pinned ${r.path} in ${args.cache} as tier ${r.tier}`);
  },
});
