import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';

/**
 * The floor for any binary cache behind Nix's HTTP client: node:http that answers
 * nix-cache-info, keeps each narinfo PUT in memory (Nix reads a path's references back
 * before uploading it), answers 404 to anything else and 200 to every PUT once its body
 * is in, checking and storing nothing. In a process of its own, as larder is.
 */
const SCRIPT = `
const { createServer } = require('node:http');
const kept = new Map();
const server = createServer((req, res) => {
  if (req.method === 'PUT') {
    const parts = [];
    const keep = req.url.endsWith('.narinfo');
    req.on('data', (d) => { if (keep) parts.push(d); });
    req.on('end', () => {
      if (keep) kept.set(req.url, Buffer.concat(parts));
      res.writeHead(200, { 'content-length': 0 });
      res.end();
    });
    return;
  }
  const body = req.url.endsWith('/nix-cache-info')
    ? Buffer.from('StoreDir: /nix/store\\nWantMassQuery: 1\\nPriority: 30\\n')
    : kept.get(req.url);
  if (!body) { res.writeHead(404, { 'content-length': 0 }); res.end(); return; }
  res.writeHead(200, { 'content-length': body.length });
  res.end(req.method === 'HEAD' ? undefined : body);
});
server.keepAliveTimeout = 65000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

export async function startSinkCache(): Promise<{
  url: string;
  child: ChildProcess;
  stop(): void;
}> {
  const child = spawn(process.execPath, ['-e', SCRIPT], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout?.setEncoding('utf8').once('data', (d: string) => resolve(d.trim()));
    child.once('exit', (code) => reject(new Error(`sink cache exited ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}/sink`, child, stop: () => void child.kill() };
}
