export { Api } from './api.ts';
export { ClientError } from './errors.ts';
export {
  lastNixError,
  type NixOutcome,
  type NixRunOptions,
  nixBin,
  nixOutcome,
  runNix,
  runNixWithOutput,
} from './nix-cli.ts';
export { resolveSettings, type ServerSettings, saveSettings, settingsFile } from './settings.ts';
