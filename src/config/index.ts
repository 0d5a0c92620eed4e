export {
  type CacheRetention,
  type CacheSettings,
  type CacheUpstreams,
  type Config,
  type DatabaseKind,
  loadConfig,
  type PostgresSettings,
  parseListen,
  type S3Settings,
  type StorageKind,
  type UpstreamSettings,
} from './load.ts';
export { ConfigError } from './schema.ts';
