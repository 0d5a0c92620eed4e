import { ClientError } from '../client/errors.ts';
import { runNix, runNixWithOutput } from '../client/nix-cli.ts';
import { type DryRun, parseDryRun } from '../client/pull-plan.ts';

/** One derivation Nix would build, with what the scheduler needs to know about it. */
export interface DrvNode {
  drv: string;
  /** The derivation's `name` (`python3-3.11.4`). */
  name: string;
  /** Package name without version (Nix's parseDrvName), the key of history. */
  pname: string;
  outputs: string[];
  /** Derivations of this build set it needs first. */
  deps: string[];
  /** Whether it needs a path the fetch step brings in first. */
  needsFetch: boolean;
  /** `preferLocalBuild = true`: trivial builders (writeText and friends). */
  preferLocal: boolean;
}

export interface BuildGraph {
  roots: string[];
  nodes: Map<string, DrvNode>;
  dryRun: DryRun;
}

export interface GraphOptions {
  store?: string | undefined;
  /** A Nix file whose attributes are the installables (`-f`). */
  file?: string | undefined;
  storeDir?: string;
}

interface ShownDrv {
  outputs: Record<string, { path?: string }>;
  inputSrcs: string[];
  inputDrvs: Record<string, string[]>;
  env: Record<string, string>;
}

/**
 * Nix's parseDrvName (src/libstore/names.cc): the name ends at the first `-` that is
 * followed by something other than a letter.
 */
export function parseDrvName(name: string): { pname: string; version: string } {
  for (let i = 0; i < name.length; i++) {
    if (name[i] === '-' && i + 1 < name.length && !/[a-zA-Z]/.test(name[i + 1] as string)) {
      return { pname: name.slice(0, i), version: name.slice(i + 1) };
    }
  }
  return { pname: name, version: '' };
}

/** Installables to derivation paths: `.drv` paths, `-f file attr…`, `.nix` files. */
export async function resolveDerivations(args: string[], opts: GraphOptions): Promise<string[]> {
  const storeDir = opts.storeDir ?? '/nix/store';
  const store = { store: opts.store };
  if (opts.file) {
    const attrs = args.flatMap((a) => ['-A', a]);
    return lines(await runNix('nix-instantiate', [opts.file, ...attrs], store));
  }
  const drvs: string[] = [];
  for (const arg of args) {
    if (arg.startsWith(`${storeDir}/`) && arg.endsWith('.drv')) drvs.push(arg);
    else if (arg.startsWith(`${storeDir}/`)) {
      const deriver = (await runNix('nix-store', ['--query', '--deriver', arg], store)).trim();
      if (!deriver || deriver === 'unknown-deriver')
        throw new ClientError(`${arg}: no derivation known for this path`, { exitCode: 2 });
      drvs.push(deriver);
    } else if (arg.endsWith('.nix')) {
      drvs.push(...lines(await runNix('nix-instantiate', [arg], store)));
    } else {
      // A flake reference or anything else `nix` understands, where this Nix supports it.
      const out = await runNix('nix', ['path-info', '--derivation', arg], store);
      drvs.push(...lines(out));
    }
  }
  return [...new Set(drvs)];
}

/**
 * What must be built and what fetched, as Nix itself decides it (`--dry-run` asks every
 * configured substituter), plus the dependency edges among the derivations to build.
 */
export async function buildGraph(roots: string[], opts: GraphOptions): Promise<BuildGraph> {
  const store = { store: opts.store };
  const { stderr } = await runNixWithOutput(
    'nix-store',
    ['--realise', '--dry-run', ...roots],
    store,
  );
  const dryRun = parseDryRun(stderr);
  if (dryRun.missing.length > 0) {
    throw new ClientError(
      `Nix does not know how to build ${dryRun.missing.length} path(s), e.g. ${dryRun.missing[0]}`,
    );
  }
  const nodes = new Map<string, DrvNode>();
  if (dryRun.build.length === 0) return { roots, nodes, dryRun };
  const shown = JSON.parse(
    await runNix('nix', ['show-derivation', '--recursive', ...dryRun.build], store),
  ) as Record<string, ShownDrv>;
  const building = new Set(dryRun.build);
  const fetching = new Set(dryRun.fetch);
  const outputOf = new Map<string, Record<string, string>>();
  for (const [drv, d] of Object.entries(shown)) {
    outputOf.set(
      drv,
      Object.fromEntries(Object.entries(d.outputs).map(([k, v]) => [k, v.path ?? ''])),
    );
  }
  for (const drv of dryRun.build) {
    const d = shown[drv];
    if (!d) throw new ClientError(`nix show-derivation did not describe ${drv}`);
    const deps = Object.keys(d.inputDrvs).filter((i) => building.has(i));
    // An input derivation not built here has outputs that are valid or fetched.
    const inputs = [...d.inputSrcs];
    for (const [inDrv, outs] of Object.entries(d.inputDrvs)) {
      if (building.has(inDrv)) continue;
      const known = outputOf.get(inDrv) ?? {};
      for (const o of outs) inputs.push(known[o] ?? '');
    }
    const name = d.env.name ?? drv.replace(/^.*?-/, '').replace(/\.drv$/, '');
    nodes.set(drv, {
      drv,
      name,
      pname: d.env.pname || parseDrvName(name).pname,
      outputs: Object.values(d.outputs)
        .map((o) => o.path ?? '')
        .filter(Boolean),
      deps,
      needsFetch: inputs.some((p) => fetching.has(p)),
      preferLocal: d.env.preferLocalBuild === '1',
    });
  }
  return { roots, nodes, dryRun };
}

const lines = (s: string) =>
  s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
