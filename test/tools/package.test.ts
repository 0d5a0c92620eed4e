import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  checkArtifact,
  ElfError,
  PackageRefused,
  parseElf,
} from '../../src/tools/package/index.ts';
import { runLarder } from '../helpers/cli.ts';
import { NixEnv, requireNix } from '../helpers/nix-env.ts';
import { type ServerProcess, spawnServer } from '../helpers/process-server.ts';
import { FIXTURE_EXPORTS, FIXTURE_NOT_EXPORTED, writeElf } from './elf-fixture.ts';

const has = (cmd: string) => spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
const READELF = has('readelf');
const GCC = has('gcc');

/** What binutils' readelf calls exported: defined, GLOBAL/WEAK/UNIQUE, DEFAULT/PROTECTED. */
function readelfExports(file: string): string[] {
  const out = spawnSync('readelf', ['--dyn-syms', '-W', file], { encoding: 'utf8' }).stdout;
  const names = new Set<string>();
  for (const line of out.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || !/^\d+:$/.test(f[0] ?? '')) continue;
    const [, , , type, bind, vis, ndx, name = ''] = f;
    if (ndx === 'UND' || type === 'SECTION' || type === 'FILE') continue;
    if (!['GLOBAL', 'WEAK', 'UNIQUE'].includes(bind ?? '')) continue;
    if (!['DEFAULT', 'PROTECTED'].includes(vis ?? '')) continue;
    names.add(name.replace(/@.*$/, ''));
  }
  return [...names].sort();
}

/** A shared library from this system (the first that exists). */
const SYSTEM_LIB = [
  '/usr/lib/x86_64-linux-gnu/libz.so.1',
  '/lib/x86_64-linux-gnu/libz.so.1',
  '/usr/lib/aarch64-linux-gnu/libz.so.1',
  '/usr/lib/x86_64-linux-gnu/libc.so.6',
  '/lib/x86_64-linux-gnu/libc.so.6',
].find(existsSync);

describe('ELF parsing', () => {
  for (const [bits, endian, machine, name] of [
    [64, 'little', 62, 'x86_64'],
    [32, 'little', 3, 'i686'],
    [64, 'big', 21, 'powerpc64'],
    [32, 'big', 20, 'powerpc'],
  ] as const) {
    it(`reads a ${bits}-bit ${endian}-endian shared object: machine, SONAME and exports`, (t) => {
      const bytes = writeElf({ bits, endian, machine });
      const elf = parseElf(bytes);
      assert.equal(elf.bits, bits);
      assert.equal(elf.endian, endian);
      assert.equal(elf.kind, 'shared');
      assert.equal(elf.machineName, name);
      assert.equal(elf.soname, 'libfix.so.1');
      assert.deepEqual(elf.needed, ['libc.so.6']);
      assert.deepEqual(elf.exports, [...FIXTURE_EXPORTS].sort());
      for (const s of FIXTURE_NOT_EXPORTED) assert.ok(!elf.exports.includes(s), s);
      if (!READELF) return t.skip('readelf is not installed: fixture not cross-checked');
      const dir = mkdtempSync(join(tmpdir(), 'larder-elf-'));
      try {
        writeFileSync(join(dir, 'lib.so'), bytes);
        assert.deepEqual(readelfExports(join(dir, 'lib.so')), elf.exports);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('finds the same exported symbols in a system library as readelf', (t) => {
    if (!SYSTEM_LIB || !READELF) return t.skip('no system libz/libc or no readelf');
    const elf = parseElf(readFileSync(SYSTEM_LIB));
    assert.equal(elf.kind, 'shared');
    assert.ok(elf.exports.length > 50, `${elf.exports.length} exports`);
    assert.deepEqual(elf.exports, readelfExports(SYSTEM_LIB));
  });

  it('refuses to check symbols of a file without section headers instead of calling them absent', () => {
    const bytes = writeElf({ bits: 64, endian: 'little', machine: 62 });
    bytes.writeUInt16LE(0, 60); // e_shnum, as sstrip leaves it
    assert.equal(parseElf(bytes).hasSectionHeaders, false);
    const opts = { file: 'x', name: 'x', version: '1', machine: 'any' };
    assert.throws(
      () => checkArtifact('libfix.so', bytes, { ...opts, expectSymbols: ['visible_fn'] }),
      (e: Error) => e instanceof PackageRefused && /no section headers/.test(e.message),
    );
    assert.equal(checkArtifact('libfix.so', bytes, opts).kind, 'shared');
  });

  it('tells a static executable from a shared object, and refuses non-ELF and truncated files', () => {
    const bb = readFileSync('/bin/busybox');
    const elf = parseElf(bb);
    assert.equal(elf.kind, 'executable');
    assert.equal(elf.hasDynamicSymbols, false);
    assert.throws(() => parseElf(Buffer.from('#!/bin/sh\necho hi\n')), /not an ELF file/);
    const cut = writeElf({ bits: 64, endian: 'little', machine: 62 }).subarray(0, 200);
    assert.throws(
      () => parseElf(cut),
      (e: Error) => e instanceof ElfError && /truncated/.test(e.message),
    );
  });
});

describe('larder package with real Nix', { skip: requireNix() }, () => {
  let nix: NixEnv;
  let dir: string;
  let server: ServerProcess;
  let lib: string;
  let exe: string;
  const larder = (args: string[]) =>
    runLarder(args, { ...nix.env, LARDER_SERVER: server.url, LARDER_TOKEN: server.adminToken });
  const namesIn = (store: string) => readdirSync(join(store, 'nix', 'store'));

  before(async () => {
    nix = NixEnv.create();
    dir = mkdtempSync(join(tmpdir(), 'larder-package-'));
    server = await spawnServer(join(dir, 'data'));
    lib = join(dir, 'libpattern_search.so');
    exe = join(dir, 'search');
    if (!GCC) return;
    writeFileSync(
      join(dir, 'p.c'),
      [
        'int pattern_search_ffi(const char *s) { return s[0]; }',
        '__attribute__((visibility("hidden"))) int internal_helper(int x) { return x; }',
        'int main(void) { return 0; }',
      ].join('\n'),
    );
    const cc = (args: string[]) => {
      const r = spawnSync('gcc', args, { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    };
    cc(['-shared', '-fPIC', '-Wl,-soname,libpattern_search.so.1', '-o', lib, join(dir, 'p.c')]);
    cc(['-o', exe, join(dir, 'p.c')]);
  });
  after(async () => {
    await server.stop();
    nix.cleanup();
    rmSync(dir, { recursive: true, force: true });
    assert.doesNotMatch(server.stderr(), / ERROR /);
  });

  it('adds a checked shared library under lib/ with its SONAME link; same inputs give the same path in any store', async (t) => {
    if (!GCC) return t.skip('gcc is not installed');
    const store = nix.store('pkg-a');
    const args = ['package', lib, '--name', 'pattern-search', '--version', '1.0'];
    const checks = ['--expect-elf', 'shared', '--expect-symbol', 'pattern_search_ffi'];
    const r = await larder([...args, ...checks, '--store', store]);
    assert.equal(r.code, 0, r.err);
    const path = r.out.trim();
    assert.match(path, /^\/nix\/store\/[0-9a-z]{32}-pattern-search-1\.0$/);
    const real = nix.realPath(store, path);
    const installed = join(real, 'lib', 'libpattern_search.so');
    assert.deepEqual(readFileSync(installed), readFileSync(lib));
    assert.ok(lstatSync(installed).mode & 0o100, 'the library is executable as in nixpkgs');
    assert.equal(readlinkSync(join(real, 'lib', 'libpattern_search.so.1')), 'libpattern_search.so');
    // Nix itself agrees the path is content-addressed (a `fixed:r:sha256` CA field).
    const info = JSON.parse(nix.run(['nix', 'path-info', '--json', '--store', store, path]));
    assert.match(info[0].ca, /^fixed:r:sha256:/);

    const again = await larder([...args, ...checks, '--store', store]);
    assert.equal(again.out.trim(), path, 'same store: same path');
    const other = await larder([...args, '--store', nix.store('pkg-b'), '--json']);
    assert.equal(other.code, 0, other.err);
    const json = JSON.parse(other.out);
    assert.equal(json.path, path, 'another store (another machine): same path');
    assert.equal(json.installed, 'lib/libpattern_search.so');
    assert.equal(json.elf.soname, 'libpattern_search.so.1');
    assert.equal(json.elf.machineName, 'x86_64');
    const v2 = await larder([
      'package',
      lib,
      '--name',
      'pattern-search',
      '--version',
      '1.1',
      '--store',
      store,
    ]);
    assert.notEqual(v2.out.trim(), path, 'another version is another path');
  });

  it('refuses a library that lacks an expected symbol or only has it hidden, and adds nothing', async (t) => {
    if (!GCC) return t.skip('gcc is not installed');
    const store = nix.store('pkg-refuse');
    const base = ['package', lib, '--name', 'refused', '--version', '2.0', '--store', store];
    const absent = await larder([...base, '--expect-symbol', 'pattern_search_ffi,no_such_fn']);
    assert.equal(absent.code, 1);
    assert.equal(absent.err.trim().split('\n').length, 1, absent.err);
    assert.match(absent.err, /does not export symbol no_such_fn/);
    assert.doesNotMatch(absent.err, /pattern_search_ffi/, 'only the missing one is named');
    const hidden = await larder([...base, '--expect-symbol', 'internal_helper']);
    assert.equal(hidden.code, 1);
    assert.match(hidden.err, /does not export symbol internal_helper/);
    assert.ok(
      !existsSync(join(store, 'nix', 'store')) ||
        !namesIn(store).some((n) => n.endsWith('-refused-2.0')),
    );
  });

  it('refuses a non-ELF file and an executable where a shared object is expected', async () => {
    const store = nix.store('pkg-kinds');
    const script = join(dir, 'libfake.so');
    writeFileSync(script, '#!/bin/sh\necho not a library\n');
    const base = ['--name', 'x', '--version', '1', '--store', store];
    const notElf = await larder(['package', script, ...base]);
    assert.equal(notElf.code, 1);
    assert.match(notElf.err, /libfake\.so: not an ELF file/);
    const staticExe = await larder(['package', '/bin/busybox', ...base, '--expect-elf', 'shared']);
    assert.equal(staticExe.code, 1);
    assert.match(staticExe.err, /busybox is an executable \(ET_EXEC\), not a shared object/);
    if (GCC) {
      // A PIE is ET_DYN like a library; DT_FLAGS_1/PT_INTERP tell them apart.
      const pie = await larder(['package', exe, ...base, '--expect-elf', 'shared']);
      assert.equal(pie.code, 1);
      assert.match(
        pie.err,
        /is a position-independent executable \(ET_DYN, PIE\), not a shared object/,
      );
    }
    const arch = await larder(['package', '/bin/busybox', ...base, '--machine', 'aarch64']);
    assert.equal(arch.code, 1);
    assert.match(arch.err, /built for x86_64 .*not aarch64/);
    const usage = await larder(['package', '/bin/busybox', '--name', 'x']);
    assert.equal(usage.code, 2);
    assert.match(usage.err, /--name and --version are required/);
    // A misspelt check must not silently mean "no check".
    const typo = await larder(['package', '/bin/busybox', ...base, '--expect-symbols', 'main']);
    assert.equal(typo.code, 2);
    assert.match(typo.err, /unknown option --expect-symbols/);
    for (const r of [notElf, staticExe, arch, usage, typo]) assert.doesNotMatch(r.err, /\n\s+at /);
  });

  it('packages an executable under bin/ and pushes it to a larder cache', async () => {
    const store = nix.store('pkg-push');
    const r = await larder([
      'package',
      '/bin/busybox',
      '--name',
      'busybox-prebuilt',
      '--version',
      '1.36',
      '--expect-elf',
      'executable',
      '--store',
      store,
      '--push',
      'main',
      '--json',
    ]);
    assert.equal(r.code, 0, r.err);
    const json = JSON.parse(r.out);
    assert.equal(json.installed, 'bin/busybox');
    assert.equal(json.pushed.uploaded, 1);
    const hashPart = json.path.slice('/nix/store/'.length, '/nix/store/'.length + 32);
    const res = await fetch(`${server.url}/main/${hashPart}.narinfo`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    assert.equal(res.status, 200);
    const narinfo = await res.text();
    assert.match(narinfo, new RegExp(`StorePath: ${json.path}`));
    assert.match(narinfo, new RegExp(`NarHash: ${json.narHash}`));
    assert.match(narinfo, /CA: fixed:r:sha256:/);
  });
});
