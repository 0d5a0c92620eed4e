import type { Catalog } from './catalog.ts';
import { type Occurrence, occurrences } from './occurrences.ts';
import { Positions } from './positions.ts';
import { type Finding, RULES, type RuleId } from './rules.ts';
import { checkSets } from './set-rules.ts';
import { type Suggestion, suggest } from './suggest.ts';

const MACHINERY = "nixpkgs' cc-wrapper, bintools-wrapper and stdenv setup";

const didYouMean = (s: Suggestion[]) =>
  s.length === 0 ? '' : `; did you mean ${s.map((x) => `${x.name} (${x.does})`).join(', or ')}?`;

/** Lints one Nix file's text; `file` is only copied into the findings. */
export function lintSource(src: string, file: string, catalog: Catalog): Finding[] {
  const facts = occurrences(src);
  const pos = new Positions(src);
  const found: Finding[] = [];
  const add = (o: Occurrence, rule: RuleId, message: string, suggestions: Suggestion[] = []) => {
    const a = pos.at(o.start);
    const b = pos.at(o.end);
    found.push({
      file,
      line: a.line,
      column: a.column,
      endLine: b.line,
      endColumn: b.column,
      rule,
      severity: RULES[rule].severity,
      name: o.name,
      message,
      suggestions,
    });
  };
  const setHere = new Set(facts.occurrences.filter((o) => o.how !== 'use').map((o) => o.name));
  for (const o of facts.occurrences) {
    const known = catalog.lookup(o.name);
    if (!known && o.how !== 'use') {
      const s = suggest(o.name);
      add(
        o,
        'nix-var-unknown',
        `${o.name} is not read by ${MACHINERY}, so it is silently ignored${didYouMean(s) || ` (if another tool reads it, pass --allow ${o.name})`}`,
        s,
      );
    } else if (!known && !setHere.has(o.name)) {
      const s = suggest(o.name);
      add(
        o,
        'nix-var-unknown-read',
        `${o.name} is expanded here, but neither Nix nor ${MACHINERY} sets it, so it is empty${didYouMean(s)}`,
        s,
      );
    }
    checkValue(o, catalog, add);
  }
  checkSets(facts, catalog, add);
  return found.sort((a, b) => a.line - b.line || a.column - b.column);
}

export type Add = (o: Occurrence, rule: RuleId, message: string) => void;

/** Rules about one value: lists in env, words where an integer switch is read. */
function checkValue(o: Occurrence, catalog: Catalog, add: Add): void {
  if (o.attr?.inEnv && o.attr.value.kind === 'list')
    add(
      o,
      'nix-var-env-list',
      `env.${o.name} is a list: mkDerivation only accepts strings, booleans, integers and derivations in env (evaluation fails); write toString [ ... ]`,
    );
  const info = catalog.info(o.name);
  if (
    info?.kind === 'bool' &&
    o.literal !== undefined &&
    o.literal !== '' &&
    !/^-?\d+$/.test(o.literal.trim())
  )
    add(
      o,
      'nix-var-bool-value',
      `${o.name} is an integer switch (${info.does}); "${o.literal}" counts as 0, so it is off: use 1`,
    );
}
