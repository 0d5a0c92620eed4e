import { ClientError } from '../../client/index.ts';
import { nixOk } from '../shared/nix-run.ts';

export interface Derivation {
  drv: string;
  name: string;
  /** Output name → store path. */
  outputs: Record<string, string>;
  /** Fixed-output: its content is checked against a declared hash already. */
  fixed: boolean;
  inputDrvs: string[];
}

interface ShownDerivation {
  outputs: Record<string, { path?: string; hash?: string }>;
  inputDrvs: Record<string, unknown>;
  env?: Record<string, string>;
}

/**
 * The derivations behind installables (store paths through their deriver, `.drv` paths,
 * `-f file attr`, flake references), from `nix show-derivation`; with `closure`, every
 * derivation they depend on too, dependencies first.
 */
export async function derivationsOf(
  installables: string[],
  opts: { file?: string | undefined; store?: string | undefined; closure?: boolean },
): Promise<{ roots: string[]; all: Derivation[] }> {
  const args = ['show-derivation'];
  if (opts.file) args.push('--file', opts.file);
  const shown = async (recursive: boolean) =>
    JSON.parse(
      await nixOk('nix', [...args, ...(recursive ? ['--recursive'] : []), ...installables], {
        store: opts.store,
      }),
    ) as Record<string, ShownDerivation>;
  const top = await shown(false);
  const roots = Object.keys(top);
  if (roots.length === 0) throw new ClientError('no derivation to check', { exitCode: 2 });
  const raw = opts.closure ? await shown(true) : top;
  const byPath = new Map<string, Derivation>();
  for (const [drv, d] of Object.entries(raw)) {
    const outputs: Record<string, string> = {};
    for (const [name, o] of Object.entries(d.outputs)) if (o.path) outputs[name] = o.path;
    byPath.set(drv, {
      drv,
      name: d.env?.name ?? drv.replace(/^.*?-/, '').replace(/\.drv$/, ''),
      outputs,
      fixed: Object.values(d.outputs).some((o) => o.hash !== undefined),
      inputDrvs: Object.keys(d.inputDrvs),
    });
  }
  // Dependencies first, so a summary reads bottom-up like a build log.
  const ordered: Derivation[] = [];
  const seen = new Set<string>();
  const visit = (p: string) => {
    const d = byPath.get(p);
    if (!d || seen.has(p)) return;
    seen.add(p);
    for (const i of d.inputDrvs) visit(i);
    ordered.push(d);
  };
  for (const p of [...byPath.keys()].sort()) visit(p);
  return { roots, all: ordered };
}
