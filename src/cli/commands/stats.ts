import { defineCommand } from 'citty';
import { formatSize } from '../../util/units.ts';
import { apiFrom, connectionArgs, jsonArg, output, table } from '../shared.ts';

interface Root {
  path: string;
  tier: number;
  tierReason: string;
  closureBytes: number;
  exclusiveBytes: number;
  value: number;
  rebuildSeconds: number;
}
interface Stats {
  cache: string;
  quota: number | null;
  totalBytes: number;
  bytesPerTier: Record<'1' | '2' | '3', number>;
  hitRate: number | null;
  hits: number;
  misses: number;
  bytesServed: number;
  mostValuable: Root[];
  nextToEvict: Root[];
}

const rootRows = (roots: Root[]) =>
  table([
    ['ROOT', 'TIER', 'WHY', 'FREES', 'REBUILD', 'VALUE'],
    ...roots.map((r) => [
      r.path.slice(33),
      String(r.tier),
      r.tierReason,
      formatSize(r.exclusiveBytes),
      `${r.rebuildSeconds}s`,
      String(r.value),
    ]),
  ]);

export default defineCommand({
  meta: {
    name: 'stats',
    description: 'Sizes per tier against the quota, hit rate, top and next-to-go roots',
  },
  args: {
    cache: { type: 'positional', required: true, description: 'cache name' },
    ...connectionArgs,
    ...jsonArg,
  },
  async run({ args }) {
    const s = await apiFrom(args).request<Stats>(
      'GET',
      `/_api/v1/${encodeURIComponent(args.cache)}/stats`,
    );
    output(args.json, s, () =>
      [
        `cache ${s.cache}: ${formatSize(s.totalBytes)}${s.quota === null ? ' (no quota)' : ` of ${formatSize(s.quota)} (${((100 * s.totalBytes) / s.quota).toFixed(0)}%)`}`,
        `  tier 1 ${formatSize(s.bytesPerTier['1'])}   tier 2 ${formatSize(s.bytesPerTier['2'])}   tier 3 ${formatSize(s.bytesPerTier['3'])}`,
        `  last 24 h: ${s.hits} hits, ${s.misses} misses${s.hitRate === null ? '' : ` (hit rate ${(100 * s.hitRate).toFixed(1)}%)`}, ${formatSize(s.bytesServed)} served`,
        '',
        'most valuable roots:',
        rootRows(s.mostValuable),
        '',
        'next to be evicted:',
        s.nextToEvict.length ? rootRows(s.nextToEvict) : '(nothing evictable)',
      ].join('\n'),
    );
  },
});
