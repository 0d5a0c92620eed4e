import type { Config, StorageKind } from '../config/index.ts';
import { createFsStore } from './fs.ts';
import { createS3Store } from './s3.ts';
import type { BlobStore } from './types.ts';

export { copyStream } from './pump.ts';
export type { BlobRead, BlobStore, BlobWriter, ReadOptions } from './types.ts';
export { StorageError } from './types.ts';

type Factory = (config: Config) => BlobStore;

/** Storage backends by kind; a kind without a factory is a compile error. */
export const storageBackends = {
  fs: (config) => createFsStore(`${config.dataDir}/store`),
  s3: (config) => {
    if (!config.s3) throw new Error('storage = "s3" needs [s3] bucket');
    return createS3Store(config.s3);
  },
} satisfies Record<StorageKind, Factory>;

export function createStorage(config: Config): BlobStore {
  return storageBackends[config.storage](config);
}
