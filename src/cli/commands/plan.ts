import { defineCommand } from 'citty';
import { findProfile, History, historyFile, renderPlan } from '../../build/index.ts';
import { jsonArg, output } from '../shared.ts';
import { buildArgs, planFromArgs, planJson } from './build-shared.ts';

export default defineCommand({
  meta: {
    name: 'plan',
    description: 'Show what would be built here and what fetched, with tiers and estimates',
  },
  args: { ...buildArgs, ...jsonArg },
  async run({ args }) {
    const profile = findProfile(args.profile);
    const history = new History(historyFile());
    try {
      const plan = await planFromArgs(args, profile, history);
      output(args.json, planJson(plan, profile), () => renderPlan(plan));
    } finally {
      history.close();
    }
  },
});
