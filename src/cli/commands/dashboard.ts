import { defineCommand } from 'citty';
import { apiFrom, connectionArgs, jsonArg, output } from '../shared.ts';

export default defineCommand({
  meta: {
    name: 'dashboard',
    description: 'Print a one-time link that signs a browser in to the dashboard',
  },
  args: { ...connectionArgs, ...jsonArg },
  async run({ args }) {
    const r = await apiFrom(args).request<{ url: string }>('POST', '/_api/v1/dashboard/link');
    output(args.json, r, () => `${r.url}\n(valid once, for 5 minutes)`);
  },
});
