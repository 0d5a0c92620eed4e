import { defineCommand } from 'citty';
import { formatSize } from '../../util/units.ts';
import { apiFrom, connectionArgs, jsonArg, output, table } from '../shared.ts';

interface GcResult {
  cache: string;
  dryRun: boolean;
  quota: number | null;
  bytesBefore: number;
  bytesAfter: number;
  /** All roots evicted; `evictions` lists the first `limit` of them. */
  evictionCount: number;
  pathCount: number;
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
    limit: { type: 'string', description: 'roots to list (default 1000; totals cover all)' },
    ...connectionArgs,
    ...jsonArg,
  },
  async run({ args }) {
    const r = await apiFrom(args).request<GcResult>(
      'POST',
      `/_api/v1/${encodeURIComponent(args.cache)}/gc`,
      {
        dryRun: args['dry-run'] === true,
        ...(args.limit === undefined ? {} : { limit: Number(args.limit) }),
      },
    );
    output(args.json, r, () => {
      const head = `${r.dryRun ? 'would evict' : 'evicted'} ${r.evictionCount} root(s) from ${r.cache}: ${formatSize(r.bytesBefore)} -> ${formatSize(r.bytesAfter)}${r.quota === null ? '' : ` (quota ${formatSize(r.quota)})`}`;
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
      const more = r.evictionCount - r.evictions.length;
      return `${head}\n${table([['ROOT', 'TIER', 'WHY', 'FREES', 'PATHS', 'REBUILD', 'VALUE', ''], ...rows])}${more > 0 ? `\n… and ${more} more (--limit to list them)` : ''}`;
    });
  },
});
