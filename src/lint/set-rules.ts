import type { Catalog } from './catalog.ts';
import type { Add } from './check.ts';
import { nixVars } from './data/nix-vars.ts';
import type { FileFacts, Occurrence } from './occurrences.ts';

const nixOwn = new Set(nixVars.map((v) => v.name));

/** Rules about one attribute set: env overlaps, structured attrs, hardening lists. */
export function checkSets(facts: FileFacts, catalog: Catalog, add: Add): void {
  const direct = new Map<string, Occurrence>();
  for (const o of facts.occurrences) if (o.attr?.direct) direct.set(`${o.attr.host}:${o.name}`, o);
  for (const o of facts.occurrences) {
    const a = o.attr;
    if (!a) continue;
    const set = facts.sets.get(a.host);
    if (a.inEnv && direct.has(`${a.host}:${o.name}`))
      add(
        o,
        'nix-var-env-overlap',
        `${o.name} is set both in env and as a derivation argument: mkDerivation rejects the overlap (evaluation fails); keep only env.${o.name}`,
      );
    if (o.name === 'NIX_HARDENING_ENABLE' && set?.hardeningLists) {
      if (a.inEnv)
        add(
          o,
          'nix-var-env-overlap',
          'env.NIX_HARDENING_ENABLE overlaps the NIX_HARDENING_ENABLE mkDerivation derives from hardeningEnable/hardeningDisable (evaluation fails); use those lists only',
        );
      else if (a.direct)
        add(
          o,
          'nix-var-hardening-overridden',
          'NIX_HARDENING_ENABLE is replaced by the value mkDerivation computes from hardeningEnable/hardeningDisable, so this one is ignored; use those lists only',
        );
    }
    const k = catalog.lookup(o.name);
    const wrapperOrStdenv =
      k &&
      (k.how === 'exact' || k.how === 'role') &&
      !nixOwn.has(k.info.name) &&
      !k.info.providedBy;
    if (set?.structuredAttrs && a.direct && wrapperOrStdenv)
      add(
        o,
        'nix-var-structured-not-exported',
        `with __structuredAttrs = true only env is exported, and the wrappers read ${o.name} from the environment, so this attribute never reaches them: move it to env.${o.name}`,
      );
  }
}
