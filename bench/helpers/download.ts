import { exec } from './exec.ts';

/**
 * Downloads `url` with `streams` parallel curls to /dev/null, each `times` in a row, and
 * returns the bytes and the wall time. curl, not a Node client, so the load generator costs as little CPU as possible
 * (it shares the machine with the server).
 */
export async function download(
  url: string,
  streams: number,
  times = 1,
  timeoutMs = 120_000,
): Promise<{ bytes: number; seconds: number }> {
  const t0 = performance.now();
  const once = () =>
    exec(
      [
        'curl',
        '--silent',
        '--show-error',
        '--fail',
        '--max-time',
        String(timeoutMs / 1000),
        '--output',
        '/dev/null',
        '--write-out',
        '%{size_download}',
        url,
      ],
      { timeoutMs: timeoutMs + 5_000 },
    );
  const stream = async () => {
    let bytes = 0;
    for (let i = 0; i < times; i++) bytes += Number((await once()).stdout);
    return bytes;
  };
  const results = await Promise.all(Array.from({ length: streams }, stream));
  const seconds = (performance.now() - t0) / 1000;
  return { bytes: results.reduce((a, b) => a + b, 0), seconds };
}
