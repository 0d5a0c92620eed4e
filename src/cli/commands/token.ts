import { defineCommand } from 'citty';
import { ClientError } from '../../client/index.ts';
import { apiFrom, connectionArgs, jsonArg, output, table } from '../shared.ts';

interface TokenView {
  id: string;
  description: string;
  grants: { cache: string; scopes: string[] }[];
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  active: boolean;
  token?: string;
}

const SCOPES = ['pull', 'push', 'delete', 'admin'];

const grantsText = (t: TokenView) =>
  t.grants.map((g) => `${g.cache}:${g.scopes.join(',')}`).join(' ');

const create = defineCommand({
  meta: { name: 'create', description: 'Create a token (shown once)' },
  args: {
    cache: {
      type: 'string',
      required: true,
      description: 'cache name(s), comma-separated, or * for all',
    },
    scope: {
      type: 'string',
      default: 'pull',
      description: 'scopes, comma-separated: pull, push, delete, admin',
    },
    expires: { type: 'string', description: 'lifetime, e.g. 30d or 12h (default: never)' },
    description: { type: 'string', description: 'what the token is for' },
    ...connectionArgs,
    ...jsonArg,
  },
  async run({ args }) {
    const scopes = args.scope
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = scopes.filter((s) => !SCOPES.includes(s));
    if (bad.length || scopes.length === 0)
      throw new ClientError(
        `--scope: unknown scope ${bad.join(', ') || '(none)'}; use ${SCOPES.join(', ')}`,
        { exitCode: 2 },
      );
    const caches = args.cache
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean);
    const t = await apiFrom(args).request<TokenView>('POST', '/_api/v1/tokens', {
      grants: caches.map((cache) => ({ cache, scopes })),
      expiresIn: args.expires,
      description: args.description,
    });
    output(args.json, t, () =>
      [
        `${t.token}`,
        '',
        `token ${t.id}: ${grantsText(t)}${t.expiresAt ? `, expires ${t.expiresAt}` : ''}`,
        'It is shown only this once.',
      ].join('\n'),
    );
  },
});

const list = defineCommand({
  meta: { name: 'list', description: 'List tokens (never their secret)' },
  args: { ...connectionArgs, ...jsonArg },
  async run({ args }) {
    const { tokens } = await apiFrom(args).request<{ tokens: TokenView[] }>(
      'GET',
      '/_api/v1/tokens',
    );
    output(args.json, tokens, () =>
      table([
        ['ID', 'STATE', 'GRANTS', 'EXPIRES', 'DESCRIPTION'],
        ...tokens.map((t) => [
          t.id,
          t.revokedAt ? 'revoked' : t.active ? 'active' : 'expired',
          grantsText(t),
          t.expiresAt ?? 'never',
          t.description,
        ]),
      ]),
    );
  },
});

const revoke = defineCommand({
  meta: { name: 'revoke', description: 'Revoke a token by id; effective immediately' },
  args: {
    id: { type: 'positional', required: true, description: 'token id (from `token list`)' },
    ...connectionArgs,
    ...jsonArg,
  },
  async run({ args }) {
    const t = await apiFrom(args).request<TokenView>(
      'DELETE',
      `/_api/v1/tokens/${encodeURIComponent(args.id)}`,
    );
    output(args.json, t, () => `revoked token ${t.id}`);
  },
});

export default defineCommand({
  meta: { name: 'token', description: 'Manage API tokens and their scopes' },
  subCommands: { create, list, revoke },
});
