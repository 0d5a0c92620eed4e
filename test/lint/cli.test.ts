import assert from 'node:assert/strict';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { larderLint } from './helpers/larder.ts';

const CORPUS = join(import.meta.dirname, 'corpus');

interface SarifLog {
  version: string;
  runs: {
    tool: { driver: { name: string; rules: { id: string }[] } };
    results: {
      ruleId: string;
      ruleIndex: number;
      level: string;
      message: { text: string };
      locations: {
        physicalLocation: {
          artifactLocation: { uri: string };
          region: { startLine: number; startColumn: number };
        };
      }[];
      fixes?: { artifactChanges: { replacements: { insertedContent: { text: string } }[] }[] }[];
    }[];
  }[];
}

describe('larder lint (subprocess)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'larder-lint-'));
    cpSync(CORPUS, join(dir, 'repo'), { recursive: true });
    mkdirSync(join(dir, 'repo', '.git'));
    writeFileSync(join(dir, 'repo', '.git', 'bad.nix'), '{ NIX_IN_GIT = 1; }');
    mkdirSync(join(dir, 'repo', 'node_modules'));
    writeFileSync(join(dir, 'repo', 'node_modules', 'bad.nix'), '{ NIX_IN_NODE_MODULES = 1; }');
    mkdirSync(join(dir, 'out'));
    writeFileSync(join(dir, 'out', 'bad.nix'), '{ NIX_IN_RESULT = 1; }');
    symlinkSync(join(dir, 'out'), join(dir, 'repo', 'result'));
    symlinkSync(join(dir, 'out'), join(dir, 'repo', 'result-dev'));
    mkdirSync(join(dir, 'clean'));
    cpSync(join(CORPUS, 'real-names.nix'), join(dir, 'clean', 'default.nix'));
    writeFileSync(join(dir, 'clean', 'README.md'), 'NIX_LD_FLAGS = 1 is not Nix');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 with no output on clean files, linting the current directory by default', () => {
    const r = larderLint([], join(dir, 'clean'));
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, '');
  });

  it('prints file:line:col: message per finding and exits 1, skipping .git, node_modules and result links', () => {
    const r = larderLint(['repo'], dir);
    assert.equal(r.code, 1, r.err);
    const lines = r.out.trimEnd().split('\n');
    assert.ok(
      lines.includes(
        "repo/near-misses.nix:7:3: warning: NIX_LD_FLAGS is not read by nixpkgs' cc-wrapper, bintools-wrapper and stdenv setup, so it is silently ignored; did you mean NIX_LDFLAGS (linker flags appended after the command line (passed as -Wl, by cc); dependencies add their -L dirs here)? [nix-var-unknown]",
      ),
      r.out,
    );
    for (const l of lines)
      assert.match(l, /^repo\/[a-z-]+\.nix:\d+:\d+: (warning|error): .+ \[nix-var-[a-z-]+\]$/);
    assert.equal(lines.length, 22);
    assert.doesNotMatch(r.out, /NIX_IN_(GIT|NODE_MODULES|RESULT)/);
    assert.match(r.err, /^larder: lint: 22 problems in 5 files checked\n$/);
  });

  it('lints files named on the command line, whatever their name', () => {
    writeFileSync(join(dir, 'flake.lock.txt'), '{ env.NIX_CFLAG_COMPILE = "-g"; }');
    const r = larderLint(['flake.lock.txt', 'clean/default.nix'], dir);
    assert.equal(r.code, 1);
    assert.match(r.out, /^flake\.lock\.txt:1:7: warning: NIX_CFLAG_COMPILE /);
  });

  it('writes JSON with findings, suggestions, rules and the nixpkgs revision', () => {
    const r = larderLint(['--format', 'json', 'repo/misuse.nix'], dir);
    assert.equal(r.code, 1);
    const j = JSON.parse(r.out) as {
      files: number;
      findings: { rule: string; line: number; column: number }[];
      rules: { id: string }[];
      source: { repository: string; files: unknown[] };
    };
    assert.equal(j.files, 1);
    assert.deepEqual(j.findings.map((f) => `${f.line}:${f.column}:${f.rule}`).slice(0, 2), [
      '5:9:nix-var-env-list',
      '7:7:nix-var-env-list',
    ]);
    assert.equal(j.rules.length, 7);
    assert.equal(j.source.repository, 'https://github.com/NixOS/nixpkgs');
  });

  it('writes SARIF 2.1.0 with rules, locations and rename fixes', () => {
    const r = larderLint(['--format=sarif', 'repo/near-misses.nix'], dir);
    assert.equal(r.code, 1);
    const log = JSON.parse(r.out) as SarifLog;
    assert.equal(log.version, '2.1.0');
    const run = log.runs[0];
    assert.ok(run);
    assert.equal(run.tool.driver.name, 'larder-lint');
    const res = run.results.find((x) => x.message.text.startsWith('NIX_LD_FLAGS'));
    assert.ok(res);
    assert.equal(run.tool.driver.rules[res.ruleIndex]?.id, res.ruleId);
    assert.equal(res.level, 'warning');
    const loc = res.locations[0]?.physicalLocation;
    assert.deepEqual(
      [loc?.artifactLocation.uri, loc?.region.startLine, loc?.region.startColumn],
      ['repo/near-misses.nix', 7, 3],
    );
    assert.equal(
      res.fixes?.[0]?.artifactChanges[0]?.replacements[0]?.insertedContent.text,
      'NIX_LDFLAGS',
    );
  });

  it('exits 2 with one line for a missing path, a bad format or an unknown option', () => {
    for (const [args, msg] of [
      [['nope'], /^larder: lint: nope: no such file or directory\n$/],
      [
        ['--format', 'xml', 'repo'],
        /^larder: lint: --format must be one of text, json, sarif, not xml\n$/,
      ],
      [['--fromat', 'json'], /^larder: lint: unknown option --fromat\n$/],
    ] as const) {
      const r = larderLint([...args], dir);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, msg);
      assert.equal(r.out, '');
    }
  });

  it('accepts --allow for names other tools read', () => {
    const r = larderLint(
      [
        '--allow',
        'NIX_LD_FLAGS,NIX_CXX_COMPILE,NIX_CFLAG_COMPILE,NIX_CXXFLAGS_COMPILE,NIX_CFLAGS_COMPILE_FOR_BUILD_BEFORE,NIX_LDFLAG',
        'repo/near-misses.nix',
      ],
      dir,
    );
    assert.equal(r.code, 0, r.out);
  });

  it('shows help', () => {
    const r = larderLint(['--help'], dir);
    assert.equal(r.code, 0);
    assert.match(r.out, /--format/);
    assert.match(r.out, /--allow/);
  });

  it('is offered to the pre-commit framework as the larder-lint hook on .nix files', () => {
    const yaml = readFileSync(
      join(import.meta.dirname, '..', '..', '.pre-commit-hooks.yaml'),
      'utf8',
    );
    const hook = yaml.split(/^- /m).find((h) => /^id: larder-lint$/m.test(h));
    assert.ok(hook, 'a hook with id larder-lint');
    assert.match(hook, /^ {2}entry: larder lint$/m);
    assert.match(hook, /^ {2}language: (node|system)$/m);
    assert.match(hook, /^ {2}files: \\\.nix\$$/m);
  });
});
