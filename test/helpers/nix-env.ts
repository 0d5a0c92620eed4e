import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

/**
 * Real Nix, isolated: every NixEnv has its own config dir, caches, home and chroot stores
 * under one temp dir, so tests never read or write /nix, ~/.cache/nix or the user's nix.conf.
 * A chroot store (`--store <dir>`) keeps the logical store dir /nix/store; its files live at
 * `<dir>/nix/store/…` (see `realPath`).
 */

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Bytes for stdin. */
  input?: string | Buffer;
  /** Extra environment variables for this command only. */
  env?: Record<string, string>;
  cwd?: string;
  /** Milliseconds before the command is killed (default 5 minutes). */
  timeout?: number;
}

const BUSYBOX = '/bin/busybox';
let available: boolean | undefined;

/** True when `nix`, `nix-store` and `nix-build` run on this machine. */
export function nixAvailable(): boolean {
  available ??= ['nix', 'nix-store', 'nix-build'].every(
    (c) => spawnSync(c, ['--version'], { stdio: 'ignore' }).status === 0,
  );
  return available;
}

/**
 * Why a Nix test must be skipped, or false when Nix is here. Use as `describe(…, { skip:
 * requireNix() })`, or `if (requireNix(t)) return;` inside a test. With LARDER_REQUIRE_NIX=1 a
 * missing Nix is a failure, so CI cannot go green by skipping.
 */
export function requireNix(t?: TestContext): string | false {
  if (nixAvailable()) return false;
  if (process.env.LARDER_REQUIRE_NIX === '1')
    throw new Error('LARDER_REQUIRE_NIX=1 but nix is not installed (or not on PATH)');
  const reason = 'nix is not installed';
  t?.skip(reason);
  return reason;
}

/** nix.conf for an isolated, offline, root-run Nix with fresh answers from every cache. */
const nixConf = (defaultStore: string) =>
  [
    'sandbox = false',
    'build-users-group =',
    'experimental-features = nix-command',
    // Anything run without --store lands here, never in /nix.
    `store = ${defaultStore}`,
    'substituters =',
    'trusted-public-keys =',
    // Tests push and query within seconds; cached narinfo answers would hide the server's.
    'narinfo-cache-negative-ttl = 0',
    'narinfo-cache-positive-ttl = 0',
    'fsync-metadata = false',
    'connect-timeout = 5',
    'max-jobs = 2',
    '',
  ].join('\n');

export class NixEnv {
  /** The temp dir holding everything of this environment. */
  readonly root: string;
  /** Environment variables every command runs with. */
  readonly env: Record<string, string>;
  /** A folder holding only a static `busybox`, for `builtins.path` in test derivations. */
  readonly busyboxDir: string;
  /** The store commands use when given no `--store`. */
  readonly defaultStore: string;
  readonly storeDir = '/nix/store';

  private constructor(root: string) {
    this.root = root;
    for (const d of [
      'conf',
      'cache',
      'config',
      'data',
      'state',
      'home',
      'tmp',
      'stores',
      'busybox',
      'files',
    ]) {
      mkdirSync(join(root, d), { recursive: true });
    }
    this.defaultStore = join(root, 'stores', 'default');
    writeFileSync(join(root, 'conf', 'nix.conf'), nixConf(this.defaultStore));
    this.busyboxDir = join(root, 'busybox');
    if (existsSync(BUSYBOX)) copyFileSync(BUSYBOX, join(this.busyboxDir, 'busybox'));
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(
        (e): e is [string, string] => e[1] !== undefined && !e[0].startsWith('NIX_'),
      ),
    );
    this.env = {
      ...inherited,
      NIX_CONF_DIR: join(root, 'conf'),
      NIX_USER_CONF_FILES: join(root, 'conf', 'nix.conf'),
      XDG_CACHE_HOME: join(root, 'cache'),
      XDG_CONFIG_HOME: join(root, 'config'),
      XDG_DATA_HOME: join(root, 'data'),
      XDG_STATE_HOME: join(root, 'state'),
      HOME: join(root, 'home'),
      TMPDIR: join(root, 'tmp'),
      NIX_PATH: '',
    };
  }

  /** A fresh environment in a new temp dir. */
  static create(prefix = 'larder-nix-'): NixEnv {
    return new NixEnv(mkdtempSync(join(tmpdir(), prefix)));
  }

  /** The chroot store named `name` (created by Nix on first use); pass it as `--store`. */
  store(name = 'default'): string {
    return join(this.root, 'stores', name);
  }

  /** Where a store path's files really are inside a chroot store. */
  realPath(store: string, storePath: string): string {
    return `${store}${storePath}`;
  }

  /** A fresh path under this environment for a test's own files (the directory is not created). */
  path(...parts: string[]): string {
    return join(this.root, 'files', ...parts);
  }

  /** Runs a command; returns its stdout, or throws with its stderr when it fails. */
  run(argv: string[], opts: RunOptions = {}): string {
    const r = this.tryRun(argv, opts);
    if (r.code !== 0) throw new Error(`${argv.join(' ')} exited with ${r.code}:\n${r.stderr}`);
    return r.stdout;
  }

  /** Runs a command and returns its stdout as bytes (e.g. `nix-store --dump`); throws on failure. */
  runBuffer(argv: string[], opts: RunOptions = {}): Buffer {
    const [cmd = '', ...args] = argv;
    const r = spawnSync(cmd, args, this.spawnOptions(opts));
    if (r.error) throw r.error;
    if (r.status !== 0)
      throw new Error(
        `${argv.join(' ')} exited with ${r.status ?? r.signal}:\n${r.stderr.toString()}`,
      );
    return r.stdout;
  }

  /** Runs a command and reports how it ended, without throwing on a non-zero exit. */
  tryRun(argv: string[], opts: RunOptions = {}): RunResult {
    const [cmd = '', ...args] = argv;
    const r = spawnSync(cmd, args, this.spawnOptions(opts));
    if (r.error) throw r.error;
    return { code: r.status ?? 128, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
  }

  /** Starts a command in the background; `done` resolves when it exits (never rejects on exit codes). */
  spawn(
    argv: string[],
    opts: Omit<RunOptions, 'input' | 'timeout'> = {},
  ): { child: ChildProcess; done: Promise<RunResult> } {
    const [cmd = '', ...args] = argv;
    const child = spawn(cmd, args, {
      env: { ...this.env, ...opts.env },
      cwd: opts.cwd ?? this.root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const done = new Promise<RunResult>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) =>
        resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }),
      );
    });
    return { child, done };
  }

  /** `nix-store --add`: copies files or trees into `store`; returns their store paths in order. */
  add(store: string, ...fsPaths: string[]): string[] {
    return lines(this.run(['nix-store', '--store', store, '--add', ...fsPaths]));
  }

  /** `nix store add-path --name`: adds a tree under a chosen name; returns the store path. */
  addPath(store: string, fsPath: string, name?: string): string {
    const args = ['nix', 'store', 'add-path', '--store', store, fsPath];
    return this.run(name ? [...args, '--name', name] : args).trim();
  }

  /** Writes `content` to a file named `name` and adds it to `store`; returns the store path. */
  addText(store: string, name: string, content: string | Buffer): string {
    const dir = mkdtempSync(join(this.root, 'files', 'add-'));
    writeFileSync(join(dir, name), content);
    return this.add(store, join(dir, name))[0] as string;
  }

  /** `nix-build -E expr` into `store`, without a result link; returns stdout (the output paths). */
  build(store: string, expr: string, extraArgs: string[] = []): string {
    return this.run(['nix-build', '--store', store, '--no-out-link', '-E', expr, ...extraArgs]);
  }

  /**
   * An expression for a derivation built by the static busybox: `script` runs under
   * `busybox sh -c` with `$bb` as the busybox binary and `$out` set. `deps` are Nix
   * expressions (another `busyboxDrv`, or `builtins.storePath "/nix/store/…"` for a path
   * already in the store), available as `$dep0`, `$dep1`, … and so referenced by the output
   * when the script writes them into it.
   */
  busyboxDrv(name: string, script: string, deps: string[] = []): string {
    const env = deps.map((d, i) => `dep${i} = ${d};`).join(' ');
    return `let bb = builtins.path { path = ${this.busyboxDir}; name = "busybox"; }; in
      builtins.derivation {
        name = ${JSON.stringify(name)};
        system = builtins.currentSystem;
        builder = "\${bb}/busybox";
        bb = "\${bb}/busybox";
        ${env}
        args = [ "sh" "-c" ${nixString(`${script}; true`)} ];
      }`;
  }

  /** `nix copy --to <uri>` of `paths` (closures) from `store`. */
  copyTo(store: string, uri: string, paths: string[], extraArgs: string[] = []): string {
    return this.run(['nix', 'copy', '--store', store, '--to', uri, ...paths, ...extraArgs]);
  }

  /** `nix copy --from <uri>` of `paths` into `store`. */
  copyFrom(uri: string, store: string, paths: string[], extraArgs: string[] = []): RunResult {
    return this.tryRun(['nix', 'copy', '--from', uri, '--to', store, ...paths, ...extraArgs]);
  }

  /** The NAR of a store path, as `nix-store --dump` writes it. */
  dump(store: string, storePath: string): Buffer {
    return this.runBuffer(['nix-store', '--dump', this.realPath(store, storePath)]);
  }

  /** `nix-store --generate-binary-cache-key`: returns the key texts and the files holding them. */
  generateKey(name: string): {
    secret: string;
    public: string;
    secretFile: string;
    publicFile: string;
  } {
    const dir = mkdtempSync(join(this.root, 'files', 'key-'));
    const secretFile = join(dir, 'secret');
    const publicFile = join(dir, 'public');
    this.run(['nix-store', '--generate-binary-cache-key', name, secretFile, publicFile]);
    const read = (f: string) => readFileSync(f, 'utf8');
    return { secret: read(secretFile), public: read(publicFile), secretFile, publicFile };
  }

  /** Deletes everything of this environment (store files are read-only, so make them writable first). */
  cleanup(): void {
    makeWritable(this.root);
    rmSync(this.root, { recursive: true, force: true });
  }

  private spawnOptions(opts: RunOptions) {
    return {
      env: { ...this.env, ...opts.env },
      cwd: opts.cwd ?? this.root,
      input: opts.input,
      timeout: opts.timeout ?? 300_000,
      maxBuffer: 1 << 30,
    };
  }
}

const lines = (s: string) => s.split('\n').filter((l) => l !== '');

/** A Nix string literal: `${` and `"` and `\` escaped, so a shell script passes through verbatim. */
function nixString(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\$\{/g, '\\${')}"`;
}

function makeWritable(dir: string): void {
  try {
    chmodSync(dir, 0o755);
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) makeWritable(join(dir, e.name));
    }
  } catch {
    // Best effort: rmSync reports what it still cannot remove.
  }
}
