import { parseDuration, parseSize } from '../util/units.ts';

/** One configuration key: how to coerce it and which environment variable sets it. */
export type Field =
  | { type: 'string'; env?: string; default?: string }
  | { type: 'bool'; env?: string; default?: boolean }
  | { type: 'int'; env?: string; default?: number }
  | { type: 'size'; env?: string; default?: string }
  | { type: 'duration'; env?: string; default?: string }
  | { type: 'enum'; values: readonly string[]; env?: string; default?: string };

export type Section = Record<string, Field>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Coerces a value from TOML (typed) or the environment (string) into the field's type. */
export function coerce(field: Field, value: unknown, where: string): unknown {
  const fail = (want: string): never => {
    throw new ConfigError(`${where}: expected ${want}, got ${JSON.stringify(value)}`);
  };
  switch (field.type) {
    case 'string':
      return typeof value === 'string' ? value : fail('a string');
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === '1') return true;
      if (value === 'false' || value === '0') return false;
      return fail('true or false');
    case 'int': {
      const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
      return typeof n === 'number' && Number.isSafeInteger(n) ? n : fail('an integer');
    }
    case 'size':
      try {
        return parseSize(value as string | number);
      } catch {
        return fail('a size like "5GiB"');
      }
    case 'duration':
      try {
        return parseDuration(value as string | number);
      } catch {
        return fail('a duration like "10m"');
      }
    case 'enum':
      return typeof value === 'string' && field.values.includes(value)
        ? value
        : fail(`one of ${field.values.map((v) => JSON.stringify(v)).join(', ')}`);
  }
}

/**
 * Reads one section: rejects unknown keys by name, then layers file values,
 * environment variables and defaults (environment wins over the file).
 */
export function readSection(
  section: Section,
  input: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  prefix: string,
): Record<string, unknown> {
  for (const key of Object.keys(input)) {
    if (!(key in section)) {
      const known = Object.keys(section).join(', ');
      throw new ConfigError(`unknown configuration key "${prefix}${key}" (known: ${known})`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(section)) {
    const fromEnv = field.env ? env[field.env] : undefined;
    if (fromEnv !== undefined && fromEnv !== '') {
      out[key] = coerce(field, fromEnv, field.env ?? key);
    } else if (input[key] !== undefined) {
      out[key] = coerce(field, input[key], `${prefix}${key}`);
    } else if (field.default !== undefined) {
      out[key] = coerce(field, field.default, `${prefix}${key}`);
    }
  }
  return out;
}
