import { defineCommand } from 'citty';
import { resolveSettings } from '../../client/index.ts';
import { applyUse, planUse } from '../../client/use.ts';
import { connectionArgs, jsonArg, output } from '../shared.ts';

export default defineCommand({
  meta: {
    name: 'use',
    description: "Add a cache's substituter, key and netrc entry to your Nix configuration",
  },
  args: {
    cache: { type: 'positional', required: true, description: 'cache name' },
    print: { type: 'boolean', description: 'only show what would be written' },
    ...connectionArgs,
    ...jsonArg,
  },
  async run({ args }) {
    const plan = await planUse(
      resolveSettings({ server: args.server, token: args.token }),
      args.cache,
    );
    if (!args.print) applyUse(plan);
    for (const w of plan.warnings) process.stderr.write(`larder: ${w}\n`);
    const redact = (s: string) => s.replace(/password \S+/g, 'password ********');
    output(
      args.json,
      {
        url: plan.url,
        publicKey: plan.publicKey,
        written: !args.print,
        changes: plan.changes.map((c) => c.file),
        warnings: plan.warnings,
      },
      () =>
        plan.changes.length === 0
          ? `nothing to change: ${args.cache} is already configured`
          : plan.changes
              .map(
                (c) =>
                  `${args.print ? 'would write' : 'wrote'} ${c.file}:\n${redact(c.after).replace(/^/gm, '  ')}`,
              )
              .join('\n'),
    );
  },
});
