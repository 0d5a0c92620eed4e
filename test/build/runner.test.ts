import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunReport } from '../../src/build/index.ts';
import { BIN, runLarder } from '../helpers/cli.ts';
import { NixEnv, requireNix } from '../helpers/nix-env.ts';
import { type FixtureNode, hold, sampleMemory, writeGraph } from './fixture.ts';

const MIB = 2 ** 20;

describe('larder build with real Nix', { skip: requireNix() }, () => {
  let nix: NixEnv;
  let n = 0;
  before(() => {
    nix = NixEnv.create('larder-build-');
  });
  after(() => nix.cleanup());

  /** A fresh store, history and profile for one scenario. */
  const scenario = (profile: string, nodes: FixtureNode[]) => {
    const id = `s${++n}`;
    const file = writeGraph(nix, nix.path(`${id}.nix`), nodes);
    const profileFile = nix.path(`${id}.toml`);
    writeFileSync(profileFile, profile);
    const env = { ...nix.env, XDG_STATE_HOME: nix.path(`${id}-state`) };
    const store = nix.store(id);
    const run = (cmd: 'build' | 'plan', extra: string[] = []) =>
      runLarder([cmd, '-f', file, '--store', store, '--profile', profileFile, ...extra], env);
    const build = async (extra: string[] = []) => {
      const r = await run('build', [...extra, '--json']);
      let report: RunReport;
      try {
        report = JSON.parse(r.out) as RunReport;
      } catch {
        throw new Error(`larder build printed no report (exit ${r.code}): ${r.err}`);
      }
      return { code: r.code, err: r.err, report };
    };
    return { file, store, env, run, build };
  };
  const overlap = (a: { start: number; end: number }, b: { start: number; end: number }) =>
    Math.min(a.end, b.end) - Math.max(a.start, b.start);

  it('keeps running builders within the memory budget, yet runs two heavy builds side by side when they fit', async () => {
    const marker = `mem${randomBytes(4).toString('hex')}`;
    // Each heavy build holds 600 MiB for 3 s; the budget fits two (2 × 700 MiB), not three.
    const heavy = (i: number): FixtureNode => ({
      id: `h${i}`,
      name: `heavy${i}-1.0`,
      script: `: ${marker}; ${hold(600, 3)}; echo ${i} > $out; true`,
    });
    const s = scenario(
      `name = "box"
memory_budget = "1500MiB"
cores = 2
max_jobs = 8
[tier.2]
match = ["heavy*"]
memory = "700MiB"
seconds = 3
`,
      [1, 2, 3, 4].map(heavy),
    );
    const sampler = sampleMemory(marker, 400 * MIB);
    const { code, err, report } = await s.build();
    const seen = sampler.stop();
    assert.equal(code, 0, err);
    assert.equal(report.built.length, 4);
    assert.ok(seen.maxSum <= 1500 * MIB, `builders held ${seen.maxSum / MIB} MiB at once`);
    assert.equal(seen.maxBig, 2, 'two heavy builds ran at the same time, never three');
    assert.ok(report.peakMemory <= report.memoryBudget, 'the report agrees: peak within budget');
    assert.ok(report.peakMemory >= 1100 * MIB, `larder measured the pair: ${report.peakMemory}`);
    const [a, b, c, d] = [...report.built].sort((x, y) => x.start - y.start);
    assert.ok(a && b && c && d);
    assert.ok(overlap(a, b) > 1.5, 'the first two overlapped');
    assert.ok(overlap(c, d) > 1.5, 'the last two overlapped');
    assert.ok(c.start >= Math.min(a.end, b.end) - 0.05, 'a third started only when one ended');
    for (const x of report.built)
      assert.ok(x.peakMemory >= 600 * MIB, `${x.name}: ${x.peakMemory}`);
  });

  it('starts the longest critical path first', async () => {
    const step = (id: string, deps: string[] = []): FixtureNode => ({
      id,
      name: `${id}-1`,
      script: `sleep 1; echo ${id} $dep0 > $out; true`,
      deps,
    });
    const s = scenario(
      `name = "one"\nmemory_budget = "2GiB"\nmax_jobs = 1\n[tier.3]\nmatch = ["*"]\nmemory = "100MiB"\nseconds = 1\n`,
      [step('b1'), step('b2'), step('a1'), step('a2', ['a1']), step('a3', ['a2']), step('b3')],
    );
    const { code, err, report } = await s.build();
    assert.equal(code, 0, err);
    const order = [...report.built].sort((x, y) => x.start - y.start).map((b) => b.name);
    assert.deepEqual(order.slice(0, 3), ['a1-1', 'a2-1', 'a3-1'], order.join(' '));
  });

  it('learns from history: a package in too light a tier is re-estimated and no longer overlaps', async () => {
    const marker = `hist${randomBytes(4).toString('hex')}`;
    const hog = (i: number): FixtureNode => ({
      id: `g${i}`,
      name: `hog${i}-1.0`,
      script: `: ${marker}; ${hold(400, 2)}; echo ${i} $RANDOM > $out; true`,
    });
    const profile = `name = "laptop"
memory_budget = "700MiB"
max_jobs = 4
[tier.3]
match = ["hog*"]
memory = "100MiB"
seconds = 2
`;
    const s = scenario(profile, [hog(1), hog(2)]);
    const first = await s.build();
    assert.equal(first.code, 0, first.err);
    const [a, b] = first.report.built;
    assert.ok(a && b && overlap(a, b) > 1, 'believing the profile, both ran at once');

    // Same packages, new derivations (a changed input), in a fresh store: history applies.
    const again = scenario(profile, [
      { ...hog(1), script: `${hog(1).script} # v2` },
      { ...hog(2), script: `${hog(2).script} # v2` },
    ]);
    // Share the first scenario's history.
    again.env.XDG_STATE_HOME = s.env.XDG_STATE_HOME;
    const plan = await again.run('plan', ['--json']);
    assert.equal(plan.code, 0, plan.err);
    const planned = JSON.parse(plan.out) as {
      builds: {
        name: string;
        memory: number;
        tier: number;
        tierSource: string;
        measured: boolean;
      }[];
    };
    for (const p of planned.builds) {
      assert.equal(p.tier, 3, 'the rule still names the tier');
      assert.ok(p.measured);
      assert.ok(p.memory >= 400 * MIB, `${p.name} re-estimated at ${p.memory / MIB} MiB`);
    }
    const sampler = sampleMemory(marker, 300 * MIB);
    const second = await again.build();
    const seen = sampler.stop();
    assert.equal(second.code, 0, second.err);
    const [c, d] = second.report.built;
    assert.ok(c && d && overlap(c, d) <= 0.05, 'with history, they ran one after the other');
    assert.equal(seen.maxBig, 1);
  });

  it('retries a build killed by SIGKILL once, alone, with the whole budget', async () => {
    const marker = `oom${randomBytes(4).toString('hex')}`;
    const s = scenario(
      `name = "box"\nmemory_budget = "1GiB"\nmax_jobs = 4\n[tier.3]\nmatch = ["*"]\nmemory = "100MiB"\nseconds = 2\n`,
      [
        { id: 'k', name: 'victim-1', script: `: ${marker}; sleep 1; echo ok > $out; true` },
        { id: 'w', name: 'slow-1', script: 'sleep 3; echo w > $out; true' },
      ],
    );
    // Plays the OOM killer: SIGKILLs the victim's builder the first time it shows up.
    const killed = killFirst(marker);
    const { code, err, report } = await s.build();
    assert.ok(killed.stop(), 'the first attempt was SIGKILLed');
    assert.equal(code, 0, err);
    const victim = report.built.find((b) => b.name === 'victim-1');
    const slow = report.built.find((b) => b.name === 'slow-1');
    assert.ok(victim && slow);
    assert.equal(victim.attempts, 2);
    assert.ok(victim.start >= slow.end - 0.05, 'the retry waited until it could run alone');
    assert.ok(report.flags.some((f) => f.kind === 'killed' && f.name === 'victim-1'));
  });

  it('does not mistake the Nix 2.8 log-EOF kill for running out of memory', async () => {
    const s = scenario(
      `name = "box"\nmemory_budget = "1GiB"\n[tier.3]\nmatch = ["*"]\nmemory = "100MiB"\nseconds = 2\n`,
      [
        // The last command runs with its output redirected: busybox sh execs it, the log hits
        // EOF while it still runs, and Nix 2.8 SIGKILLs it.
        { id: 't', name: 'trap-1', script: 'echo start; sleep 2 >/dev/null 2>&1' },
      ],
    );
    const { code, report } = await s.build();
    assert.equal(code, 1);
    const f = report.failed[0];
    assert.ok(f);
    assert.equal(f.attempts, 2);
    assert.match(f.error ?? '', /not out of memory/);
    assert.match(f.error ?? '', /; true/);
    const plan = JSON.parse((await s.run('plan', ['--json'])).out) as {
      builds: { memory: number }[];
    };
    assert.equal(plan.builds[0]?.memory, 100 * MIB, 'history did not inflate the estimate');
  });

  it('on a consumer, builds what it may, names the tier and the cache for the rest, and exits non-zero', async () => {
    const s = scenario(
      `name = "laptop"
role = "consumer"
memory_budget = "1GiB"
build_tiers = [3]
default_tier = 3
[tier.1]
match = ["python3-*"]
`,
      [
        { id: 'py', name: 'python3-3.11.4', script: 'echo py > $out; true' },
        { id: 'app', name: 'app-1', script: 'echo $dep0 > $out; true', deps: ['py'] },
        { id: 'jq', name: 'jq-1.7', script: 'echo jq > $out; true' },
      ],
    );
    // An empty binary cache: the one that should have had python3.
    const cacheDir = nix.path('empty-cache');
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(join(cacheDir, 'nix-cache-info'), 'StoreDir: /nix/store\n');
    const env = s.env as Record<string, string>;
    env.NIX_CONFIG = `substituters = file://${cacheDir}`;
    const text = await s.run('build');
    assert.equal(text.code, 3, text.err);
    assert.match(
      text.out,
      /not built here: python3-3\.11\.4 \(tier 1 \(rule\); laptop builds tier 3 only\); it should have come from file:\/\/\S+empty-cache/,
    );
    assert.match(text.out, /not built: app-1 \(needs python3-3\.11\.4\.drv\)/);
    assert.match(text.out, /built 1,/);
    const jqDrv = nix.run(['nix-instantiate', '--store', s.store, s.file, '-A', 'jq']).trim();
    const jqOut = nix.run(['nix-store', '--store', s.store, '-q', '--outputs', jqDrv]).trim();
    nix.run(['nix-store', '--store', s.store, '--check-validity', jqOut]);
  });

  it('flags a build that spends its time off the CPU, as it happens', async () => {
    const s = scenario(
      `name = "box"\nmemory_budget = "1GiB"\n[tier.3]\nmatch = ["*"]\nmemory = "100MiB"\nseconds = 3\n[flags]\nmin_seconds = 1\n`,
      [{ id: 'io', name: 'waiter-1', script: 'sleep 3; echo > $out; true' }],
    );
    const r = await s.run('build');
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /off-cpu: waiter-1 spent 0\.\d s on the CPU in \d s/);
  });

  it('measures builds that a nix-daemon runs, under its per-connection worker', async (t) => {
    if (spawnSync('unshare', ['-m', 'true']).status !== 0) {
      t.skip('needs mount namespaces (unshare -m) to show the client the daemon store');
      return;
    }
    const marker = `dmn${randomBytes(4).toString('hex')}`;
    const s = scenario(
      `name = "box"\nmemory_budget = "2GiB"\n[tier.3]\nmatch = ["*"]\nmemory = "600MiB"\nseconds = 2\n`,
      [
        {
          id: 'd',
          name: 'daemon-built-1',
          script: `: ${marker}; ${hold(400, 2)}; echo > $out; true`,
        },
      ],
    );
    const socket = nix.path(`daemon-${marker}.sock`);
    const env = { ...s.env, NIX_DAEMON_SOCKET_PATH: socket };
    // The daemon serves the environment's default store (a chroot store); the client sees it
    // at /nix/store through a private bind mount, as on a real multi-user install.
    const daemon = spawn('nix-daemon', [], { env, stdio: 'ignore' });
    try {
      for (let i = 0; i < 100 && !existsSync(socket); i++)
        await new Promise((r) => setTimeout(r, 50));
      nix.run(['nix-instantiate', '--store', 'daemon', s.file], { env });
      const r = await new Promise<{ code: number; out: string; err: string }>((resolve) => {
        execFile(
          'unshare',
          [
            '-m',
            'sh',
            '-c',
            'mount --bind "$1" /nix && shift && exec "$@"',
            'sh',
            `${nix.defaultStore}/nix`,
            process.execPath,
            BIN,
            'build',
            '-f',
            s.file,
            '--store',
            'daemon',
            '--profile',
            nix.path(`s${n}.toml`),
            '--json',
          ],
          { env },
          (error, out, err) => resolve({ code: error ? Number(error.code ?? 1) : 0, out, err }),
        );
      });
      assert.equal(r.code, 0, r.err);
      const report = JSON.parse(r.out) as RunReport;
      const b = report.built[0];
      assert.ok(b);
      assert.ok(
        b.peakMemory >= 400 * MIB,
        `the builder under the daemon was measured: ${b.peakMemory}`,
      );
    } finally {
      daemon.kill();
    }
  });
});

/** SIGKILLs the first process whose command line holds `marker`; `stop()` says whether it did. */
function killFirst(marker: string) {
  let done = false;
  const timer = setInterval(() => {
    if (done) return;
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        if (!readFileSync(`/proc/${name}/cmdline`, 'latin1').includes(marker)) continue;
        process.kill(Number(name), 'SIGKILL');
        done = true;
        return;
      } catch {
        // Gone already.
      }
    }
  }, 20);
  return {
    stop() {
      clearInterval(timer);
      return done;
    },
  };
}
