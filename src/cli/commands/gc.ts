import { defineCommand } from 'citty';
import { formatSize } from '../../util/units.ts';
import { apiFrom, connectionArgs, jsonArg, output, table } from '../shared.ts';

interface GcResult {
  cache: string;
  dryRun: boolean;
  quota: number | null;
  bytesBefore: number;
  bytesAfter: number;
  evictions: {
    root: string;
    tier: number;
    reason: string;
    value: number;
    rebuildSeconds: number;
    rebuildEstimated: boolean;
    paths: number;
    bytesFreed: number;
    skipped: boolean;
  }[];
}

export default defineCommand({
  meta: { name: 'gc', description: 'Show (--dry-run) or run the eviction plan of a cache' },
  args: {
    cache: { type: 'positional', required: true, description: 'cache name' },
    'dry-run': { type: 'boolean', description: 'only show what would be evicted' },
    ...connectionArgs,
    ...jsonArg,
  },
  async run({ args }) {
    const r = await apiFrom(args).request<GcResult>(
      'POST',
      `/_api/v1/${encodeURIComponent(args.cache)}/gc`,
      { dryRun: args['dry-run'] === true },
    );
    output(args.json, r, () => {
      const head = `${r.dryRun ? 'would evict' : 'evicted'} ${r.evictions.length} root(s) from ${r.cache}: ${formatSize(r.bytesBefore)} -> ${formatSize(r.bytesAfter)}${r.quota === null ? '' : ` (quota ${formatSize(r.quota)})`}`;
      if (r.evictions.length === 0) return `${head}\nnothing to evict`;
      const rows = r.evictions.map((e) => [
        e.root.slice(33),
        String(e.tier),
        e.reason === 'tier3-ttl' ? 'tier-3 TTL' : 'quota',
        formatSize(e.bytesFreed),
        String(e.paths),
        `${e.rebuildSeconds}s${e.rebuildEstimated ? ' (est.)' : ''}`,
        String(e.value),
        e.skipped ? 'skipped: referenced by a new push' : '',
      ]);
      return `${head}\n${table([['ROOT', 'TIER', 'WHY', 'FREES', 'PATHS', 'REBUILD', 'VALUE', ''], ...rows])}`;
    });
  },
});
