import type { Readable, Writable } from 'node:stream';

/** A blob read, possibly of a byte range; `size` is the whole blob's size. */
export interface BlobRead {
  stream: Readable;
  size: number;
  /**
   * Writes the bytes into `dest` (left open), a faster way than `stream` where the
   * backend has one (fs: reused buffers). Use one of the two, once.
   */
  pipeTo?(dest: Writable): Promise<void>;
}

export interface ReadOptions {
  signal?: AbortSignal | undefined;
  /** First byte, inclusive. */
  start?: number | undefined;
  /** Last byte, inclusive (HTTP Range semantics). */
  end?: number | undefined;
}

/**
 * An atomic write in progress: bytes go to `stream`; nothing is visible under the key
 * until `commit()` resolves, and `abort()` (or the signal firing) leaves no trace.
 */
export interface BlobWriter {
  stream: Writable;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * Where NARs, listings and logs live. Keys are slash-separated and already validated by
 * the caller; a miss is `undefined`, never an exception (verdaccio's storage contract).
 */
export interface BlobStore {
  get(key: string, opts?: ReadOptions): Promise<BlobRead | undefined>;
  head(key: string, opts?: { signal?: AbortSignal }): Promise<{ size: number } | undefined>;
  createWriter(key: string, opts?: { signal?: AbortSignal }): Promise<BlobWriter>;
  delete(key: string, opts?: { signal?: AbortSignal }): Promise<void>;
  /** Rejects with a clear error when the backend cannot be used (S3: bucket unreachable). */
  check?(): Promise<void>;
}

/** A storage failure that is not a miss; `cause` carries the backend's error. */
export class StorageError extends Error {
  override name = 'StorageError';
}
