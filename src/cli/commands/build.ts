import { defineCommand } from 'citty';
import {
  findProfile,
  History,
  historyFile,
  ProgressView,
  renderReport,
  runPlan,
} from '../../build/index.ts';
import { resolveSettings } from '../../client/index.ts';
import { jsonArg, output } from '../shared.ts';
import { buildArgs, larderServer, planFromArgs } from './build-shared.ts';

export default defineCommand({
  meta: {
    name: 'build',
    description:
      'Build within the memory budget of the workspace profile, fetching what substituters have',
  },
  args: {
    ...buildArgs,
    push: {
      type: 'string',
      description: 'push each result to this larder cache as soon as it is built',
    },
    builders: { type: 'string', description: "Nix's remote builders, passed to every build" },
    ...jsonArg,
  },
  async run({ args }) {
    const profile = findProfile(args.profile);
    const larder = larderServer(args);
    const pushTo = args.push
      ? { settings: resolveSettings({ server: args.server, token: args.token }), cache: args.push }
      : undefined;
    const history = new History(historyFile());
    const view =
      !args.json && process.stderr.isTTY
        ? new ProgressView(process.stderr, profile.memoryBudget)
        : undefined;
    try {
      const plan = await planFromArgs(args, profile, history);
      const report = await runPlan({
        plan,
        profile,
        history,
        store: args.store,
        builders: args.builders,
        push: pushTo,
        larder,
        onChange: view ? (s) => view.update(s) : undefined,
        onFlag: (f) =>
          view ? view.flag(f) : process.stderr.write(`larder: ${f.kind}: ${f.message}\n`),
      });
      view?.clear();
      output(args.json, report, () => renderReport(report));
      // 1: something failed; 3: everything buildable was built, but some were not ours to build.
      if (report.failed.length > 0 || !report.fetched.ok || (report.pushed?.errors.length ?? 0) > 0)
        process.exitCode = 1;
      else if (report.refused.length > 0 || report.blocked.length > 0) process.exitCode = 3;
    } finally {
      view?.clear();
      history.close();
    }
  },
});
