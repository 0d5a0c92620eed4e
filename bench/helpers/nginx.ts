import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, waitForHttp } from './net.ts';

export interface Nginx {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export interface NginxOptions {
  /** The directory served at `/` (a `nix copy --to file://` cache). */
  root: string;
  /** Where the config, pid file, logs and temp files go. */
  workDir: string;
  /** Accept WebDAV PUTs into `root` (the upload baseline). */
  put?: boolean;
}

/**
 * nginx as the static-file baseline: the configuration a careful admin would give a
 * file:// binary cache (sendfile, no access log, one worker per core, Nix's MIME types).
 * Runs in the foreground as our child, so stopping it is killing one pid.
 */
export async function startNginx(opts: NginxOptions): Promise<Nginx> {
  const port = await freePort();
  const dir = opts.workDir;
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'])
    mkdirSync(join(dir, d), { recursive: true });
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off;
master_process on;
worker_processes auto;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
${process.getuid?.() === 0 ? 'user root;' : ''}
events { worker_connections 4096; }
http {
  types {
    text/x-nix-narinfo narinfo;
    application/x-nix-nar nar;
    text/x-nix-cache-info nix-cache-info;
  }
  default_type application/octet-stream;
  access_log off;
  sendfile on;
  tcp_nopush on;
  # Node's server keeps a connection for any number of requests; so does this one.
  keepalive_requests 1000000;
  keepalive_timeout 65s;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    root ${opts.root};
    location / {
      ${opts.put ? 'dav_methods PUT; create_full_put_path on; client_max_body_size 0;' : ''}
    }
  }
}
`,
  );
  let stderr = '';
  const child = spawn('nginx', ['-p', dir, '-c', conf, '-e', join(dir, 'error.log')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await Promise.race([
      waitForHttp(`${url}/`),
      exited.then(() => {
        throw new Error(`nginx exited: ${stderr}${readLog(dir)}`);
      }),
    ]);
  } catch (err) {
    child.kill('SIGTERM');
    throw err;
  }
  return {
    url,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function readLog(dir: string): string {
  try {
    return readFileSync(join(dir, 'error.log'), 'utf8');
  } catch {
    return '';
  }
}
