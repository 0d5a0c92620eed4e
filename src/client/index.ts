export { Api } from './api.ts';
export { ClientError } from './errors.ts';
export { resolveSettings, type ServerSettings, saveSettings, settingsFile } from './settings.ts';
