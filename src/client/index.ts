export { Api } from './api.ts';
export { ClientError } from './errors.ts';
export { type NixRunOptions, nixBin, runNix, runNixWithOutput } from './nix-cli.ts';
export { resolveSettings, type ServerSettings, saveSettings, settingsFile } from './settings.ts';
