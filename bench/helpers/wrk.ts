import { join } from 'node:path';
import { exec } from './exec.ts';

export interface WrkResult {
  rps: number;
  /** Responses that were not 2xx/3xx: a run with any is not a valid measurement. */
  non2xx: number;
  socketErrors: number;
  /** wrk's own breakdown: connect, read, write, timeout. */
  socketDetail: string;
  latency: string;
}

const LUA = join(import.meta.dirname, '..', 'narinfo-random.lua');

/** wrk with `narinfo-random.lua`: GETs random paths from `listFile` under `baseUrl`. */
export async function wrk(
  baseUrl: string,
  listFile: string,
  opts: { seconds: number; threads: number; connections: number },
): Promise<WrkResult> {
  const { stdout } = await exec(
    [
      'wrk',
      `-t${opts.threads}`,
      `-c${opts.connections}`,
      `-d${opts.seconds}s`,
      '--timeout',
      '5s',
      '-s',
      LUA,
      baseUrl,
    ],
    { env: { ...process.env, NARINFO_LIST: listFile }, timeoutMs: (opts.seconds + 30) * 1000 },
  );
  const num = (re: RegExp) => Number(re.exec(stdout)?.[1] ?? 0);
  const rps = num(/Requests\/sec:\s+([\d.]+)/);
  if (!rps) throw new Error(`cannot read wrk's output:\n${stdout}`);
  const socketErrors = (/Socket errors:(.*)/.exec(stdout)?.[1] ?? '')
    .split(',')
    .reduce((n, part) => n + Number(/(\d+)/.exec(part)?.[1] ?? 0), 0);
  return {
    rps,
    non2xx: num(/Non-2xx or 3xx responses:\s+(\d+)/),
    socketErrors,
    socketDetail: (/Socket errors:(.*)/.exec(stdout)?.[1] ?? '').trim(),
    latency: /Latency\s+(\S+)/.exec(stdout)?.[1] ?? '?',
  };
}
