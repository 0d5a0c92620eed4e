// Runs `larder lint` the way src/cli/main.ts runs a command, for as long as main.ts does not
// register `lint` yet (tests prefer bin/larder.js once it does; see larder.ts).
import { runCommand, showUsage } from 'citty';
import lint from '../../../src/cli/commands/lint.ts';
import { ClientError } from '../../../src/client/index.ts';

const argv = process.argv.slice(2);
try {
  if (argv.includes('--help')) await showUsage(lint);
  else await runCommand(lint, { rawArgs: argv });
} catch (err) {
  process.stderr.write(`larder: ${(err as Error).message}\n`);
  process.exitCode = err instanceof ClientError ? err.exitCode : 1;
}
