import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';

/**
 * The ceiling for any Node server on this machine: node:http answering each narinfo from a
 * Map filled once from the file:// cache, with no routing, auth, database or logging.
 */
const SCRIPT = `
const { createServer } = require('node:http');
const { readdirSync, readFileSync } = require('node:fs');
const dir = process.argv[1];
const files = new Map();
for (const f of readdirSync(dir)) if (f.endsWith('.narinfo')) files.set('/' + f, readFileSync(dir + '/' + f));
const server = createServer((req, res) => {
  const body = files.get(req.url);
  if (!body) { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { 'content-type': 'text/x-nix-narinfo', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 65000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

export async function startBareNode(
  cacheDir: string,
): Promise<{ url: string; child: ChildProcess; stop(): void }> {
  const child = spawn(process.execPath, ['-e', SCRIPT, cacheDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout?.setEncoding('utf8').once('data', (d: string) => resolve(d.trim()));
    child.once('exit', (code) => reject(new Error(`bare node server exited ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child, stop: () => void child.kill() };
}
