import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { defaultProfile, loadProfile, type Profile } from './profile.ts';

/** The profile file's usual name, in a workspace (the current directory). */
export const PROFILE_FILE = 'larder.workspace.toml';

/**
 * `--profile F`, else `./larder.workspace.toml`, else `$XDG_CONFIG_HOME/larder/workspace.toml`,
 * else this machine's built-in profile.
 */
export function findProfile(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Profile {
  if (flag) return loadProfile(flag);
  if (existsSync(PROFILE_FILE)) return loadProfile(PROFILE_FILE);
  const user = join(
    env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'),
    'larder',
    'workspace.toml',
  );
  if (existsSync(user)) return loadProfile(user);
  return defaultProfile();
}
