import { type History, makePlan, type Plan, type Profile } from '../../build/index.ts';
import { ClientError, resolveSettings } from '../../client/index.ts';
import type { ServerSettings } from '../../client/settings.ts';
import { connectionArgs } from '../shared.ts';

/** Flags `larder plan` and `larder build` share. */
export const buildArgs = {
  file: {
    type: 'string',
    alias: 'f',
    description: 'a Nix file whose attributes are the installables',
  },
  profile: {
    type: 'string',
    description:
      'workspace profile (default ./larder.workspace.toml, then ~/.config/larder/workspace.toml)',
  },
  store: { type: 'string', description: "the Nix store to build in (default: Nix's own)" },
  ...connectionArgs,
} as const;

/** The logged-in larder server, if any: its caches among the substituters hear about skips. */
export function larderServer(args: {
  server?: string | undefined;
  token?: string | undefined;
}): ServerSettings | undefined {
  try {
    return resolveSettings({ server: args.server, token: args.token });
  } catch (err) {
    if (err instanceof ClientError) return undefined;
    throw err;
  }
}

/** `larder plan --json`: Nix's dry-run numbers, the split per substituter, every build. */
export function planJson(plan: Plan, profile: Profile) {
  return {
    profile: { name: profile.name, role: profile.role, memoryBudget: profile.memoryBudget },
    build: plan.nix.build,
    fetch: plan.nix.fetch,
    downloadBytes: plan.nix.downloadBytes,
    unpackedBytes: plan.nix.unpackedBytes,
    hitRate: plan.hitRate,
    bySubstituter: plan.bySubstituter,
    fetchPaths: plan.fetch,
    builds: [...plan.builds.values()].map((b) => ({
      drv: b.drv,
      name: b.name,
      pname: b.pname,
      tier: b.estimate.tier,
      tierSource: b.estimate.tierSource,
      cores: b.estimate.cores,
      memory: b.estimate.memory,
      seconds: b.estimate.seconds,
      measured: b.estimate.measured,
      criticalPath: b.criticalPath,
      deps: b.deps,
      refused: b.refused ?? null,
      blockedBy: b.blockedBy ?? null,
    })),
    criticalChain: plan.criticalChain,
    estimatedMakespan: plan.estimatedMakespan,
    lowerBound: plan.lowerBound,
  };
}

/** Checks the installables and plans them: what `plan` prints and `build` starts from. */
export function planFromArgs(
  args: {
    _: string[];
    file?: string | undefined;
    store?: string | undefined;
    server?: string | undefined;
    token?: string | undefined;
  },
  profile: Profile,
  history: History,
): Promise<Plan> {
  if (args._.length === 0 && !args.file)
    throw new ClientError('give at least one installable (a .drv, a .nix file, or -f file attr)', {
      exitCode: 2,
    });
  return makePlan({
    installables: args._,
    file: args.file,
    store: args.store,
    profile,
    history,
    larder: larderServer(args),
  });
}
