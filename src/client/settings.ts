import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { ClientError } from './errors.ts';

export interface ServerSettings {
  server: string;
  token: string | undefined;
}

/** `~/.config/larder/config.toml` (or under `$XDG_CONFIG_HOME`), written by `larder login`. */
export function settingsFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'larder', 'config.toml');
}

function readSettingsFile(file: string): { server?: string; token?: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  try {
    const doc = parseToml(text) as Record<string, unknown>;
    return {
      server: typeof doc.server === 'string' ? doc.server : undefined,
      token: typeof doc.token === 'string' ? doc.token : undefined,
    } as { server?: string; token?: string };
  } catch (err) {
    throw new ClientError(`${file} is not valid TOML: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** Server and token: flags, then LARDER_SERVER/LARDER_TOKEN, then the login file. */
export function resolveSettings(
  flags: { server?: string | undefined; token?: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
): ServerSettings {
  const file = readSettingsFile(settingsFile(env));
  const server = flags.server || env.LARDER_SERVER || file.server;
  if (!server) {
    throw new ClientError(
      'no server: run `larder login <url> <token>`, or pass --server or set LARDER_SERVER',
      { exitCode: 2 },
    );
  }
  const token = flags.token || env.LARDER_TOKEN || file.token;
  return { server: server.replace(/\/+$/, ''), token: token || undefined };
}

/** Saves server and token for later commands, readable by the user only. */
export function saveSettings(s: ServerSettings, env: NodeJS.ProcessEnv = process.env): string {
  const file = settingsFile(env);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const doc: Record<string, string> = { server: s.server };
  if (s.token) doc.token = s.token;
  writeFileSync(file, `${stringifyToml(doc)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}
