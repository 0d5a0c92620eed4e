import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
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
import { planUse } from '../../src/client/use.ts';
import { addToList, confValue, upsertNetrc } from '../../src/client/use-conf.ts';
import {
  daemonAdvice,
  isTrustedUser,
  type NixTrustFacts,
  usesDaemon,
} from '../../src/client/use-trust.ts';
import { runLarder } from '../helpers/cli.ts';
import { NixEnv, requireNix } from '../helpers/nix-env.ts';
import { type ServerProcess, spawnServer } from '../helpers/process-server.ts';

const URL_ = 'http://cache.lan:7745/main';
const KEY = 'main-1:AAAA';

describe('nix.conf editing', () => {
  it('appends to the extra- line in effect, before its comment, and only once', () => {
    const conf =
      '# mine\nmax-jobs = 4 # cool\nextra-substituters = https://a.example   # team\nkeep-outputs = true';
    const once = addToList(conf, 'substituters', URL_);
    assert.equal(
      once,
      `# mine\nmax-jobs = 4 # cool\nextra-substituters = https://a.example ${URL_}   # team\nkeep-outputs = true`,
    );
    assert.equal(addToList(once, 'substituters', URL_), once);
    assert.equal(addToList(once, 'substituters', `${URL_}/`), once, 'a trailing slash is the same');
    assert.equal(addToList('', 'trusted-public-keys', KEY), `extra-trusted-public-keys = ${KEY}\n`);
    assert.equal(
      addToList('x = 1', 'trusted-public-keys', KEY),
      `x = 1\nextra-trusted-public-keys = ${KEY}\n`,
    );
  });

  it('never adds before a plain setting that would discard it', () => {
    // Nix 2.8 applies lines in order: `substituters = …` replaces what extra- lines added.
    const conf = 'extra-substituters = https://a\nsubstituters = https://b\n';
    assert.equal(addToList(conf, 'substituters', URL_), `${conf}extra-substituters = ${URL_}\n`);
    assert.equal(
      addToList(
        `extra-substituters = ${URL_}\nsubstituters = https://b\n`,
        'substituters',
        URL_,
      ).split('\n').length,
      4,
    );
    assert.equal(
      addToList(`binary-caches = ${URL_}\n`, 'substituters', URL_),
      `binary-caches = ${URL_}\n`,
    );
    assert.equal(
      addToList(`# extra-substituters = ${URL_}\n`, 'substituters', URL_),
      `# extra-substituters = ${URL_}\nextra-substituters = ${URL_}\n`,
    );
  });

  it('reads scalar settings as Nix does: comments stripped, last line wins', () => {
    assert.equal(confValue('netrc-file = /a # old\nnetrc-file = /b\n', 'netrc-file'), '/b');
    assert.equal(confValue('# netrc-file = /a\n', 'netrc-file'), undefined);
  });
});

describe('netrc editing', () => {
  it('replaces only the entry of its host, in place, keeping every other byte', () => {
    const netrc =
      'machine other.example login me password x\n\nmachine cache.lan\n  login old\n  password old\n# note\nmachine third login a password b\n';
    const out = upsertNetrc(netrc, 'cache.lan', 'larder', 'tok');
    assert.equal(
      out,
      'machine other.example login me password x\n\nmachine cache.lan login larder password tok\n# note\nmachine third login a password b\n',
    );
    assert.equal(upsertNetrc(out, 'cache.lan', 'larder', 'tok'), out);
    const multi = 'machine cache.lan\n  login larder\n  password tok\n';
    assert.equal(upsertNetrc(multi, 'cache.lan', 'larder', 'tok'), multi, 'same values: untouched');
  });

  it('adds a new entry at the end, or before `default`, which ends the search', () => {
    assert.equal(upsertNetrc('', 'h', 'l', 'p'), 'machine h login l password p\n');
    assert.equal(
      upsertNetrc('machine a login x password y', 'h', 'l', 'p'),
      'machine a login x password y\nmachine h login l password p\n',
    );
    assert.equal(
      upsertNetrc('machine a login x password y\ndefault login anon password z\n', 'h', 'l', 'p'),
      'machine a login x password y\nmachine h login l password p\ndefault login anon password z\n',
    );
    const macro = 'machine a login x password y\nmacdef init\nmachine h\n\n';
    assert.equal(upsertNetrc(macro, 'h', 'l', 'p'), `${macro}machine h login l password p\n`);
  });
});

describe('whether the Nix daemon takes the substituter', () => {
  const facts = (over: Partial<NixTrustFacts> = {}): NixTrustFacts => ({
    user: 'alice',
    groups: ['users'],
    daemon: true,
    system: {
      trustedUsers: ['root'],
      trustedSubstituters: [],
      substituters: ['https://cache.nixos.org/'],
      trustedPublicKeys: ['cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY='],
      netrcFile: '/etc/nix/netrc',
    },
    systemConfFile: '/etc/nix/nix.conf',
    userNetrcFile: '/etc/nix/netrc',
    ...over,
  });
  const cache = { url: URL_, publicKey: KEY, private: true };

  it('says what root must add for an untrusted user', () => {
    const advice = daemonAdvice(facts(), cache).join('\n');
    assert.match(advice, /alice is not in trusted-users \(root\)/);
    assert.match(advice, /add to \/etc\/nix\/nix\.conf:/);
    assert.match(advice, new RegExp(`extra-trusted-substituters = ${URL_}`));
    assert.match(advice, new RegExp(`extra-trusted-public-keys = ${KEY}`));
    assert.match(advice, /daemon's netrc-file \/etc\/nix\/netrc/);
    assert.match(advice, /machine cache\.lan login larder password <your larder token>/);
    assert.match(advice, /restart nix-daemon/);
  });

  it('asks only for what is missing', () => {
    const system = {
      ...facts().system,
      trustedSubstituters: [`${URL_}/`],
      trustedPublicKeys: [KEY],
    };
    const netrcOnly = daemonAdvice(facts({ system }), cache).join('\n');
    assert.doesNotMatch(netrcOnly, /trusted-substituters|trusted-public-keys =/);
    assert.match(netrcOnly, /netrc-file/);
    assert.deepEqual(daemonAdvice(facts({ system }), { ...cache, private: false }), []);
    const readable = facts({ system, daemonNetrc: 'machine cache.lan login larder password t\n' });
    assert.deepEqual(daemonAdvice(readable, cache), []);
  });

  it('needs nothing from trusted users or without a daemon', () => {
    const trusted = (users: string[]) =>
      daemonAdvice(facts({ system: { ...facts().system, trustedUsers: users } }), cache);
    assert.deepEqual(trusted(['root', 'alice']), []);
    assert.deepEqual(trusted(['root', '@users']), []);
    assert.deepEqual(trusted(['*']), []);
    assert.notDeepEqual(trusted(['root', '@wheel']), []);
    assert.deepEqual(daemonAdvice(facts({ daemon: false }), cache), []);
    assert.equal(isTrustedUser('bob', ['wheel'], ['@wheel']), true);
  });

  it('knows when Nix uses a daemon (Nix 2.8 getStoreType)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'larder-state-'));
    try {
      assert.equal(usesDaemon('daemon'), true);
      assert.equal(usesDaemon('unix:///run/nix.sock'), true);
      assert.equal(usesDaemon('/tmp/chroot'), false);
      assert.equal(usesDaemon('local'), false);
      assert.equal(usesDaemon('auto', { NIX_STATE_DIR: dir }), false, 'writable state: local');
      const socket = join(dir, 'socket');
      writeFileSync(socket, '');
      const missing = join(dir, 'absent');
      assert.equal(usesDaemon('auto', { NIX_STATE_DIR: missing }), false, 'no socket: local');
      assert.equal(
        usesDaemon('auto', { NIX_STATE_DIR: missing, NIX_DAEMON_SOCKET_PATH: socket }),
        true,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('larder use with real Nix', { skip: requireNix() }, () => {
  let server: ServerProcess;
  let nix: NixEnv;
  let root: string;
  let publicUrl: string;
  const homeEnv = (home: string) => ({
    ...nix.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    LARDER_SERVER: server.url,
    LARDER_TOKEN: server.adminToken,
  });
  const larder = (args: string[], home: string, env: Record<string, string> = {}) =>
    runLarder(args, { ...homeEnv(home), ...env });
  const freshHome = (name: string) => {
    const home = join(root, name);
    mkdirSync(join(home, '.config', 'nix'), { recursive: true });
    return { home, dir: join(home, '.config', 'nix') };
  };

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'larder-use-'));
    server = await spawnServer(join(root, 'data'));
    nix = NixEnv.create();
    const r = await runLarder(['cache', 'create', 'open', '--public', '--json'], {
      ...nix.env,
      LARDER_SERVER: server.url,
      LARDER_TOKEN: server.adminToken,
    });
    assert.equal(r.code, 0, r.err);
    publicUrl = (JSON.parse(r.out) as { url: string }).url;
  });
  after(async () => {
    await server.stop();
    nix.cleanup();
    rmSync(root, { recursive: true, force: true });
  });

  it('keeps every other byte of nix.conf and netrc, runs idempotently, and --print writes nothing', async () => {
    const { home, dir } = freshHome('home-a');
    const conf =
      '# my settings\nmax-jobs = 6   # keep the laptop cool\n\nextra-substituters = https://cache.example.org # team\ntrusted-public-keys = cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=\n';
    const netrc =
      'machine cache.example.org\n  login me\n  password secret\n\ndefault login anonymous password guest\n';
    writeFileSync(join(dir, 'nix.conf'), conf);
    writeFileSync(join(dir, 'netrc'), netrc, { mode: 0o644 });

    const printed = await larder(['use', 'main', '--print'], home);
    assert.equal(printed.code, 0, printed.err);
    assert.match(printed.out, /would write .*nix\.conf/);
    assert.match(printed.out, new RegExp(`\\+ netrc-file = ${join(dir, 'netrc')}`));
    assert.match(printed.out, /\+ machine 127\.0\.0\.1 login larder password \*{8}/);
    assert.doesNotMatch(printed.out + printed.err, new RegExp(server.adminToken));
    assert.equal(readFileSync(join(dir, 'nix.conf'), 'utf8'), conf, '--print writes nothing');
    assert.equal(readFileSync(join(dir, 'netrc'), 'utf8'), netrc);

    const r = await larder(['use', 'main'], home);
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.out + r.err, new RegExp(server.adminToken), 'the token is not printed');
    const key = server.publicKey;
    assert.equal(
      readFileSync(join(dir, 'nix.conf'), 'utf8'),
      `# my settings\nmax-jobs = 6   # keep the laptop cool\n\nextra-substituters = https://cache.example.org ${server.url}/main # team\ntrusted-public-keys = cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=\nextra-trusted-public-keys = ${key}\nnetrc-file = ${join(dir, 'netrc')}\n`,
    );
    assert.equal(
      readFileSync(join(dir, 'netrc'), 'utf8'),
      `machine cache.example.org\n  login me\n  password secret\n\nmachine 127.0.0.1 login larder password ${server.adminToken}\ndefault login anonymous password guest\n`,
    );
    assert.equal(statSync(join(dir, 'netrc')).mode & 0o777, 0o600);

    const mtimes = ['nix.conf', 'netrc'].map((f) => statSync(join(dir, f)).mtimeMs);
    const again = await larder(['use', 'main', '--json'], home);
    assert.equal(again.code, 0, again.err);
    const j = JSON.parse(again.out) as { written: boolean; changes: unknown[]; url: string };
    assert.deepEqual([j.written, j.changes, j.url], [false, [], `${server.url}/main`]);
    assert.deepEqual(
      ['nix.conf', 'netrc'].map((f) => statSync(join(dir, f)).mtimeMs),
      mtimes,
      'a second run writes nothing',
    );

    const fresh = join(root, 'home-b');
    const dry = await larder(['use', 'main', '--print'], fresh);
    assert.equal(dry.code, 0, dry.err);
    assert.equal(existsSync(join(fresh, '.config')), false);
  });

  it('adds the entry to the netrc-file nix.conf already names', async () => {
    const { home, dir } = freshHome('home-netrc');
    const own = join(home, 'my-netrc');
    writeFileSync(join(dir, 'nix.conf'), `netrc-file = ${own}  # shared with curl\n`);
    writeFileSync(own, 'machine git.example login me password x\n');
    const r = await larder(['use', 'main'], home);
    assert.equal(r.code, 0, r.err);
    assert.equal(existsSync(join(dir, 'netrc')), false);
    assert.doesNotMatch(
      readFileSync(join(dir, 'nix.conf'), 'utf8'),
      /netrc-file = .*\n.*netrc-file/s,
    );
    assert.equal(
      readFileSync(own, 'utf8'),
      `machine git.example login me password x\nmachine 127.0.0.1 login larder password ${server.adminToken}\n`,
    );
  });

  it('writes no netrc for a public cache, and fails clearly without access', async () => {
    const { home, dir } = freshHome('home-public');
    const r = await larder(['use', 'open', '--json'], home);
    assert.equal(r.code, 0, r.err);
    const conf = readFileSync(join(dir, 'nix.conf'), 'utf8');
    assert.match(conf, new RegExp(`^extra-substituters = ${publicUrl}$`, 'm'));
    assert.doesNotMatch(conf, /netrc-file/);
    assert.equal(existsSync(join(dir, 'netrc')), false);

    const noToken = await larder(['use', 'main'], home, { LARDER_TOKEN: '' });
    assert.equal(noToken.code, 1);
    assert.match(noToken.err, /^larder: .*cache main is private.*\n$/);
    const unknown = await larder(['use', 'nope'], home);
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /^larder: unknown cache nope/);
  });

  it("reads the daemon's settings from the real Nix and says what an untrusted user lacks", async () => {
    const { home } = freshHome('home-daemon');
    const confDir = join(root, 'etc-nix');
    mkdirSync(confDir, { recursive: true });
    // What a multi-user install's /etc/nix/nix.conf says; the user's file claims trust, which
    // the daemon never reads, so it must not count.
    writeFileSync(join(confDir, 'nix.conf'), 'store = daemon\ntrusted-users = root @wheel\n');
    const userConf = join(home, 'user.conf');
    writeFileSync(userConf, 'trusted-users = alice\n');
    const env = { ...homeEnv(home), NIX_CONF_DIR: confDir, NIX_USER_CONF_FILES: userConf };
    const settings = { server: server.url, token: server.adminToken };
    const alice = await planUse(settings, 'main', {
      env,
      who: { user: 'alice', groups: ['users'] },
    });
    assert.equal(alice.nixWillUse, false);
    const advice = alice.warnings.flat().join('\n');
    assert.match(advice, /alice is not in trusted-users \(root @wheel\)/);
    assert.match(advice, new RegExp(`add to ${confDir}/nix.conf:`));
    assert.match(advice, new RegExp(`extra-trusted-substituters = ${server.url}/main`));
    assert.match(advice, new RegExp(`daemon's netrc-file ${confDir}/netrc`));
    const bob = await planUse(settings, 'main', { env, who: { user: 'bob', groups: ['wheel'] } });
    assert.equal(bob.nixWillUse, true);
    assert.deepEqual(bob.warnings, []);

    // The CLI prints the advice on stderr (as root here, trusted by default: nothing to say).
    const cli = await larder(['use', 'main', '--json'], home);
    assert.equal(cli.code, 0, cli.err);
    assert.equal((JSON.parse(cli.out) as { nixWillUse: boolean }).nixWillUse, true);
  });

  it('writes a configuration with which a stock Nix substitutes, signatures required', async () => {
    const { home } = freshHome('home-nix');
    assert.equal((await larder(['use', 'main'], home)).code, 0);
    const builder = nix.store('builder');
    const path = nix.addText(builder, 'used.txt', 'substitute me');
    const pushNetrc = join(root, 'push-netrc');
    writeFileSync(pushNetrc, `machine 127.0.0.1 login larder password ${server.adminToken}\n`);
    nix.copyTo(builder, `${server.url}/main`, [path], ['--option', 'netrc-file', pushNetrc]);

    // A system nix.conf that knows nothing of larder (no substituter from the internet
    // either, to stay offline); only the user's file, found the usual way, names it.
    const etc = join(root, 'etc-plain');
    mkdirSync(etc, { recursive: true });
    writeFileSync(join(etc, 'nix.conf'), 'substituters =\n');
    const substitute = (configHome: string, store: string) => {
      const env: Record<string, string | undefined> = {
        ...nix.env,
        NIX_CONF_DIR: etc,
        HOME: home,
        XDG_CONFIG_HOME: configHome,
        XDG_CACHE_HOME: join(home, '.cache'),
      };
      delete env.NIX_USER_CONF_FILES;
      return spawnSync('nix-store', ['--store', store, '--realise', path], {
        env,
        encoding: 'utf8',
      });
    };
    const without = substitute(join(root, 'no-config'), nix.store('control'));
    assert.notEqual(without.status, 0, 'without the written config Nix cannot get the path');
    assert.match(without.stderr, /don't know how to build/);
    const r = substitute(join(home, '.config'), nix.store('consumer'));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /copying path .* from 'http:\/\/127\.0\.0\.1/);
    nix.run(['nix-store', '--store', nix.store('consumer'), '--verify-path', path]);
  });
});
