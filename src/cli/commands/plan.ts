import { defineCommand } from 'citty';
import { findProfile, History, historyFile, makePlan, renderPlan } from '../../build/index.ts';
import { ClientError } from '../../client/index.ts';
import { jsonArg, output } from '../shared.ts';
import { buildArgs, larderServer, planJson } from './build-shared.ts';

export default defineCommand({
  meta: {
    name: 'plan',
    description: 'Show what would be built here and what fetched, with tiers and estimates',
  },
  args: { ...buildArgs, ...jsonArg },
  async run({ args }) {
    const installables = args._;
    if (installables.length === 0 && !args.file)
      throw new ClientError(
        'give at least one installable (a .drv, a .nix file, or -f file attr)',
        {
          exitCode: 2,
        },
      );
    const profile = findProfile(args.profile);
    const history = new History(historyFile());
    try {
      const plan = await makePlan({
        installables,
        file: args.file,
        store: args.store,
        profile,
        history,
        larder: larderServer(args),
      });
      output(args.json, planJson(plan, profile), () => renderPlan(plan));
    } finally {
      history.close();
    }
  },
});
