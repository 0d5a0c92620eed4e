import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { addToList, substituterTrusted, upsertNetrc } from '../../src/client/nix-config.ts';
import { runLarder } from '../helpers/cli.ts';
import { NixEnv, requireNix } from '../helpers/nix-env.ts';
import { type ServerProcess, spawnServer } from '../helpers/process-server.ts';

describe('nix.conf and netrc editing', () => {
  it('adds to list settings without touching other lines, once', () => {
    const conf = '# mine\nextra-substituters = https://a.example\nmax-jobs = 4\n';
    const once = addToList(conf, 'extra-substituters', 'http://larder/main');
    assert.equal(
      once,
      '# mine\nextra-substituters = https://a.example http://larder/main\nmax-jobs = 4\n',
    );
    assert.equal(addToList(once, 'extra-substituters', 'http://larder/main'), once);
    assert.equal(addToList('', 'k', 'v'), 'k = v\n');
  });

  it('replaces only the netrc entry of its host, single- or multi-line', () => {
    const netrc =
      'machine other.example login me password x\nmachine cache.lan\n  login old\n  password old\n# note\n';
    const out = upsertNetrc(netrc, 'cache.lan', 'larder', 'tok');
    assert.equal(
      out,
      'machine other.example login me password x\nmachine cache.lan login larder password tok\n# note\n',
    );
    assert.equal(upsertNetrc(out, 'cache.lan', 'larder', 'tok'), out);
  });

  it('knows when a daemon would ignore a user-level substituter', () => {
    const base = { groups: ['wheel'], trustedSubstituters: [], url: 'http://c/main', daemon: true };
    assert.equal(substituterTrusted({ ...base, user: 'me', trustedUsers: ['root'] }), false);
    assert.equal(
      substituterTrusted({ ...base, user: 'me', trustedUsers: ['root', '@wheel'] }),
      true,
    );
    assert.equal(
      substituterTrusted({
        ...base,
        user: 'me',
        trustedUsers: ['root'],
        trustedSubstituters: ['http://c/main'],
      }),
      true,
    );
    assert.equal(
      substituterTrusted({ ...base, user: 'me', trustedUsers: [], daemon: false }),
      true,
    );
  });
});

describe('larder use with real Nix', { skip: requireNix() }, () => {
  let server: ServerProcess;
  let nix: NixEnv;
  let root: string;
  const larder = (args: string[], home: string) =>
    runLarder(args, {
      ...nix.env,
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      LARDER_SERVER: server.url,
      LARDER_TOKEN: server.adminToken,
    });

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'larder-use-'));
    server = await spawnServer(join(root, 'data'));
    nix = NixEnv.create();
  });
  after(async () => {
    await server.stop();
    nix.cleanup();
    rmSync(root, { recursive: true, force: true });
  });

  it('keeps existing lines, is idempotent, and --print writes nothing', async () => {
    const home = join(root, 'home-a');
    const dir = join(home, '.config', 'nix');
    mkdirSync(dir, { recursive: true });
    const conf = '# my settings\nmax-jobs = 6\nextra-substituters = https://cache.example.org\n';
    const netrc = 'machine cache.example.org login me password secret\n';
    writeFileSync(join(dir, 'nix.conf'), conf);
    writeFileSync(join(dir, 'netrc'), netrc);
    const r = await larder(['use', 'main'], home);
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.out, new RegExp(server.adminToken), 'the token is not printed');
    const written = readFileSync(join(dir, 'nix.conf'), 'utf8');
    assert.ok(written.startsWith('# my settings\nmax-jobs = 6\n'));
    assert.match(
      written,
      new RegExp(`^extra-substituters = https://cache.example.org ${server.url}/main$`, 'm'),
    );
    assert.match(
      written,
      new RegExp(`^extra-trusted-public-keys = ${server.publicKey.replace(/[+/]/g, '\\$&')}$`, 'm'),
    );
    assert.match(written, new RegExp(`^netrc-file = ${join(dir, 'netrc')}$`, 'm'));
    const n = readFileSync(join(dir, 'netrc'), 'utf8');
    assert.ok(n.startsWith(netrc));
    assert.match(n, new RegExp(`machine 127.0.0.1 login larder password ${server.adminToken}`));
    assert.equal(statSync(join(dir, 'netrc')).mode & 0o777, 0o600);
    const again = await larder(['use', 'main'], home);
    assert.match(again.out, /nothing to change/);
    assert.equal(readFileSync(join(dir, 'nix.conf'), 'utf8'), written);

    const fresh = join(root, 'home-b');
    const printed = await larder(['use', 'main', '--print'], fresh);
    assert.equal(printed.code, 0, printed.err);
    assert.match(printed.out, /would write/);
    assert.equal(existsSync(join(fresh, '.config')), false);
  });

  it('writes a configuration with which Nix substitutes, signatures required', async () => {
    const home = join(root, 'home-c');
    assert.equal((await larder(['use', 'main'], home)).code, 0);
    const store = nix.store('builder');
    const path = nix.addText(store, 'used.txt', 'substitute me');
    assert.equal((await larder(['push', 'main', path, '--store', store], home)).code, 0);
    const consumer = nix.store('consumer');
    const r = nix.tryRun(
      ['nix-store', '--store', consumer, '-r', path, '--option', 'require-sigs', 'true'],
      {
        env: {
          // The user file alone: as on a real machine, the system nix.conf is NIX_CONF_DIR's.
          NIX_USER_CONF_FILES: join(home, '.config', 'nix', 'nix.conf'),
        },
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(nix.tryRun(['nix-store', '--store', consumer, '--check-validity', path]).code, 0);
  });
});
