import { isAbsolute, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { revision } from './data/revision.ts';
import type { LintResult } from './lint.ts';
import { type Finding, RULES } from './rules.ts';

const ruleIds = Object.keys(RULES) as (keyof typeof RULES)[];

/** A SARIF artifact location: relative to %SRCROOT% (the working directory) when possible. */
function location(file: string) {
  const rel = isAbsolute(file) ? relative(process.cwd(), file) : file;
  if (rel.startsWith('..') || isAbsolute(rel)) return { uri: pathToFileURL(file).href };
  return { uri: encodeURI(rel.split(sep).join('/')), uriBaseId: '%SRCROOT%' };
}

const region = (f: Finding) => ({
  startLine: f.line,
  startColumn: f.column,
  endLine: f.endLine,
  endColumn: f.endColumn,
});

/** One fix per suggested name: replace the misspelled name with it. */
function fixes(f: Finding) {
  return f.suggestions.map((s) => ({
    description: { text: `Rename ${f.name} to ${s.name}: ${s.does}` },
    artifactChanges: [
      {
        artifactLocation: location(f.file),
        replacements: [{ deletedRegion: region(f), insertedContent: { text: s.name } }],
      },
    ],
  }));
}

/** The result as a SARIF 2.1.0 log (https://docs.oasis-open.org/sarif/sarif/v2.1.0/). */
export function sarif(r: LintResult) {
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'larder-lint',
            version: '0.1.0',
            informationUri: revision.repository,
            rules: ruleIds.map((id) => ({
              id,
              shortDescription: { text: RULES[id].summary },
              fullDescription: { text: RULES[id].why },
              defaultConfiguration: { level: RULES[id].severity },
            })),
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { uri: `${pathToFileURL(process.cwd()).href}/` } },
        columnKind: 'utf16CodeUnits',
        results: r.findings.map((f) => ({
          ruleId: f.rule,
          ruleIndex: ruleIds.indexOf(f.rule),
          level: f.severity,
          message: { text: f.message },
          locations: [
            { physicalLocation: { artifactLocation: location(f.file), region: region(f) } },
          ],
          ...(f.suggestions.length > 0 ? { fixes: fixes(f) } : {}),
        })),
      },
    ],
  };
}
