export {
  type CacheRetention,
  type CacheSettings,
  type Config,
  type DatabaseKind,
  loadConfig,
  parseListen,
  type StorageKind,
} from './load.ts';
export { ConfigError } from './schema.ts';
