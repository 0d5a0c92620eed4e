import { defineRoute } from '../context.ts';
import { sendText } from '../respond.ts';

/**
 * Prometheus metrics: requests, narinfo hits and misses, bytes in and out, rejected
 * uploads (counters of this process), and stored paths and bytes per cache (from the index).
 */
export default defineRoute({
  methods: ['GET'],
  pattern: /^\/metrics$/,
  access: { kind: 'anyone' },
  async handle(ctx) {
    const gauges = [];
    for (const c of await ctx.deps.index.listCaches()) {
      const { paths, narBytes } = await ctx.deps.index.countPaths(c.name);
      gauges.push(
        {
          name: 'larder_cache_paths',
          help: 'Store paths in the cache.',
          labels: { cache: c.name },
          value: paths,
        },
        {
          name: 'larder_cache_bytes',
          help: 'Stored (compressed) NAR bytes of the cache.',
          labels: { cache: c.name },
          value: narBytes,
        },
      );
    }
    sendText(ctx.res, 200, ctx.deps.metrics.render(gauges), 'text/plain; version=0.0.4');
  },
});
