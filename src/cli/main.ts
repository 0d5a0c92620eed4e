import { type CommandDef, defineCommand, runCommand, showUsage } from 'citty';
import { ClientError } from '../client/index.ts';
import { ConfigError } from '../config/index.ts';

const main = defineCommand({
  meta: {
    name: 'larder',
    version: '0.1.0',
    description: 'Nix binary cache with tiered retention, and a memory-aware build runner',
  },
  subCommands: {
    serve: () => import('./commands/serve.ts').then((m) => m.default),
    login: () => import('./commands/login.ts').then((m) => m.default),
    cache: () => import('./commands/cache.ts').then((m) => m.default),
    token: () => import('./commands/token.ts').then((m) => m.default),
    lint: () => import('./commands/lint.ts').then((m) => m.default),
    'check-repro': () => import('./commands/check-repro.ts').then((m) => m.default),
    package: () => import('./commands/package.ts').then((m) => m.default),
    push: () => import('./commands/push.ts').then((m) => m.default),
    use: () => import('./commands/use.ts').then((m) => m.default),
    pull: () => import('./commands/pull.ts').then((m) => m.default),
    pin: () => import('./commands/pin.ts').then((m) => m.default),
    dashboard: () => import('./commands/dashboard.ts').then((m) => m.default),
    gc: () => import('./commands/gc.ts').then((m) => m.default),
    stats: () => import('./commands/stats.ts').then((m) => m.default),
    'watch-store': () => import('./commands/watch-store.ts').then((m) => m.default),
    profile: () => import('./commands/profile.ts').then((m) => m.default),
    plan: () => import('./commands/plan.ts').then((m) => m.default),
    build: () => import('./commands/build.ts').then((m) => m.default),
  },
});

type AnyCommand = CommandDef<never>;

/** Follows positional words down the subcommand tree, for --help and usage errors. */
async function resolve(
  cmd: AnyCommand,
  argv: string[],
): Promise<[AnyCommand, AnyCommand | undefined]> {
  let parent: AnyCommand | undefined;
  let current = cmd;
  for (const word of argv) {
    if (word.startsWith('-')) continue;
    const subs =
      typeof current.subCommands === 'function'
        ? await current.subCommands()
        : await current.subCommands;
    const next = subs?.[word];
    if (!next) break;
    parent = current;
    current = (typeof next === 'function' ? await next() : await next) as AnyCommand;
  }
  return [current, parent];
}

/** Runs the CLI and owns exit codes: 0 success, 1 failure, 2 usage; one line per error. */
async function run(argv: string[]): Promise<void> {
  const debug = argv.includes('--debug');
  try {
    if (argv.includes('--help') || argv.includes('-h') || argv.length === 0) {
      const [cmd, parent] = await resolve(main as AnyCommand, argv);
      await showUsage(cmd, parent);
      return;
    }
    if (argv.length === 1 && argv[0] === '--version') {
      process.stdout.write('0.1.0\n');
      return;
    }
    await runCommand(main, { rawArgs: argv });
  } catch (err) {
    const e = err as Error & { code?: string; exitCode?: number };
    if (debug)
      process.stderr.write(
        `${e.stack ?? e}\n${e.cause ? `cause: ${String((e.cause as Error).stack ?? e.cause)}\n` : ''}`,
      );
    const usage = e.name === 'CLIError';
    if (usage) {
      const [cmd, parent] = await resolve(main as AnyCommand, argv);
      await showUsage(cmd, parent);
    }
    const known = err instanceof ClientError || err instanceof ConfigError || usage;
    process.stderr.write(`larder: ${known ? e.message : `unexpected error: ${e.message}`}\n`);
    process.exitCode = err instanceof ClientError ? (e.exitCode ?? 1) : usage ? 2 : 1;
  }
}

await run(process.argv.slice(2));
