export {
  type CacheRetention,
  type CacheSettings,
  type Config,
  type DatabaseKind,
  loadConfig,
  type PostgresSettings,
  parseListen,
  type S3Settings,
  type StorageKind,
} from './load.ts';
export { ConfigError } from './schema.ts';
