import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { dumpPath, encodeBase32, formatHash, parseHash } from '../../nix/index.ts';
import { lastNixError, nixOk, nixOutcome } from '../shared/nix-run.ts';
import { compareTrees, type FileDifference } from './compare-trees.ts';
import { type Derivation, derivationsOf } from './derivations.ts';
import { runDiffoscope } from './diffoscope.ts';
import { type Witness, type WitnessResult, witness } from './witness.ts';

export interface ReproOptions {
  installables: string[];
  /** `-f file.nix`: the installables are attributes of it. */
  file?: string | undefined;
  store?: string | undefined;
  /** Check every derivation in the closure, not only the named ones. */
  closure?: boolean;
  /** false: only build what is missing and ask the cache (no second build). */
  rebuild?: boolean;
  witness?: Witness | undefined;
  /** diffoscope's path, to explain differing files; undefined: not installed. */
  diffoscope?: string | undefined;
  onProgress?: (line: string) => void;
}

export interface OutputResult {
  output: string;
  path: string;
  /** `sha256:<nix-base32>` of the output in the store (the first build). */
  narHash: string;
  /** differs: the rebuild gave other bytes; not-compared: Nix stopped at an earlier output. */
  rebuild: 'reproducible' | 'differs' | 'not-compared' | 'not-rebuilt';
  /** Where Nix kept the rebuilt output (`<path>.check`), when it differed. */
  checkPath?: string;
  rebuiltNarHash?: string;
  differences?: FileDifference[];
  cache?: WitnessResult;
}

export interface DerivationResult {
  drv: string;
  name: string;
  status: 'reproducible' | 'not-reproducible' | 'skipped' | 'error';
  reason?: string;
  outputs: OutputResult[];
}

export interface ReproReport {
  roots: string[];
  derivations: DerivationResult[];
  summary: {
    derivations: number;
    reproducible: number;
    notReproducible: number;
    skipped: number;
    errors: number;
  };
  /** 0 reproducible, 1 not reproducible, 2 something could not be checked. */
  exitCode: 0 | 1 | 2;
}

/** Files diffoscope is run on, at most: a wholly different output should not take hours. */
const DIFFOSCOPE_FILES = 50;

/**
 * Builds what is missing, rebuilds with Nix's check mode (`--check --keep-failed`, which
 * keeps a differing second output as `<path>.check`; build/local-derivation-goal.cc) and
 * names every file that differs; optionally compares NarHashes with a cache's narinfos.
 */
export async function checkRepro(opts: ReproOptions): Promise<ReproReport> {
  const { roots, all } = await derivationsOf(opts.installables, {
    file: opts.file,
    store: opts.store,
    closure: opts.closure ?? false,
  });
  const rootSet = new Set(roots);
  const results: DerivationResult[] = [];
  for (const [i, d] of all.entries()) {
    opts.onProgress?.(`checking ${d.name} (${i + 1}/${all.length})`);
    // A fixed-output derivation's content is verified against its declared hash by Nix
    // on every build; rebuilding it only re-downloads. Named explicitly, it is checked.
    const skip = d.fixed && !rootSet.has(d.drv);
    results.push(await checkOne(d, opts, skip));
  }
  const count = (s: DerivationResult['status']) => results.filter((r) => r.status === s).length;
  const summary = {
    derivations: results.length,
    reproducible: count('reproducible'),
    notReproducible: count('not-reproducible'),
    skipped: count('skipped'),
    errors: count('error'),
  };
  const exitCode = summary.notReproducible > 0 ? 1 : summary.errors > 0 ? 2 : 0;
  return { roots, derivations: results, summary, exitCode };
}

async function narHashOfTree(path: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(dumpPath(path), h);
  return `sha256:${encodeBase32(h.digest())}`;
}

async function checkOne(
  d: Derivation,
  opts: ReproOptions,
  skip: boolean,
): Promise<DerivationResult> {
  const store = { store: opts.store };
  const base = { drv: d.drv, name: d.name };
  const built = await nixOutcome('nix-store', ['--realise', d.drv], store);
  if (built.code !== 0)
    return {
      ...base,
      status: 'error',
      reason: `build failed: ${lastNixError(built.stderr)}`,
      outputs: [],
    };
  const paths = Object.values(d.outputs);
  const infos = JSON.parse(await nixOk('nix', ['path-info', '--json', ...paths], store)) as {
    path: string;
    narHash: string;
  }[];
  const narHashOf = new Map(
    infos.map((i) => [i.path, formatHash(parseHash(i.narHash, 'narHash'), 'base32')]),
  );
  const outputs: OutputResult[] = Object.entries(d.outputs).map(([output, path]) => ({
    output,
    path,
    narHash: narHashOf.get(path) ?? '',
    rebuild: 'not-rebuilt',
  }));

  let reason: string | undefined;
  let error = false;
  if (opts.rebuild !== false && !skip) {
    const check = await nixOutcome(
      'nix-store',
      ['--realise', '--check', '--keep-failed', d.drv],
      store,
    );
    // Nix names both real paths (chroot stores included) in its NotDeterministic error.
    const mismatch = /may not be deterministic: output '([^']+)' differs from '([^']+)'/.exec(
      check.stderr,
    );
    const kept = /keeping build directory '([^']+)'/.exec(check.stderr)?.[1];
    // --keep-failed is only there to keep `.check`; the build directory is Nix's litter.
    if (kept && basename(kept).startsWith('nix-build-'))
      await rm(kept, { recursive: true, force: true }).catch(() => {});
    if (check.code === 0) {
      for (const o of outputs) o.rebuild = 'reproducible';
    } else if (mismatch) {
      const [, first = '', second = ''] = mismatch;
      for (const o of outputs) {
        if (first.endsWith(o.path)) {
          o.rebuild = 'differs';
          o.checkPath = second;
          o.rebuiltNarHash = await narHashOfTree(second);
          o.differences = compareTrees(first, second);
          if (opts.diffoscope) await explain(opts.diffoscope, first, second, o.differences);
        } else o.rebuild = 'not-compared';
      }
    } else {
      error = true;
      reason = `rebuild failed: ${lastNixError(check.stderr)}`;
    }
  } else if (skip)
    reason = 'fixed-output derivation: Nix checks its output against the declared hash';

  if (opts.witness) {
    for (const o of outputs) o.cache = await witness(opts.witness, o.path, o.narHash);
    const failed = outputs.find((o) => o.cache?.status === 'error');
    if (failed) {
      error = true;
      reason ??= `cache ${failed.cache?.url}: ${failed.cache?.message}`;
    }
  }
  const differs = outputs.some((o) => o.rebuild === 'differs' || o.cache?.status === 'differs');
  const status = differs ? 'not-reproducible' : error ? 'error' : skip ? 'skipped' : 'reproducible';
  return { ...base, status, ...(reason ? { reason } : {}), outputs };
}

async function explain(
  bin: string,
  first: string,
  second: string,
  diffs: FileDifference[],
): Promise<void> {
  const contentDiffs = diffs.filter(
    (f) => f.status === 'changed' && f.firstDifferentByte !== undefined,
  );
  for (const f of contentDiffs.slice(0, DIFFOSCOPE_FILES)) {
    const rel = f.path === '.' ? '' : `/${f.path}`;
    f.diffoscope = await runDiffoscope(bin, `${first}${rel}`, `${second}${rel}`);
  }
}
