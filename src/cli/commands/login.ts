import { defineCommand } from 'citty';
import { Api, saveSettings } from '../../client/index.ts';

export default defineCommand({
  meta: { name: 'login', description: 'Remember a server and token for later commands' },
  args: {
    url: {
      type: 'positional',
      required: true,
      description: 'server URL, e.g. http://cache.lan:7745',
    },
    token: {
      type: 'positional',
      required: true,
      description: 'a token from `larder token create` or admin.token',
    },
    debug: { type: 'boolean', description: 'show stack traces on errors' },
  },
  async run({ args }) {
    const settings = { server: args.url.replace(/\/+$/, ''), token: args.token };
    // Check before saving, so a typo is caught now rather than at the next push.
    const { caches } = await new Api(settings).request<{ caches: { name: string }[] }>(
      'GET',
      '/_api/v1/caches',
    );
    const file = saveSettings(settings);
    process.stdout.write(
      `logged in to ${settings.server}; ${caches.length} cache(s) visible: ${caches.map((c) => c.name).join(', ') || 'none'}\nsaved in ${file}\n`,
    );
  },
});
