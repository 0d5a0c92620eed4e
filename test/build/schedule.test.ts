import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Candidate,
  criticalPaths,
  type Job,
  lowerBound,
  parseDrvName,
  parseProfile,
  pickStarts,
  simulate,
} from '../../src/build/index.ts';

const jobs = (...list: Job[]) => new Map(list.map((j) => [j.id, j]));
const job = (id: string, memory: number, seconds: number, deps: string[] = []): Candidate => ({
  id,
  memory,
  seconds,
  deps,
  readyAt: 0,
});
const limits = { budget: 10, maxJobs: 8 };
const never = () => false;

describe('scheduling policy', () => {
  it('never starts more than the budget holds', () => {
    const ready = [job('a', 6, 5), job('b', 6, 5), job('c', 4, 5)];
    assert.deepEqual(
      pickStarts(ready, [], 0, limits, never).map((j) => j.id),
      ['a', 'c'],
    );
    const running = [{ id: 'x', memory: 8, end: 3, alone: false }];
    assert.deepEqual(pickStarts(ready, running, 0, limits, never), []);
  });

  it('backfills only what cannot delay the first waiting build', () => {
    // a (7) runs until t=10; b (6) waits for it. c (3) fits now but would run until t=20
    // beside b's reservation only if b leaves room: 6 + 3 <= 10, so it may go.
    const running = [{ id: 'a', memory: 7, end: 10, alone: false }];
    const ready = [job('b', 6, 5), job('c', 3, 20), job('d', 3, 20)];
    assert.deepEqual(
      pickStarts(ready, running, 0, limits, never).map((j) => j.id),
      ['c'],
    );
    // With one unit more: c goes beside b's reservation; g would not fit now; e is short
    // enough to end before b can start.
    const more = [job('b', 6, 5), job('c', 3, 20), job('g', 3, 20), job('e', 0.5, 2)];
    assert.deepEqual(
      pickStarts(more, running, 0, { budget: 11, maxJobs: 8 }, never).map((j) => j.id),
      ['c', 'e'],
    );
  });

  it('holds memory for the critical path when its next build is about to be ready', () => {
    // l (light) runs until t=2 and h1 (heavy, the critical path) needs it. h3 would start now
    // and run until t=10; started together with h4 it would leave h1 waiting for 8 s.
    const running = [{ id: 'l', memory: 1, end: 2, alone: false }];
    const next = [
      { ...job('h1', 4.5, 10, ['l']), readyAt: 2 },
      job('h3', 4.5, 10),
      job('h4', 4.5, 10),
      job('s', 1, 2),
    ];
    assert.deepEqual(
      pickStarts(next, running, 0, limits, never).map((j) => j.id),
      ['h3', 's'],
      'one heavy beside the reservation, and what ends before h1 is ready',
    );
  });

  it('runs a build bigger than the budget alone', () => {
    const alone = (j: Job) => j.memory > limits.budget;
    assert.deepEqual(
      pickStarts(
        [job('big', 30, 5), job('s', 1, 1)],
        [{ id: 'r', memory: 1, end: 2, alone: false }],
        0,
        limits,
        alone,
      ).map((j) => j.id),
      ['s'],
      'small work may go on beside the wait only until the big one can start',
    );
    assert.deepEqual(
      pickStarts([job('big', 30, 5), job('s', 1, 1)], [], 0, limits, alone).map((j) => j.id),
      ['big'],
    );
    assert.deepEqual(
      pickStarts(
        [job('s', 1, 1)],
        [{ id: 'big', memory: 10, end: 5, alone: true }],
        0,
        limits,
        alone,
      ),
      [],
    );
  });

  it('orders by critical path and simulates to the lower bound on an easy graph', () => {
    const g = jobs(
      job('a1', 5, 10),
      job('a2', 5, 10, ['a1']),
      job('a3', 5, 10, ['a2']),
      job('b1', 5, 10),
      job('b2', 5, 10),
      job('b3', 5, 10),
    );
    const cp = criticalPaths(g);
    assert.equal(cp.get('a1'), 30);
    assert.equal(cp.get('b1'), 10);
    const sim = simulate(g, limits);
    assert.equal(sim.starts.get('a1'), 0, 'the long chain starts first');
    assert.equal(sim.makespan, 30);
    assert.equal(lowerBound(g, 10), 30);
    assert.ok(sim.peakMemory <= 10);
  });
});

describe('workspace profile', () => {
  it('reads the SPEC example and fills defaults', () => {
    const p = parseProfile(
      `name = "laptop"
role = "consumer"
memory_budget = "6GiB"
cores = 8
build_tiers = [3]
[tier.1]
match = ["python3-*", "nodejs-*"]
cores = 6
memory = "12GiB"
[tier.3]
cores = 2
memory = "1GiB"
`,
      'laptop.toml',
    );
    assert.equal(p.memoryBudget, 6 * 2 ** 30);
    assert.deepEqual(p.buildTiers, [3]);
    assert.equal(p.tiers.get(1)?.cores, 6);
    assert.equal(p.tiers.get(2)?.memory, 4 * 2 ** 30);
    assert.equal(p.maxJobs, 8);
  });

  it('names the key that is wrong', () => {
    assert.throws(
      () => parseProfile('memory_budget = "1GiB"\nmax_job = 2\n', 'p.toml'),
      /p\.toml: unknown key max_job/,
    );
    assert.throws(
      () => parseProfile('memory_budget = "lots"\n', 'p.toml'),
      /memory_budget: not a size/,
    );
    assert.throws(() => parseProfile('cores = 2\n', 'p.toml'), /memory_budget is required/);
    assert.throws(
      () => parseProfile('memory_budget = "1GiB"\n[tier.4]\ncores = 1\n', 'p.toml'),
      /unknown tier \[tier\.4\]/,
    );
  });

  it("splits names as Nix's parseDrvName does", () => {
    assert.deepEqual(parseDrvName('python3-3.11.4'), { pname: 'python3', version: '3.11.4' });
    assert.deepEqual(parseDrvName('gcc-wrapper-13.2.0'), {
      pname: 'gcc-wrapper',
      version: '13.2.0',
    });
    assert.deepEqual(parseDrvName('hello'), { pname: 'hello', version: '' });
  });
});
