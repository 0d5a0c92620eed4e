import { defineCommand } from 'citty';
import { ClientError } from '../../client/index.ts';
import { formatSize, parseSize } from '../../util/units.ts';
import { apiFrom, connectionArgs, jsonArg, output, table } from '../shared.ts';

interface CacheView {
  name: string;
  url: string;
  publicKey: string;
  public: boolean;
  priority: number;
  quota: number | null;
  paths?: number;
  narBytes?: number;
}

const name = { type: 'positional', required: true, description: 'cache name' } as const;

const describe = (c: CacheView) =>
  [
    `cache ${c.name} (${c.public ? 'public' : 'private'}, priority ${c.priority}${c.quota ? `, quota ${formatSize(c.quota)}` : ''})`,
    `  substituter: ${c.url}`,
    `  public key:  ${c.publicKey}`,
    ...(c.paths !== undefined
      ? [`  contents:    ${c.paths} paths, ${formatSize(c.narBytes ?? 0)}`]
      : []),
  ].join('\n');

function quotaArg(q: string | undefined): number | null | undefined {
  if (q === undefined) return undefined;
  if (q === 'none' || q === '0') return null;
  try {
    return parseSize(q);
  } catch (err) {
    throw new ClientError(`--quota: ${(err as Error).message}`, { exitCode: 2 });
  }
}

function intArg(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v))
    throw new ClientError(`${flag}: expected a whole number, got ${v}`, { exitCode: 2 });
  return Number(v);
}

const create = defineCommand({
  meta: { name: 'create', description: 'Create a cache with its own signing key' },
  args: {
    name,
    public: { type: 'boolean', description: 'anyone may pull without a token' },
    quota: { type: 'string', description: 'size limit, e.g. 5GiB' },
    priority: { type: 'string', description: 'substituter priority (lower wins; default 30)' },
    ...connectionArgs,
    ...jsonArg,
  },
  async run({ args }) {
    const c = await apiFrom(args).request<CacheView>('POST', '/_api/v1/caches', {
      name: args.name,
      public: args.public ?? false,
      quota: quotaArg(args.quota) ?? undefined,
      priority: intArg(args.priority, '--priority'),
    });
    output(args.json, c, () => `created ${describe(c)}`);
  },
});

const list = defineCommand({
  meta: { name: 'list', description: 'List the caches this token can see' },
  args: { ...connectionArgs, ...jsonArg },
  async run({ args }) {
    const { caches } = await apiFrom(args).request<{ caches: CacheView[] }>(
      'GET',
      '/_api/v1/caches',
    );
    output(args.json, caches, () =>
      caches.length === 0
        ? 'no caches visible'
        : table([
            ['NAME', 'ACCESS', 'PRIORITY', 'QUOTA', 'URL'],
            ...caches.map((c) => [
              c.name,
              c.public ? 'public' : 'private',
              String(c.priority),
              c.quota ? formatSize(c.quota) : '-',
              c.url,
            ]),
          ]),
    );
  },
});

const info = defineCommand({
  meta: { name: 'info', description: 'Show a cache: substituter URL, public key, size' },
  args: { name, ...connectionArgs, ...jsonArg },
  async run({ args }) {
    const c = await apiFrom(args).request<CacheView>(
      'GET',
      `/_api/v1/caches/${encodeURIComponent(args.name)}`,
    );
    output(args.json, c, () => describe(c));
  },
});

const config = defineCommand({
  meta: { name: 'config', description: 'Change a cache: --public/--private, --quota, --priority' },
  args: {
    name,
    public: { type: 'boolean', description: 'make it public (--no-public or --private: private)' },
    private: { type: 'boolean', description: 'make it private' },
    quota: { type: 'string', description: 'size limit, e.g. 5GiB, or "none"' },
    priority: { type: 'string', description: 'substituter priority' },
    ...connectionArgs,
    ...jsonArg,
  },
  async run({ args }) {
    const patch: Record<string, unknown> = {};
    if (args.private) patch.public = false;
    else if (args.public !== undefined) patch.public = args.public;
    const quota = quotaArg(args.quota);
    if (quota !== undefined) patch.quota = quota;
    const priority = intArg(args.priority, '--priority');
    if (priority !== undefined) patch.priority = priority;
    if (Object.keys(patch).length === 0)
      throw new ClientError('nothing to change: give --public, --private, --quota or --priority', {
        exitCode: 2,
      });
    const c = await apiFrom(args).request<CacheView>(
      'PATCH',
      `/_api/v1/caches/${encodeURIComponent(args.name)}`,
      patch,
    );
    output(args.json, c, () => `updated ${describe(c)}`);
  },
});

const del = defineCommand({
  meta: { name: 'delete', description: 'Delete a cache and everything in it' },
  args: {
    name,
    yes: { type: 'boolean', description: 'really delete' },
    ...connectionArgs,
    ...jsonArg,
  },
  async run({ args }) {
    if (!args.yes)
      throw new ClientError(
        `deleting cache ${args.name} removes all its paths: pass --yes to confirm`,
        { exitCode: 2 },
      );
    const r = await apiFrom(args).request<{ deleted: string }>(
      'DELETE',
      `/_api/v1/caches/${encodeURIComponent(args.name)}`,
    );
    output(args.json, r, () => `deleted cache ${r.deleted}`);
  },
});

export default defineCommand({
  meta: { name: 'cache', description: 'Manage caches' },
  subCommands: { create, list, info, config, delete: del },
});
