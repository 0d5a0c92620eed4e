import type { Readable } from 'node:stream';
import { Writable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { S3Settings } from '../config/index.ts';
import { type BlobStore, type BlobWriter, type ReadOptions, StorageError } from './types.ts';

/**
 * Part size of multipart uploads. S3 allows at most 10,000 parts, so 8 MiB parts carry
 * files up to 78 GiB (the default max_nar_size is 64 GiB); an upload holds at most this
 * much being filled plus two parts in flight.
 */
export const PART_SIZE = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT = 2;

/** Only a missing object is a miss; a missing bucket or a denied request is an error. */
function isMiss(err: unknown): boolean {
  const e = err as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.Code === 'NoSuchKey' || e.name === 'NotFound';
}

/**
 * Blobs as objects in one S3 bucket (any S3-compatible store). Writes are multipart
 * uploads completed only on `commit()` and aborted on `abort()` or the signal, so a key
 * never shows a partial file; small blobs (under one part) are one PUT at commit.
 */
export function createS3Store(s: S3Settings, client = s3Client(s)): BlobStore {
  const Bucket = s.bucket;
  const where = `s3://${Bucket}${s.endpoint ? ` at ${s.endpoint}` : ''}`;
  const keyOf = (key: string) => (s.prefix ? `${s.prefix}/${key}` : key);
  const fail = (what: string, key: string, err: unknown): StorageError => {
    const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode;
    return new StorageError(
      `${what} ${key} in ${where} failed: ${e.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}: ${e.message ?? String(err)}`,
      { cause: err },
    );
  };
  // A HEAD of a missing object says 404 whether the object or the whole bucket is missing:
  // the bucket is checked once, so a wrong bucket is an error, not a cache full of misses.
  let bucketChecked: Promise<void> | undefined;
  const checkBucket = (): Promise<void> => {
    bucketChecked ??= client.send(new HeadBucketCommand({ Bucket })).then(
      () => {},
      (err: unknown) => {
        bucketChecked = undefined;
        throw fail('checking bucket', Bucket, err);
      },
    );
    return bucketChecked;
  };

  return {
    async get(key: string, opts: ReadOptions = {}) {
      const range =
        opts.start !== undefined || opts.end !== undefined
          ? `bytes=${opts.start ?? 0}-${opts.end ?? ''}`
          : undefined;
      try {
        const out = await client.send(
          new GetObjectCommand({ Bucket, Key: keyOf(key), Range: range }),
          { abortSignal: opts.signal },
        );
        const total = /\/(\d+)$/.exec(out.ContentRange ?? '')?.[1];
        const size = total !== undefined ? Number(total) : Number(out.ContentLength ?? 0);
        return { stream: out.Body as Readable, size };
      } catch (err) {
        if (isMiss(err)) return undefined;
        throw fail('reading', key, err);
      }
    },

    async head(key: string, opts: { signal?: AbortSignal } = {}) {
      await checkBucket();
      try {
        const out = await client.send(new HeadObjectCommand({ Bucket, Key: keyOf(key) }), {
          abortSignal: opts.signal,
        });
        return { size: Number(out.ContentLength ?? 0) };
      } catch (err) {
        if (
          isMiss(err) ||
          (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404
        )
          return undefined;
        throw fail('checking', key, err);
      }
    },

    async createWriter(key: string, opts: { signal?: AbortSignal } = {}): Promise<BlobWriter> {
      return multipartWriter(client, Bucket, keyOf(key), opts.signal, (what, err) =>
        fail(what, key, err),
      );
    },

    check: checkBucket,

    async delete(key: string, opts: { signal?: AbortSignal } = {}) {
      try {
        // S3 answers a delete of a missing key with success: nothing to classify.
        await client.send(new DeleteObjectCommand({ Bucket, Key: keyOf(key) }), {
          abortSignal: opts.signal,
        });
      } catch (err) {
        throw fail('deleting', key, err);
      }
    },
  };
}

/** The SDK client for these settings. */
export function s3Client(s: S3Settings): S3Client {
  return new S3Client({
    region: s.region,
    endpoint: s.endpoint,
    forcePathStyle: s.forcePathStyle,
    // Unset: the SDK's default chain (AWS_* variables, shared config, instance roles).
    credentials:
      s.accessKeyId && s.secretAccessKey
        ? { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey }
        : undefined,
  });
}

function multipartWriter(
  client: S3Client,
  Bucket: string,
  Key: string,
  signal: AbortSignal | undefined,
  fail: (what: string, err: unknown) => StorageError,
): BlobWriter {
  let chunks: Buffer[] = [];
  let buffered = 0;
  let uploadId: Promise<string> | undefined;
  const parts: Promise<{ ETag: string | undefined; PartNumber: number }>[] = [];
  const inFlight = new Set<Promise<unknown>>();
  let settled = false;
  // Part uploads are aborted with the writer: a client that goes away stops the transfer.
  const controller = new AbortController();
  // One signature for every command: the SDK's overloads do not accept a union of them.
  const send = <T>(cmd: unknown): Promise<T> =>
    (client.send as (c: unknown, o: object) => Promise<T>).call(client, cmd, {
      abortSignal: controller.signal,
    });

  const startUpload = () => {
    uploadId ??= send<{ UploadId?: string }>(
      new CreateMultipartUploadCommand({ Bucket, Key }),
    ).then((o) => {
      if (!o.UploadId) throw new Error('no UploadId in the answer');
      return o.UploadId;
    });
    return uploadId;
  };
  const take = (): Buffer => {
    const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    chunks = [];
    buffered = 0;
    return body;
  };
  const uploadPart = async (body: Buffer) => {
    const PartNumber = parts.length + 1;
    const p = startUpload().then(async (UploadId) => {
      const o = await send<{ ETag?: string }>(
        new UploadPartCommand({ Bucket, Key, UploadId, PartNumber, Body: body }),
      );
      return { ETag: o.ETag, PartNumber };
    });
    parts.push(p);
    p.catch(() => {});
    const tracked = p.finally(() => inFlight.delete(tracked));
    tracked.catch(() => {});
    inFlight.add(tracked);
    // Backpressure: the writable waits while this many parts are on the wire.
    while (inFlight.size >= PARTS_IN_FLIGHT) await Promise.race(inFlight);
  };

  const stream = new Writable({
    highWaterMark: 1024 * 1024,
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      buffered += chunk.length;
      if (buffered < PART_SIZE) return cb();
      uploadPart(take()).then(() => cb(), cb);
    },
    final(cb) {
      // With a multipart upload under way the rest is its last part (which may be small);
      // otherwise the whole blob is still here and goes in one PUT at commit.
      if (uploadId && buffered > 0) uploadPart(take()).then(() => cb(), cb);
      else cb();
    },
  });
  const finished = new Promise<void>((res, rej) => {
    stream.once('finish', res);
    stream.once('error', rej);
  });
  finished.catch(() => {});

  const abort = async () => {
    if (settled) return;
    settled = true;
    stream.destroy();
    controller.abort();
    chunks = [];
    if (uploadId) {
      const id = await uploadId.catch(() => undefined);
      if (id)
        await client
          .send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId: id }))
          .catch(() => {});
    }
  };
  signal?.addEventListener('abort', () => void abort(), { once: true });

  return {
    stream,
    abort,
    async commit() {
      if (settled) throw new StorageError(`write of ${Key} was aborted`);
      if (!stream.writableFinished) {
        if (!stream.writableEnded) stream.end();
        await finished;
      }
      settled = true;
      try {
        if (!uploadId) {
          await send(new PutObjectCommand({ Bucket, Key, Body: take() }));
          return;
        }
        const UploadId = await uploadId;
        const done = await Promise.all(parts);
        await send(
          new CompleteMultipartUploadCommand({
            Bucket,
            Key,
            UploadId,
            MultipartUpload: { Parts: done },
          }),
        );
      } catch (err) {
        settled = false;
        await abort();
        throw fail('storing', err);
      }
    },
  };
}
