import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { after, describe, it } from 'node:test';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createFsStore } from '../../src/storage/fs.ts';
import { type BlobStore, StorageError } from '../../src/storage/index.ts';
import { createS3Store, PART_SIZE, s3Client } from '../../src/storage/s3.ts';
import { requireS3, startS3 } from '../helpers/s3.ts';

interface Subject {
  store: BlobStore;
  /** Anything half-written left behind: temp files, unfinished multipart uploads. */
  leftovers(): Promise<number>;
}

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const subjects: { name: string; skip: string | false; make(): Promise<Subject> }[] = [
  {
    name: 'fs',
    skip: false,
    async make() {
      const root = mkdtempSync(join(tmpdir(), 'larder-fs-'));
      dirs.push(root);
      return {
        store: createFsStore(root),
        leftovers: async () => {
          try {
            return readdirSync(join(root, 'tmp')).length;
          } catch {
            return 0;
          }
        },
      };
    },
  },
  {
    name: 's3',
    skip: requireS3(),
    async make() {
      const s3 = await startS3();
      const { bucket } = await s3.createBucket();
      const settings = {
        bucket,
        region: 'us-east-1',
        endpoint: s3.endpoint,
        prefix: 'larder',
        forcePathStyle: true,
        accessKeyId: 'S3RVER',
        secretAccessKey: 'S3RVER',
      };
      // s3rver lacks ListMultipartUploads: count what the store asked for instead.
      const client = s3Client(settings);
      const sent: string[] = [];
      client.middlewareStack.add(
        (next, context) => (args) => {
          sent.push(context.commandName as string);
          return next(args);
        },
        { step: 'initialize' },
      );
      return {
        store: createS3Store(settings, client),
        leftovers: async () => {
          const n = (name: string) => sent.filter((c) => c === name).length;
          return (
            n('CreateMultipartUploadCommand') -
            n('CompleteMultipartUploadCommand') -
            n('AbortMultipartUploadCommand')
          );
        },
      };
    },
  },
];

const read = async (store: BlobStore, key: string, start?: number, end?: number) => {
  const blob = await store.get(key, { start, end });
  return blob && { size: blob.size, bytes: await buffer(blob.stream) };
};

for (const subject of subjects) {
  describe(`blob store contract: ${subject.name}`, { skip: subject.skip }, () => {
    it('answers a miss with undefined, for get, head and delete alike', async () => {
      const { store } = await subject.make();
      assert.equal(await store.get('nar/absent.nar'), undefined);
      assert.equal(await store.head('nar/absent.nar'), undefined);
      await store.delete('nar/absent.nar');
    });

    it('shows a write only after commit, then serves it whole and by range', async () => {
      const { store } = await subject.make();
      const w = await store.createWriter('nar/a.nar');
      w.stream.write(Buffer.from('hello '));
      assert.equal(await store.head('nar/a.nar'), undefined, 'invisible while written');
      w.stream.end(Buffer.from('world'));
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(await store.head('nar/a.nar'), undefined, 'invisible until commit');
      await w.commit();
      assert.deepEqual(await store.head('nar/a.nar'), { size: 11 });
      assert.deepEqual(await read(store, 'nar/a.nar'), {
        size: 11,
        bytes: Buffer.from('hello world'),
      });
      assert.deepEqual(await read(store, 'nar/a.nar', 6, 10), {
        size: 11,
        bytes: Buffer.from('world'),
      });
      assert.deepEqual((await read(store, 'nar/a.nar', 6))?.bytes, Buffer.from('world'));
      await store.delete('nar/a.nar');
      assert.equal(await store.head('nar/a.nar'), undefined);
    });

    it('streams a blob of several parts and reads across a part boundary', async () => {
      const { store, leftovers } = await subject.make();
      const data = randomBytes(2 * PART_SIZE + 12345);
      const w = await store.createWriter('nar/big.nar');
      for (let i = 0; i < data.length; i += 1024 * 1024)
        if (!w.stream.write(data.subarray(i, i + 1024 * 1024)))
          await new Promise((r) => w.stream.once('drain', r));
      w.stream.end();
      await w.commit();
      const got = await read(store, 'nar/big.nar');
      assert.equal(got?.size, data.length);
      assert.ok(got?.bytes.equals(data));
      const mid = await read(store, 'nar/big.nar', PART_SIZE - 10, PART_SIZE + 9);
      assert.ok(mid?.bytes.equals(data.subarray(PART_SIZE - 10, PART_SIZE + 10)));
      assert.equal(await leftovers(), 0);
    });

    it('leaves no trace of an aborted write, nor of one whose signal fired', async () => {
      const { store, leftovers } = await subject.make();
      const w = await store.createWriter('nar/aborted.nar');
      w.stream.write(randomBytes(PART_SIZE + 1000));
      await new Promise((r) => setTimeout(r, 100));
      await w.abort();
      await assert.rejects(w.commit(), /aborted/);
      const controller = new AbortController();
      const w2 = await store.createWriter('nar/signalled.nar', { signal: controller.signal });
      w2.stream.write(randomBytes(PART_SIZE + 1000));
      await new Promise((r) => setTimeout(r, 100));
      controller.abort();
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(await store.head('nar/aborted.nar'), undefined);
      assert.equal(await store.head('nar/signalled.nar'), undefined);
      assert.equal(await leftovers(), 0);
    });
  });
}

describe('S3 errors', { skip: requireS3() }, () => {
  it('names the bucket when it does not exist, rather than reporting misses', async () => {
    const s3 = await startS3();
    const store = createS3Store({
      bucket: 'no-such-bucket',
      region: 'us-east-1',
      endpoint: s3.endpoint,
      prefix: '',
      forcePathStyle: true,
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
    });
    await assert.rejects(store.head('nar/x.nar'), (err: Error) => {
      assert.ok(err instanceof StorageError);
      assert.match(err.message, /s3:\/\/no-such-bucket .*NoSuchBucket|no-such-bucket.*404/);
      return true;
    });
    await assert.rejects(store.get('nar/x.nar'), /no-such-bucket.*NoSuchBucket/);
  });

  it('keeps keys under the configured prefix', async () => {
    const s3 = await startS3();
    const { bucket } = await s3.createBucket();
    const store = createS3Store({
      bucket,
      region: 'us-east-1',
      endpoint: s3.endpoint,
      prefix: 'team-a',
      forcePathStyle: true,
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
    });
    const w = await store.createWriter('nar/p.nar');
    w.stream.end('x');
    await w.commit();
    const list = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket }));
    assert.deepEqual(
      list.Contents?.map((o) => o.Key),
      ['team-a/nar/p.nar'],
    );
  });
});
