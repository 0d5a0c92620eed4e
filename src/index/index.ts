import type { Config, DatabaseKind } from '../config/index.ts';
import { openPostgresIndex } from './postgres.ts';
import { openSqliteIndex } from './sqlite.ts';
import type { MetadataIndex } from './types.ts';

export type {
  CacheRecord,
  EvictionRecord,
  Grant,
  InsertPathResult,
  LogRecord,
  MetadataIndex,
  NarRecord,
  PathRecord,
  RetentionRow,
  Scope,
  TokenRecord,
  TrafficRow,
} from './types.ts';
export { SCOPES } from './types.ts';

type Factory = (config: Config) => MetadataIndex;

/** Metadata backends by kind; a kind without a factory is a compile error. */
export const indexBackends = {
  sqlite: (config) => openSqliteIndex(`${config.dataDir}/larder.db`),
  postgres: (config) => {
    if (!config.postgres) throw new Error('database = "postgres" needs [postgres] url');
    return openPostgresIndex(config.postgres.url, config.postgres.poolSize);
  },
} satisfies Record<DatabaseKind, Factory>;

export function openIndex(config: Config): MetadataIndex {
  return indexBackends[config.database](config);
}
