import { ClientError, lastNixError, nixOutcome } from '../../client/index.ts';

export { lastNixError, type NixOutcome, nixOutcome } from '../../client/index.ts';

/** Runs a Nix command that must succeed; its failure becomes one line naming the command. */
export async function nixOk(
  cmd: string,
  args: string[],
  opts: { store?: string | undefined } = {},
): Promise<string> {
  const r = await nixOutcome(cmd, args, opts);
  if (r.code !== 0)
    throw new ClientError(
      `${cmd} ${args[0] ?? ''} failed: ${lastNixError(r.stderr) || `exit ${r.code}`}`,
      {
        exitCode: 2,
      },
    );
  return r.stdout;
}
