import { defineCommand } from 'citty';
import {
  findProfile,
  History,
  historyFile,
  makePlan,
  ProgressView,
  renderReport,
  runPlan,
} from '../../build/index.ts';
import { ClientError, resolveSettings } from '../../client/index.ts';
import { jsonArg, output } from '../shared.ts';
import { buildArgs, larderServer } from './build-shared.ts';

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
    const installables = args._;
    if (installables.length === 0 && !args.file)
      throw new ClientError(
        'give at least one installable (a .drv, a .nix file, or -f file attr)',
        {
          exitCode: 2,
        },
      );
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
      const plan = await makePlan({
        installables,
        file: args.file,
        store: args.store,
        profile,
        history,
        larder,
      });
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
