import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { parsePublicKey } from '../nix/index.ts';
import { compileMatch, type TierRule } from '../retention/index.ts';
import { ConfigError, readSection, type Section } from './schema.ts';

export const STORAGE_KINDS = ['fs', 's3'] as const;
export const DATABASE_KINDS = ['sqlite', 'postgres'] as const;
export type StorageKind = (typeof STORAGE_KINDS)[number];
export type DatabaseKind = (typeof DATABASE_KINDS)[number];

/** Per-cache settings declared in the config file (`[cache.<name>]`). */
export interface CacheSettings {
  public?: boolean;
  priority?: number;
  quota?: number;
}

/** The server's whole configuration, parsed once at start and passed down. */
export interface Config {
  listen: { host: string; port: number };
  dataDir: string;
  publicUrl: string | undefined;
  storage: StorageKind;
  database: DatabaseKind;
  storeDir: string;
  maxNarSize: number;
  maxNarinfoSize: number;
  maxLogSize: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Server processes sharing the port; 0 means one per CPU core. */
  workers: number;
  /** Answer narinfo and nix-cache-info GETs without node:http's per-request objects. */
  fastLane: boolean;
  caches: Record<string, CacheSettings>;
  /** Per-cache retention settings from `[cache.<name>]`: tier-3 TTL and tier rules. */
  retention: Record<string, CacheRetention>;
  /** Per-cache upstream substituters from `[[cache.<name>.upstream]]` and `pull_through`. */
  upstreams: Record<string, CacheUpstreams>;
  /** How long an evicted NAR stays downloadable (in-flight substitutions finish). */
  narGraceMs: number;
  /** Roots younger than this are not evicted: their push may still be in flight. */
  uploadGraceMs: number;
  /** `[s3]`, required with `storage = "s3"`. */
  s3: S3Settings | undefined;
  /** `[postgres]`, required with `database = "postgres"`. */
  postgres: PostgresSettings | undefined;
}

/** Where the S3 backend keeps blobs; credentials unset mean the AWS SDK's default chain. */
export interface S3Settings {
  bucket: string;
  region: string;
  endpoint: string | undefined;
  prefix: string;
  forcePathStyle: boolean;
  accessKeyId: string | undefined;
  secretAccessKey: string | undefined;
}

export interface PostgresSettings {
  url: string;
  /** Connections per process (each cluster worker and planning thread has its own pool). */
  poolSize: number;
}

/** An upstream substituter: its base URL (no trailing slash) and the key its narinfos are signed with. */
export interface UpstreamSettings {
  url: string;
  publicKey: string;
}

export interface CacheUpstreams {
  upstreams: UpstreamSettings[];
  /** false: only pushes skip; true: misses are fetched and stored; redirect: narinfo only. */
  pullThrough: false | true | 'redirect';
}

export interface CacheRetention {
  tier3TtlMs: number;
  rules: TierRule[];
}

const TOP: Section = {
  listen: { type: 'string', env: 'LARDER_LISTEN', default: '127.0.0.1:7745' },
  data_dir: { type: 'string', env: 'LARDER_DATA_DIR', default: './larder-data' },
  public_url: { type: 'string', env: 'LARDER_PUBLIC_URL' },
  storage: { type: 'enum', values: STORAGE_KINDS, env: 'LARDER_STORAGE', default: 'fs' },
  database: { type: 'enum', values: DATABASE_KINDS, env: 'LARDER_DATABASE', default: 'sqlite' },
  store_dir: { type: 'string', env: 'LARDER_STORE_DIR', default: '/nix/store' },
  max_nar_size: { type: 'size', env: 'LARDER_MAX_NAR_SIZE', default: '64GiB' },
  max_narinfo_size: { type: 'size', env: 'LARDER_MAX_NARINFO_SIZE', default: '64KiB' },
  max_log_size: { type: 'size', env: 'LARDER_MAX_LOG_SIZE', default: '64MiB' },
  workers: { type: 'int', env: 'LARDER_WORKERS', default: 1 },
  fast_lane: { type: 'bool', env: 'LARDER_FAST_LANE', default: true },
  nar_grace: { type: 'duration', env: 'LARDER_NAR_GRACE', default: '10m' },
  upload_grace: { type: 'duration', env: 'LARDER_UPLOAD_GRACE', default: '10m' },
  log_level: {
    type: 'enum',
    values: ['debug', 'info', 'warn', 'error', 'silent'],
    env: 'LARDER_LOG_LEVEL',
    default: 'info',
  },
};

const S3: Section = {
  bucket: { type: 'string', env: 'LARDER_S3_BUCKET' },
  region: { type: 'string', env: 'LARDER_S3_REGION', default: 'us-east-1' },
  endpoint: { type: 'string', env: 'LARDER_S3_ENDPOINT' },
  prefix: { type: 'string', env: 'LARDER_S3_PREFIX', default: '' },
  force_path_style: { type: 'bool', env: 'LARDER_S3_FORCE_PATH_STYLE', default: false },
  access_key_id: { type: 'string', env: 'LARDER_S3_ACCESS_KEY_ID' },
  secret_access_key: { type: 'string', env: 'LARDER_S3_SECRET_ACCESS_KEY' },
};

const POSTGRES: Section = {
  url: { type: 'string', env: 'LARDER_POSTGRES_URL' },
  pool_size: { type: 'int', env: 'LARDER_POSTGRES_POOL_SIZE', default: 10 },
};

const CACHE: Section = {
  public: { type: 'bool' },
  priority: { type: 'int' },
  quota: { type: 'size' },
};

const CACHE_RETENTION: Section = {
  tier3_ttl: { type: 'duration', default: '1d' },
};

const RULE: Section = {
  match: { type: 'string' },
  min_build_seconds: { type: 'int' },
  min_size: { type: 'size' },
  tier: { type: 'int' },
};

const UPSTREAM: Section = {
  url: { type: 'string' },
  public_key: { type: 'string' },
};

const SECTIONS = new Set(['cache', 's3', 'postgres']);

export interface LoadOptions {
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  overrides?: { listen?: string | undefined; dataDir?: string | undefined };
}

/** Loads the configuration: embedded defaults, then the TOML file, then LARDER_* variables, then flags. */
export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const file = opts.file ?? env.LARDER_CONFIG;
  let doc: Record<string, unknown> = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
    }
    try {
      doc = parseToml(text) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`${file}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  const top: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) if (!SECTIONS.has(k)) top[k] = v;
  const t = readSection(TOP, top, env, '');
  if (opts.overrides?.listen) t.listen = opts.overrides.listen;
  if (opts.overrides?.dataDir) t.data_dir = opts.overrides.dataDir;

  const caches: Record<string, CacheSettings> = {};
  const retention: Record<string, CacheRetention> = {};
  const upstreams: Record<string, CacheUpstreams> = {};
  const cacheDoc = (doc.cache ?? {}) as Record<string, unknown>;
  for (const [name, body] of Object.entries(cacheDoc)) {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new ConfigError(`cache.${name}: expected a table`);
    }
    const { rule, tier3_ttl, upstream, pull_through, ...rest } = body as Record<string, unknown>;
    caches[name] = readSection(CACHE, rest, {}, `cache.${name}.`);
    const r = readSection(
      CACHE_RETENTION,
      tier3_ttl === undefined ? {} : { tier3_ttl },
      {},
      `cache.${name}.`,
    );
    retention[name] = { tier3TtlMs: r.tier3_ttl as number, rules: readRules(rule, name) };
    const ups = readUpstreams(upstream, pull_through, name);
    if (ups) upstreams[name] = ups;
  }
  const s3 = readBackendSection(S3, doc.s3, env, 's3', t.storage === 's3', 'bucket');
  const pg = readBackendSection(
    POSTGRES,
    doc.postgres,
    env,
    'postgres',
    t.database === 'postgres',
    'url',
  );

  return {
    listen: parseListen(t.listen as string),
    dataDir: resolve(t.data_dir as string),
    publicUrl: (t.public_url as string | undefined)?.replace(/\/+$/, ''),
    storage: t.storage as StorageKind,
    database: t.database as DatabaseKind,
    storeDir: t.store_dir as string,
    maxNarSize: t.max_nar_size as number,
    maxNarinfoSize: t.max_narinfo_size as number,
    maxLogSize: t.max_log_size as number,
    logLevel: t.log_level as Config['logLevel'],
    workers: t.workers === 0 ? availableParallelism() : Math.max(1, t.workers as number),
    fastLane: t.fast_lane as boolean,
    caches,
    retention,
    upstreams,
    narGraceMs: t.nar_grace as number,
    uploadGraceMs: t.upload_grace as number,
    s3: s3 && {
      bucket: s3.bucket as string,
      region: s3.region as string,
      endpoint: (s3.endpoint as string | undefined)?.replace(/\/+$/, ''),
      prefix: (s3.prefix as string).replace(/^\/+|\/+$/g, ''),
      forcePathStyle: s3.force_path_style as boolean,
      accessKeyId: s3.access_key_id as string | undefined,
      secretAccessKey: s3.secret_access_key as string | undefined,
    },
    postgres: pg && { url: pg.url as string, poolSize: Math.max(1, pg.pool_size as number) },
  };
}

/**
 * `[s3]` or `[postgres]`: always checked for unknown keys; when its backend is chosen, the
 * key it cannot do without must be set (named in the error with its environment variable).
 */
function readBackendSection(
  section: Section,
  input: unknown,
  env: NodeJS.ProcessEnv,
  name: string,
  chosen: boolean,
  required: string,
): Record<string, unknown> | undefined {
  if (input !== undefined && (typeof input !== 'object' || input === null || Array.isArray(input)))
    throw new ConfigError(`${name}: expected a table`);
  const r = readSection(section, (input ?? {}) as Record<string, unknown>, env, `${name}.`);
  if (!chosen) return undefined;
  if (r[required] === undefined || r[required] === '') {
    const envName = section[required]?.env;
    const backend = name === 's3' ? 'storage = "s3"' : 'database = "postgres"';
    throw new ConfigError(`${backend} needs ${name}.${required} (or ${envName})`);
  }
  return r;
}

/** `[[cache.<name>.rule]]` tables, in order: the first match gives a new root's tier. */
function readRules(input: unknown, cache: string): TierRule[] {
  if (input === undefined) return [];
  if (!Array.isArray(input))
    throw new ConfigError(`cache.${cache}.rule: expected [[cache.${cache}.rule]] tables`);
  return input.map((raw, i) => {
    const where = `cache.${cache}.rule[${i}].`;
    const r = readSection(RULE, raw as Record<string, unknown>, {}, where);
    if (![1, 2, 3].includes(r.tier as number))
      throw new ConfigError(`${where}tier: expected 1, 2 or 3`);
    if (typeof r.match === 'string') {
      try {
        compileMatch(r.match);
      } catch (err) {
        throw new ConfigError(`${where}match: ${(err as Error).message}`);
      }
    }
    return {
      tier: r.tier as 1 | 2 | 3,
      match: r.match as string | undefined,
      minBuildSeconds: r.min_build_seconds as number | undefined,
      minSize: r.min_size as number | undefined,
    };
  });
}

/** `[[cache.<name>.upstream]]` tables and `pull_through = true | false | "redirect"`. */
function readUpstreams(
  input: unknown,
  pullThrough: unknown,
  cache: string,
): CacheUpstreams | undefined {
  if (
    pullThrough !== undefined &&
    pullThrough !== true &&
    pullThrough !== false &&
    pullThrough !== 'redirect'
  )
    throw new ConfigError(
      `cache.${cache}.pull_through: expected true, false or "redirect", got ${JSON.stringify(pullThrough)}`,
    );
  if (input === undefined) {
    if (pullThrough)
      throw new ConfigError(`cache.${cache}.pull_through needs [[cache.${cache}.upstream]]`);
    return undefined;
  }
  if (!Array.isArray(input))
    throw new ConfigError(`cache.${cache}.upstream: expected [[cache.${cache}.upstream]] tables`);
  const list = input.map((raw, i) => {
    const where = `cache.${cache}.upstream[${i}].`;
    const r = readSection(UPSTREAM, raw as Record<string, unknown>, {}, where);
    for (const key of ['url', 'public_key'])
      if (r[key] === undefined) throw new ConfigError(`${where}${key} is required`);
    const url = (r.url as string).replace(/\/+$/, '');
    if (!/^https?:\/\/[^/]/.test(url))
      throw new ConfigError(`${where}url: expected an http(s) URL, got ${JSON.stringify(r.url)}`);
    try {
      parsePublicKey(r.public_key as string);
    } catch (err) {
      throw new ConfigError(`${where}public_key: ${(err as Error).message}`);
    }
    return { url, publicKey: r.public_key as string };
  });
  return { upstreams: list, pullThrough: (pullThrough ?? false) as CacheUpstreams['pullThrough'] };
}

/** Parses HOST:PORT, [v6]:PORT or a bare port. */
export function parseListen(s: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(s) ?? /^()()(\d+)$/.exec(s);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || !(port >= 0 && port < 65536)) {
    throw new ConfigError(`listen: expected HOST:PORT, got ${JSON.stringify(s)}`);
  }
  return { host: m[1] || m[2] || '127.0.0.1', port };
}
