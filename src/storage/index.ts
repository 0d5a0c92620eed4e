import type { Config, StorageKind } from '../config/index.ts';
import { createFsStore } from './fs.ts';
import type { BlobStore } from './types.ts';

export type { BlobRead, BlobStore, BlobWriter, ReadOptions } from './types.ts';
export { StorageError } from './types.ts';

type Factory = (config: Config) => BlobStore;

/** Storage backends by kind; a kind without a factory is a compile error. */
export const storageBackends = {
  fs: (config) => createFsStore(`${config.dataDir}/store`),
} satisfies Record<StorageKind, Factory>;

export function createStorage(config: Config): BlobStore {
  return storageBackends[config.storage](config);
}
