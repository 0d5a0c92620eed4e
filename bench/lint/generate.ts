import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const NAMES = [
  'NIX_CFLAGS_COMPILE',
  'NIX_LDFLAGS',
  'NIX_CFLAGS_LINK',
  'NIX_LDFLAGS_AFTER',
  'NIX_CFLAGS_COMPILE_FOR_BUILD',
];
const MISSES = ['NIX_CXXFLAGS_COMPILE', 'NIX_LD_FLAGS', 'NIX_CFLAG_COMPILE'];

/** One package expression of roughly `lines` phase lines; every 10th file has a near miss. */
export function nixFile(n: number, lines: number): string {
  const name = NAMES[n % NAMES.length] as string;
  const phase: string[] = [];
  for (let i = 0; i < lines; i++) {
    phase.push(
      i % 7 === 0
        ? `    # step ${i}: keep ${name} flags in sync with upstream's CMakeLists (see NIX_NOTE_${i})`
        : i % 5 === 0
          ? `    export ${name}+=" -DSTEP_${i}=\${toString (${i} * 2)} -I\${lib.getDev deps.d${i % 9}}/include"`
          : `    substituteInPlace src/file_${i}.c --replace-fail '/usr/lib/x${i}' "$out/lib/x${i}" # ''\${HOME}`,
    );
  }
  return `# generated package ${n}
{ lib, stdenv, fetchurl, deps ? { } }:

stdenv.mkDerivation (finalAttrs: {
  pname = "pkg-${n}";
  version = "1.${n % 100}.0";
  src = fetchurl {
    url = "https://example.org/releases/pkg-${n}-\${finalAttrs.version}.tar.gz";
    hash = "sha256-${'A'.repeat(43)}=";
  };
  /* flags used by the ${name} wrapper channel */
  env = {
    ${name} = toString [ "-O2" "-g" ];
    ${n % 10 === 0 ? (MISSES[n % MISSES.length] as string) : 'NIX_LDFLAGS_BEFORE'} = "-L\${placeholder "out"}/lib";
  };
  NIX_ENFORCE_NO_NATIVE = ${n % 2 === 0 ? 'true' : '1'};
  preBuild = ''
${phase.join('\n')}
  '';
  meta = with lib; {
    description = "Generated package number ${n} with NIX_ words in prose";
    license = licenses.mit;
  };
})
`;
}

/** Writes `files` Nix files of about `bytesEach` bytes under `root`, 100 to a directory. */
export function generateTree(root: string, files: number, bytesEach: number): number {
  let bytes = 0;
  const lines = Math.max(1, Math.round((bytesEach - 900) / 95));
  for (let n = 0; n < files; n++) {
    const dir = join(root, `group-${Math.floor(n / 100)}`, `pkg-${n}`);
    mkdirSync(dir, { recursive: true });
    const text = nixFile(n, lines);
    writeFileSync(join(dir, 'default.nix'), text);
    bytes += Buffer.byteLength(text);
  }
  return bytes;
}

/** A single file of nested strings and interpolations `depth` deep, repeated to about `bytes`. */
export function pathological(bytes: number, depth: number): string {
  let inner = 'export NIX_X=1';
  for (let d = 0; d < depth; d++)
    inner =
      d % 2 ? `"\${ ${JSON.stringify('a')} + "${inner}" }"` : `''\n  x ''$ ''' \${ ${inner} }\n''`;
  const unit = `{ a${'b'.repeat(3)} = ${inner}; }\n`;
  return `[\n${unit.repeat(Math.max(1, Math.floor(bytes / unit.length)))}]\n`;
}
