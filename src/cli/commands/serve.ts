import { defineCommand } from 'citty';

export default defineCommand({
  meta: { name: 'serve', description: 'Run the binary cache server' },
  args: {
    listen: { type: 'string', description: 'HOST:PORT to listen on (default 127.0.0.1:7745)' },
    'data-dir': {
      type: 'string',
      description: 'where metadata and NARs live (default ./larder-data)',
    },
    config: { type: 'string', description: 'a larder.toml configuration file' },
    debug: { type: 'boolean', description: 'show stack traces on errors' },
  },
  async run({ args }) {
    const { main } = await import('../../server/index.ts');
    await main({ config: args.config, listen: args.listen, dataDir: args['data-dir'] });
  },
});
