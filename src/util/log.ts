/** A small leveled logger; tests pass their own to collect what the server said. */
export interface Logger {
  debug(msg: string, extra?: Record<string, unknown>): void;
  info(msg: string, extra?: Record<string, unknown>): void;
  warn(msg: string, extra?: Record<string, unknown>): void;
  error(msg: string, extra?: Record<string, unknown>): void;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

function render(extra: Record<string, unknown> | undefined): string {
  if (!extra) return '';
  const parts = Object.entries(extra).map(([k, v]) => {
    if (v instanceof Error)
      return `${k}=${v.stack ?? v.message}${v.cause ? ` cause=${String((v.cause as Error).stack ?? v.cause)}` : ''}`;
    return `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`;
  });
  return ` ${parts.join(' ')}`;
}

/** Logs one line per event to stderr: time, level, message, key=value pairs. */
export function createLogger(
  level: LogLevel = 'info',
  write = (line: string) => process.stderr.write(line),
): Logger {
  const min = ORDER[level];
  const at =
    (lvl: Exclude<LogLevel, 'silent'>) => (msg: string, extra?: Record<string, unknown>) => {
      if (ORDER[lvl] < min) return;
      write(`${new Date().toISOString()} ${lvl.toUpperCase()} ${msg}${render(extra)}\n`);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
