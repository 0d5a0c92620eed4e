import { listingKey } from '../cache/index.ts';
import type { MetadataIndex } from '../index/index.ts';
import type { BlobStore } from '../storage/index.ts';

/**
 * Deletes NAR files whose grace period after eviction is over and that no cache holds any
 * more. Returns how many files went.
 */
export async function sweepNars(deps: {
  index: MetadataIndex;
  storage: BlobStore;
  now: () => number;
}): Promise<number> {
  let deleted = 0;
  for (const d of await deps.index.dueNarDeletions(deps.now())) {
    const nar = await deps.index.finishNarDeletion(d.cache, d.fileHash, deps.now());
    if (!nar) continue;
    await deps.storage.delete(nar.key);
    // The listing's key is the file hash's: an upload of the same bytes that began after
    // the index let go of them may have written it again.
    if (!(await deps.index.getNar(nar.fileHash)))
      await deps.storage.delete(listingKey(nar.fileHash));
    deleted++;
  }
  return deleted;
}
