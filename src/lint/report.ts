import { revision } from './data/revision.ts';
import type { LintResult } from './lint.ts';
import { RULES } from './rules.ts';
import { sarif } from './sarif.ts';

export const FORMATS = ['text', 'json', 'sarif'] as const;
export type Format = (typeof FORMATS)[number];

/** `file:line:col: severity: message [rule]`, one finding a line. */
export function textReport(r: LintResult): string {
  return r.findings
    .map((f) => `${f.file}:${f.line}:${f.column}: ${f.severity}: ${f.message} [${f.rule}]\n`)
    .join('');
}

/** Findings plus the rules and the nixpkgs revision the name list comes from. */
export function jsonReport(r: LintResult): string {
  const body = {
    files: r.files,
    findings: r.findings,
    rules: Object.values(RULES),
    source: { repository: revision.repository, date: revision.date, files: revision.files },
  };
  return `${JSON.stringify(body, null, 2)}\n`;
}

/** Renders a result in one of FORMATS. */
export function report(r: LintResult, format: Format): string {
  if (format === 'json') return jsonReport(r);
  if (format === 'sarif') return `${JSON.stringify(sarif(r), null, 2)}\n`;
  return textReport(r);
}
