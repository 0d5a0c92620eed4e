import { step } from './report.ts';

type Task = () => unknown;

/**
 * Runs a bench with teardown that happens whatever way it ends: normal return, a throw,
 * or Ctrl-C. Tasks run last-registered first, like nested `finally` blocks.
 */
export async function runBench(body: (defer: (task: Task) => void) => Promise<void>) {
  const tasks: Task[] = [];
  const defer = (task: Task) => {
    tasks.push(task);
  };
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    for (const task of tasks.reverse()) {
      try {
        await task();
      } catch (err) {
        step(`cleanup: ${(err as Error).message}`);
      }
    }
  };
  const onSignal = (signal: NodeJS.Signals) => {
    step(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await body(defer);
  } catch (err) {
    process.exitCode = 1;
    process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`);
  } finally {
    await cleanup();
  }
}
