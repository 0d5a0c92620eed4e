/**
 * The statements that write use counts and traffic, shared by the use-count thread
 * (sqlite-use-worker.ts) and the inline writes of an in-memory index (sqlite-retention.ts).
 */
export const USE_BY_HASH =
  'UPDATE paths SET hits = hits + ?, last_access = ? WHERE cache = ? AND hash_part = ?';
export const USE_BY_FILE =
  'UPDATE paths SET hits = hits + ?, last_access = ? WHERE cache = ? AND file_hash = ?';
export const ADD_TRAFFIC = `INSERT INTO traffic (cache, minute, hits, misses, bytes_out) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (cache, minute) DO UPDATE SET hits = hits + excluded.hits,
    misses = misses + excluded.misses, bytes_out = bytes_out + excluded.bytes_out`;
