import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A tree that exercises every NAR rule: nested and empty directories, executable and
 * non-executable files (group-only execute bit does not count), an empty file, a file of a
 * few MB whose size is not a multiple of 8, symlinks (relative, absolute, dangling, to a
 * directory), and names whose byte order differs from JS string order or numeric order.
 * Names are valid UTF-8 so the listing can be compared as text; `addNonUtf8Name` adds one
 * that is not.
 */
export function makeTrickyTree(root: string, bigSize = 5 * 1024 * 1024 + 3): void {
  mkdirSync(join(root, 'sub', 'deeper', 'deepest'), { recursive: true });
  mkdirSync(join(root, 'empty-dir'));
  writeFileSync(join(root, 'empty'), '');
  writeFileSync(join(root, 'big.bin'), randomBytes(bigSize));
  writeFileSync(join(root, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  writeFileSync(join(root, 'group-exec'), 'x', { mode: 0o654 });
  chmodSync(join(root, 'group-exec'), 0o654);
  writeFileSync(join(root, 'sub', 'deeper', 'deepest', 'leaf'), 'leaf\n');
  writeFileSync(join(root, 'sub', 'seven'), '1234567');
  writeFileSync(join(root, 'sub', 'eight'), '12345678');
  writeFileSync(join(root, 'sub', 'nine'), '123456789');
  symlinkSync('sub/deeper', join(root, 'link-to-dir'));
  symlinkSync('/nix/store/does-not-exist', join(root, 'dangling'));
  symlinkSync('../run.sh', join(root, 'sub', 'up'));
  // Byte order: digits and upper case before lower case, '10' before '9', U+E000 (EE 80 80)
  // before U+1F600 (F0 …) although UTF-16 sorts them the other way round.
  for (const name of [
    '10',
    '9',
    'B',
    'a',
    'A',
    'a-b',
    'a.b',
    'a0',
    '_',
    '~',
    'é',
    '\u{e000}',
    '😀',
    '__proto__',
  ]) {
    writeFileSync(join(root, 'sub', name), name);
  }
  // Characters Nix's JSON writer escapes in its own way.
  for (const name of [
    'tab\there',
    'new\nline',
    'quote"back\\slash',
    'bell\u0007',
    'bs\b',
    'ff\f',
    'del\u007f',
  ]) {
    writeFileSync(join(root, name), 'x');
  }
}

/** Adds a file whose name is not valid UTF-8. */
export function addNonUtf8Name(dir: string): void {
  writeFileSync(Buffer.concat([Buffer.from(`${dir}/`), Buffer.of(0x66, 0xff, 0xfe)]), 'latin');
}
