import type { NixEnv } from '../helpers/nix-env.ts';

export interface Closure {
  /** Output that refers to `dep`, `note` and itself. */
  top: string;
  dep: string;
  /** A file added with nix-store --add (content-addressed, so its narinfo has a CA line). */
  note: string;
  /** top's derivation, whose closure holds .drv files and the busybox source. */
  topDrv: string;
}

/** Builds a small closure with references in `store`: top → dep, top → note, top → top. */
export function buildClosure(nix: NixEnv, store: string, salt: string): Closure {
  const note = nix.addText(store, `note-${salt}.txt`, `a note ${salt}\n`);
  const dep = nix.busyboxDrv(`dep-${salt}`, '$bb mkdir -p $out/lib; echo dep > $out/lib/data');
  const top = nix.busyboxDrv(
    `top-${salt}`,
    '$bb mkdir -p $out/bin; echo $dep0 > $out/bin/ref; echo $dep1 > $out/note; echo $out > $out/self; $bb ln -s ../self $out/bin/self',
    [dep, `builtins.storePath ${JSON.stringify(note)}`],
  );
  const out = nix.build(store, top).trim();
  const depOut = nix
    .run(['nix-store', '--store', store, '-q', '--references', out])
    .split('\n')
    .find((l) => l.endsWith(`-dep-${salt}`)) as string;
  const topDrv = nix.run(['nix-store', '--store', store, '-q', '--deriver', out]).trim();
  return { top: out, dep: depOut, note, topDrv };
}
