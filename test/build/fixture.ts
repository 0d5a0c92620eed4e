import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { NixEnv } from '../helpers/nix-env.ts';

/** One derivation of a synthetic graph: `script` runs under busybox `sh -c` as given. */
export interface FixtureNode {
  /** Nix identifier, used by `deps`. */
  id: string;
  /** The derivation's name (`heavy-1.0`): what profile rules and history see. */
  name: string;
  script: string;
  deps?: string[];
}

/**
 * Writes a Nix file whose attributes are the nodes, built by the static busybox. Scripts are
 * passed verbatim (no `; true` added), so a test can also write the one that trips Nix 2.8.
 */
export function writeGraph(nix: NixEnv, file: string, nodes: FixtureNode[]): string {
  const str = (s: string) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\$\{/g, '\\${')}"`;
  const body = nodes
    .map((n) => {
      const deps = (n.deps ?? []).map((d, i) => `dep${i} = ${d};`).join(' ');
      return `  ${n.id} = mk ${str(n.name)} ${str(n.script)} { ${deps} };`;
    })
    .join('\n');
  writeFileSync(
    file,
    `let
  bb = builtins.path { path = ${nix.busyboxDir}; name = "busybox"; };
  mk = name: script: deps: builtins.derivation ({
    inherit name;
    system = builtins.currentSystem;
    builder = "\${bb}/busybox";
    args = [ "sh" "-c" script ];
  } // deps);
in rec {
${body}
}
`,
  );
  return file;
}

/** Holds `mib` MiB for `seconds` with almost no CPU: dd blocks writing into a sleeping pipe. */
export const hold = (mib: number, seconds: number) =>
  `dd if=/dev/zero bs=${mib}M count=1 2>/dev/null | sleep ${seconds}`;

export interface MemorySample {
  /** Highest sum of resident memory of the marked processes seen at one instant. */
  maxSum: number;
  /** Most marked processes at once holding more than `bigBytes`. */
  maxBig: number;
}

/**
 * Samples /proc independently of larder: resident memory of every process whose command
 * line contains `marker` (the builders' scripts carry it).
 */
export function sampleMemory(marker: string, bigBytes: number, intervalMs = 20) {
  const result: MemorySample = { maxSum: 0, maxBig: 0 };
  const tick = () => {
    let sum = 0;
    let big = 0;
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        if (!readFileSync(`/proc/${name}/cmdline`, 'latin1').includes(marker)) continue;
        const rss = Number(readFileSync(`/proc/${name}/statm`, 'latin1').split(' ')[1]) * 4096;
        sum += rss;
        if (rss > bigBytes) big++;
      } catch {
        // The process ended between listing and reading.
      }
    }
    result.maxSum = Math.max(result.maxSum, sum);
    result.maxBig = Math.max(result.maxBig, big);
  };
  const timer = setInterval(tick, intervalMs);
  return {
    stop(): MemorySample {
      clearInterval(timer);
      return result;
    },
  };
}
