import { existsSync, writeFileSync } from 'node:fs';
import { defineCommand } from 'citty';
import { detectProfileToml, parseProfile } from '../../build/index.ts';
import { ClientError } from '../../client/index.ts';
import { formatSize } from '../../util/units.ts';

const init = defineCommand({
  meta: { name: 'init', description: 'Write larder.workspace.toml detected from this machine' },
  args: {
    output: {
      type: 'string',
      alias: 'o',
      description: 'file to write (default larder.workspace.toml)',
    },
    role: { type: 'string', description: 'builder or consumer (default: from RAM and cores)' },
    name: {
      type: 'string',
      description: 'machine name, the key of build history (default hostname)',
    },
    force: { type: 'boolean', description: 'overwrite an existing file' },
    print: { type: 'boolean', description: 'print the profile instead of writing it' },
  },
  run({ args }) {
    const role = args.role;
    if (role !== undefined && role !== 'builder' && role !== 'consumer')
      throw new ClientError('--role must be builder or consumer', { exitCode: 2 });
    const text = detectProfileToml({ name: args.name, role });
    const p = parseProfile(text, 'detected profile');
    if (args.print) {
      process.stdout.write(text);
      return;
    }
    const file = args.output ?? 'larder.workspace.toml';
    if (existsSync(file) && !args.force)
      throw new ClientError(`${file} exists; pass --force to replace it`, { exitCode: 2 });
    writeFileSync(file, text);
    process.stdout.write(
      `wrote ${file}: ${p.name}, ${p.role}, ${p.cores} cores, memory budget ${formatSize(p.memoryBudget)}, builds tier ${p.buildTiers.join(', ')}; edit it to taste\n`,
    );
  },
});

export default defineCommand({
  meta: {
    name: 'profile',
    description: 'Workspace profile: what this machine may spend on builds',
  },
  subCommands: { init },
});
