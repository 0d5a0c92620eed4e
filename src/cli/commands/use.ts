import { defineCommand } from 'citty';
import { resolveSettings } from '../../client/index.ts';
import { applyUse, planUse } from '../../client/use.ts';
import { connectionArgs, jsonArg, output } from '../shared.ts';

// The token is the user's own, but it has no business in a terminal's scrollback or a CI log.
const redact = (line: string) => line.replace(/(\bpassword\s+)\S+/g, '$1********');

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
    const write = !args.print && !plan.managedBy;
    if (write) applyUse(plan);
    for (const w of plan.warnings) {
      process.stderr.write(`larder: warning: ${w.join('\n')}\n`);
    }
    const verb = write ? 'wrote' : 'would write';
    output(
      args.json,
      {
        cache: plan.cache,
        url: plan.url,
        publicKey: plan.publicKey,
        written: write && plan.changes.length > 0,
        changes: plan.changes.map((c) => ({
          file: c.file,
          added: c.added.map(redact),
          removed: c.removed.map(redact),
        })),
        nixWillUse: plan.nixWillUse ?? null,
        warnings: plan.warnings.map((w) => w.join('\n')),
      },
      () =>
        plan.changes.length === 0
          ? `nothing to change: cache ${plan.cache} (${plan.url}) is already configured`
          : plan.changes
              .map((c) =>
                [
                  `${verb} ${c.file}:`,
                  ...c.removed.map((l) => `  - ${redact(l)}`),
                  ...c.added.map((l) => `  + ${redact(l)}`),
                ].join('\n'),
              )
              .join('\n'),
    );
    // A generated file cannot be written: the lines are shown, and the command fails.
    if (!args.print && plan.managedBy) applyUse(plan);
  },
});
