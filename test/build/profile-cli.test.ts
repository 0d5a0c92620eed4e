import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseProfile } from '../../src/build/index.ts';
import { runLarder } from '../helpers/cli.ts';

describe('larder profile init', () => {
  it('writes a profile of this machine that larder reads back, and keeps an existing one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'larder-profile-'));
    try {
      const file = join(dir, 'larder.workspace.toml');
      const env = { ...process.env, HOME: dir };
      const r = await runLarder(
        ['profile', 'init', '-o', file, '--role', 'consumer', '--name', 'wsl'],
        env,
      );
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /wrote .*larder\.workspace\.toml: wsl, consumer/);
      const p = parseProfile(readFileSync(file, 'utf8'), file);
      assert.equal(p.name, 'wsl');
      assert.deepEqual(p.buildTiers, [3]);
      assert.ok(p.memoryBudget < totalmem(), 'a reserve is kept for the desktop');
      assert.ok(p.memoryBudget >= totalmem() / 2);
      const again = await runLarder(['profile', 'init', '-o', file], env);
      assert.equal(again.code, 2);
      assert.match(again.err, /exists; pass --force/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
