import type { DerivationResult, OutputResult, ReproReport } from './check.ts';
import type { FileDifference } from './compare-trees.ts';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** One line per way a file differs, e.g. `bin/x: size 10 -> 12 bytes, content from byte 4`. */
export function describeDifference(f: FileDifference): string {
  if (f.status === 'missing') return `${f.path}: only in the first build`;
  if (f.status === 'extra') return `${f.path}: only in the rebuild`;
  const parts: string[] = [];
  if (f.type) parts.push(`type ${f.type.first} -> ${f.type.second}`);
  if (f.size) parts.push(`size ${f.size.first} -> ${f.size.second} bytes`);
  if (f.firstDifferentByte !== undefined)
    parts.push(`content differs from byte ${f.firstDifferentByte}`);
  if (f.executable)
    parts.push(
      f.executable.first ? 'executable -> not executable' : 'not executable -> executable',
    );
  if (f.symlinkTarget)
    parts.push(`symlink target ${f.symlinkTarget.first} -> ${f.symlinkTarget.second}`);
  return `${f.path}: ${parts.join(', ')}`;
}

function outputLines(o: OutputResult): string[] {
  const lines: string[] = [];
  if (o.rebuild === 'differs') {
    lines.push(
      `  ${o.path}: rebuild differs (${o.narHash} -> ${o.rebuiltNarHash}), kept at ${o.checkPath}`,
    );
    const diffs = o.differences ?? [];
    lines.push(`    ${plural(diffs.length, 'file')} ${diffs.length === 1 ? 'differs' : 'differ'}:`);
    for (const f of diffs) {
      lines.push(`    ${describeDifference(f)}`);
      if (f.diffoscope) lines.push(...f.diffoscope.split('\n').map((l) => `      ${l}`));
    }
  } else if (o.rebuild === 'reproducible') {
    lines.push(`  ${o.path}: rebuilt with the same NarHash ${o.narHash}`);
  } else if (o.rebuild === 'not-compared') {
    lines.push(`  ${o.path}: not compared (Nix stopped at the first differing output)`);
  }
  if (o.cache) {
    const c = o.cache;
    const text =
      c.status === 'same'
        ? `same NarHash as ${c.url}`
        : c.status === 'differs'
          ? `NarHash ${o.narHash} here, ${c.narHash} in ${c.url}`
          : c.status === 'absent'
            ? `not in ${c.url}`
            : `cache ${c.url}: ${c.message}`;
    lines.push(`  ${o.path}: ${text}`);
  }
  return lines;
}

function derivationLines(d: DerivationResult): string[] {
  const head =
    d.status === 'reproducible'
      ? `reproducible: ${d.name}`
      : d.status === 'not-reproducible'
        ? `NOT reproducible: ${d.name}`
        : d.status === 'skipped'
          ? `skipped: ${d.name} (${d.reason})`
          : `error: ${d.name}: ${d.reason}`;
  return [head, ...d.outputs.flatMap(outputLines)];
}

/** The human report: each derivation and its differing files, then a summary line. */
export function renderReport(r: ReproReport): string {
  const s = r.summary;
  const summary = [
    `${plural(s.derivations, 'derivation')}: ${s.reproducible} reproducible`,
    `${s.notReproducible} not reproducible`,
    ...(s.skipped ? [`${s.skipped} skipped`] : []),
    ...(s.errors ? [`${plural(s.errors, 'error')}`] : []),
  ].join(', ');
  return [...r.derivations.flatMap(derivationLines), summary].join('\n');
}
