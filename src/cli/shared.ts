import { Api, resolveSettings } from '../client/index.ts';

/** Flags every server-talking command accepts. */
export const connectionArgs = {
  server: {
    type: 'string',
    description: 'larder server URL (default: LARDER_SERVER, then `larder login`)',
  },
  token: { type: 'string', description: 'API token (default: LARDER_TOKEN, then `larder login`)' },
  debug: { type: 'boolean', description: 'show stack traces on errors' },
} as const;

export const jsonArg = {
  json: { type: 'boolean', description: 'print JSON for machines' },
} as const;

export function apiFrom(args: { server?: string | undefined; token?: string | undefined }): Api {
  return new Api(resolveSettings({ server: args.server, token: args.token }));
}

/** Prints data as JSON or as the human text `human` produces. */
export function output(json: boolean | undefined, data: unknown, human: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${human()}\n`);
}

/** Aligns rows into columns for terminal output. */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) {
    for (const [i, cell] of r.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  return rows
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  '))
    .join('\n');
}
