import { homedir } from 'node:os';
import { join } from 'node:path';
import { defineCommand } from 'citty';
import { resolveSettings } from '../../client/index.ts';
import { DiskQueue, drainQueue, watchStore } from '../../client/watch/index.ts';
import { connectionArgs } from '../shared.ts';

/** `$XDG_STATE_HOME/larder/watch-<cache>.queue`: survives restarts of the watcher. */
function queueFile(cache: string, env = process.env): string {
  const base = env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state');
  return join(base, 'larder', `watch-${cache}.queue`);
}

export default defineCommand({
  meta: {
    name: 'watch-store',
    description:
      'Push every new store path as it appears; with OUT_PATHS set (post-build-hook), push those and exit',
  },
  args: {
    cache: { type: 'positional', required: true, description: 'cache name' },
    store: { type: 'string', description: "the Nix store to watch (default: Nix's own)" },
    'batch-ms': {
      type: 'string',
      description: 'gather new paths this long before a push (default 2000)',
    },
    queue: {
      type: 'string',
      description: 'queue file (default $XDG_STATE_HOME/larder/watch-<cache>.queue)',
    },
    ...connectionArgs,
  },
  async run({ args }) {
    const settings = resolveSettings({ server: args.server, token: args.token });
    const log = (line: string) => process.stderr.write(`larder watch-store: ${line}\n`);
    const opts = {
      cache: args.cache,
      store: args.store,
      queueFile: args.queue ?? queueFile(args.cache),
      batchMs: args['batch-ms'] ? Number(args['batch-ms']) : 2000,
      log,
    };
    const outPaths = process.env.OUT_PATHS;
    if (outPaths !== undefined) {
      // post-build-hook: Nix waits for us, so queue first (nothing is lost if the push
      // fails: a running watcher or the next hook picks it up), then push.
      const queue = new DiskQueue(opts.queueFile);
      queue.add(outPaths.split(/\s+/).filter(Boolean));
      await drainQueue(settings, queue, opts);
      return;
    }
    const controller = new AbortController();
    process.once('SIGTERM', () => controller.abort());
    process.once('SIGINT', () => controller.abort());
    await watchStore(settings, { ...opts, signal: controller.signal });
  },
});
