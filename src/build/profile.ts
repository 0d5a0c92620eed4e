import { readFileSync } from 'node:fs';
import { availableParallelism, hostname, totalmem } from 'node:os';
import { parse as parseToml } from 'smol-toml';
import { ClientError } from '../client/errors.ts';
import { parseSize } from '../util/units.ts';

/** What one tier of builds gets on this machine, and what it is expected to cost. */
export interface TierProfile {
  tier: number;
  /** Globs on the derivation name (`python3-*`); the first tier that matches wins. */
  match: string[];
  cores: number;
  /** Memory estimate of one build of this tier, in bytes, until history knows better. */
  memory: number;
  /** Duration estimate of one build of this tier, in seconds, until history knows better. */
  seconds: number;
}

/** Thresholds for flagging builds while they run. */
export interface FlagProfile {
  /** A build is slow when it runs this many times longer than its history says. */
  slowFactor: number;
  /** A build is off the CPU when its CPU seconds are below this share of its wall seconds. */
  offCpuRatio: number;
  /** Builds shorter than this are never flagged (too short to judge). */
  minSeconds: number;
}

/** `larder.workspace.toml`: what this machine may spend on builds. */
export interface Profile {
  name: string;
  role: 'consumer' | 'builder';
  memoryBudget: number;
  cores: number;
  /** Builds at once, whatever their memory (Nix's max-jobs, as a ceiling). */
  maxJobs: number;
  buildTiers: number[];
  /** Tier of a derivation no rule matches and no history knows. */
  defaultTier: number;
  tiers: Map<number, TierProfile>;
  flags: FlagProfile;
  /** Where the profile came from, for messages. */
  source: string;
}

const GIB = 2 ** 30;

/** Tier defaults from FIELD.md's hand-written tiers, scaled down by `init` to the machine. */
const TIER_DEFAULTS: Record<number, Omit<TierProfile, 'tier' | 'match'>> = {
  1: { cores: 6, memory: 12 * GIB, seconds: 3600 },
  2: { cores: 4, memory: 4 * GIB, seconds: 600 },
  3: { cores: 2, memory: 1 * GIB, seconds: 60 },
};

const TOP_KEYS = new Set([
  'name',
  'role',
  'memory_budget',
  'cores',
  'max_jobs',
  'build_tiers',
  'default_tier',
  'tier',
  'flags',
]);
const TIER_KEYS = new Set(['match', 'cores', 'memory', 'seconds']);
const FLAG_KEYS = new Set(['slow_factor', 'off_cpu_ratio', 'min_seconds']);

function fail(source: string, message: string): never {
  throw new ClientError(`${source}: ${message}`, { exitCode: 2 });
}

function unknownKeys(source: string, where: string, obj: object, known: Set<string>): void {
  for (const k of Object.keys(obj)) {
    if (!known.has(k)) fail(source, `unknown key ${where}${k}`);
  }
}

function positiveInt(source: string, key: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    fail(source, `${key} must be a positive whole number`);
  return v;
}

function size(source: string, key: string, v: unknown): number {
  try {
    return parseSize(v as string | number);
  } catch (err) {
    return fail(source, `${key}: ${(err as Error).message}`);
  }
}

function tierNumber(source: string, key: string, v: unknown): number {
  if (v !== 1 && v !== 2 && v !== 3) fail(source, `${key} must be 1, 2 or 3`);
  return v;
}

/** Parses a profile document; unknown keys and bad values are refused with their name. */
export function parseProfile(text: string, source: string): Profile {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    return fail(source, `not valid TOML: ${(err as Error).message.split('\n')[0]}`);
  }
  unknownKeys(source, '', doc, TOP_KEYS);
  const role = doc.role ?? 'builder';
  if (role !== 'consumer' && role !== 'builder') fail(source, 'role must be consumer or builder');
  const cores =
    doc.cores === undefined ? availableParallelism() : positiveInt(source, 'cores', doc.cores);
  if (doc.memory_budget === undefined) fail(source, 'memory_budget is required (e.g. "6GiB")');
  const memoryBudget = size(source, 'memory_budget', doc.memory_budget);
  const buildTiersRaw = doc.build_tiers ?? [1, 2, 3];
  if (!Array.isArray(buildTiersRaw)) fail(source, 'build_tiers must be a list such as [2, 3]');
  const buildTiers = buildTiersRaw.map((t, i) => tierNumber(source, `build_tiers[${i}]`, t));
  const tiers = new Map<number, TierProfile>();
  const tierDoc = (doc.tier ?? {}) as Record<string, Record<string, unknown>>;
  if (typeof tierDoc !== 'object' || Array.isArray(tierDoc)) fail(source, '[tier.N] tables only');
  for (const key of Object.keys(tierDoc)) {
    if (!['1', '2', '3'].includes(key)) fail(source, `unknown tier [tier.${key}] (tiers are 1–3)`);
  }
  for (const n of [1, 2, 3]) {
    const t = tierDoc[String(n)] ?? {};
    unknownKeys(source, `tier.${n}.`, t, TIER_KEYS);
    const match = t.match ?? [];
    if (!Array.isArray(match) || match.some((m) => typeof m !== 'string'))
      fail(source, `tier.${n}.match must be a list of name globs`);
    const d = TIER_DEFAULTS[n] as Omit<TierProfile, 'tier' | 'match'>;
    tiers.set(n, {
      tier: n,
      match: match as string[],
      cores: Math.min(
        t.cores === undefined ? d.cores : positiveInt(source, `tier.${n}.cores`, t.cores),
        cores,
      ),
      memory: t.memory === undefined ? d.memory : size(source, `tier.${n}.memory`, t.memory),
      seconds:
        t.seconds === undefined
          ? d.seconds
          : positiveNumber(source, `tier.${n}.seconds`, t.seconds),
    });
  }
  const flagDoc = (doc.flags ?? {}) as Record<string, unknown>;
  unknownKeys(source, 'flags.', flagDoc, FLAG_KEYS);
  return {
    name: typeof doc.name === 'string' && doc.name ? doc.name : hostname(),
    role,
    memoryBudget,
    cores,
    maxJobs: doc.max_jobs === undefined ? cores : positiveInt(source, 'max_jobs', doc.max_jobs),
    buildTiers,
    defaultTier:
      doc.default_tier === undefined ? 2 : tierNumber(source, 'default_tier', doc.default_tier),
    tiers,
    flags: {
      slowFactor:
        flagDoc.slow_factor === undefined
          ? 3
          : positiveNumber(source, 'flags.slow_factor', flagDoc.slow_factor),
      offCpuRatio:
        flagDoc.off_cpu_ratio === undefined
          ? 0.25
          : positiveNumber(source, 'flags.off_cpu_ratio', flagDoc.off_cpu_ratio),
      minSeconds:
        flagDoc.min_seconds === undefined
          ? 30
          : positiveNumber(source, 'flags.min_seconds', flagDoc.min_seconds),
    },
    source,
  };
}

function positiveNumber(source: string, key: string, v: unknown): number {
  if (typeof v !== 'number' || !(v > 0)) fail(source, `${key} must be a positive number`);
  return v;
}

/** Reads a profile file; a missing file is an error that says how to make one. */
export function loadProfile(file: string): Profile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ClientError(
      code === 'ENOENT'
        ? `${file} not found: run \`larder profile init\` to write one for this machine`
        : `cannot read ${file}: ${(err as Error).message}`,
      { exitCode: 2 },
    );
  }
  return parseProfile(text, file);
}

/**
 * The profile used when no file exists: this machine's cores and 3/4 of its RAM, able to
 * build every tier. Good enough for a plan; `larder build` asks for a real profile on a
 * consumer, where refusing heavy builds is the point.
 */
export function defaultProfile(): Profile {
  return parseProfile(detectProfileToml(), '(built-in profile)');
}

/** What `larder profile init` writes: this machine's RAM and cores, a reserve, a role. */
export function detectProfileToml(
  machine: { name?: string; memory?: number; cores?: number; role?: 'consumer' | 'builder' } = {},
): string {
  const memory = machine.memory ?? totalmem();
  const cores = machine.cores ?? availableParallelism();
  // FIELD.md: the build server keeps 6–8 GB of 16 for the desktop; below 4 GiB keep half.
  const reserve = Math.max(Math.min(memory * 0.4, 8 * GIB), Math.min(2 * GIB, memory / 2));
  const budget = Math.max(memory - reserve, 256 * 2 ** 20);
  const role = machine.role ?? (memory >= 15 * GIB && cores >= 8 ? 'builder' : 'consumer');
  const gib = (n: number) => `"${(Math.floor((n / GIB) * 10) / 10).toString()}GiB"`;
  const c = (n: number) => Math.max(1, Math.min(n, cores));
  const tier1Memory = Math.min(12 * GIB, budget);
  return `# larder workspace profile: what this machine may spend on builds.
# Written by \`larder profile init\` from this machine; edit it freely.
name = ${JSON.stringify(machine.name ?? hostname())}
role = "${role}"            # "builder" builds every tier; "consumer" only build_tiers
memory_budget = ${gib(budget)}   # of ${gib(memory)} RAM; the rest stays for the desktop
cores = ${cores}
max_jobs = ${cores}              # builds at once, whatever their memory
build_tiers = ${role === 'builder' ? '[1, 2, 3]' : '[3]'}
# Tier of a derivation no rule matches and no earlier build measured.
default_tier = ${role === 'builder' ? 2 : 3}

[tier.1]
match = ["python3-*", "nodejs-*", "glibc-*", "gcc-*", "llvm-*", "firefox-*", "onnxruntime-*"]
cores = ${c(6)}
memory = ${gib(tier1Memory)}
seconds = 3600

[tier.2]
match = ["rustc-*", "go-*", "chromium-*", "electron-*"]
cores = ${c(4)}
memory = ${gib(Math.min(4 * GIB, budget))}
seconds = 600

[tier.3]
cores = ${c(2)}
memory = "1GiB"
seconds = 60

[flags]
slow_factor = 3       # flag a build running 3x longer than its history
off_cpu_ratio = 0.25  # flag a build whose CPU time is under 25% of its wall time
min_seconds = 30      # never flag builds shorter than this
`;
}
