import { ClientError } from '../../client/index.ts';

/**
 * Refuses an option the command does not define. citty ignores unknown flags, and for a
 * checking command a typo (`--expect-symbols`) would silently mean "no check".
 */
export function refuseUnknownOptions(
  command: string,
  rawArgs: string[],
  defined: Record<string, { type: string; alias?: string | string[] }>,
): void {
  const known = new Set<string>(['help']);
  for (const [name, def] of Object.entries(defined)) {
    if (def.type === 'positional') continue;
    known.add(name);
    if (def.type === 'boolean') known.add(`no-${name}`);
    for (const a of [def.alias ?? []].flat()) known.add(a);
  }
  for (const word of rawArgs) {
    if (word === '--') break;
    const m = /^--?([^=]+)/.exec(word);
    if (!m || /^-\d/.test(word)) continue;
    const name = m[1] as string;
    if (!known.has(name))
      throw new ClientError(`${command}: unknown option ${word.split('=')[0]}`, { exitCode: 2 });
  }
}
