import { canonicalContentAddress } from './content-address.ts';
import { NixFormatError } from './errors.ts';
import { parseHash } from './hash.ts';
import { COMPRESSIONS, type NarInfo, sortedUnique } from './narinfo.ts';
import { parseSignature } from './signature.ts';
import { DEFAULT_STORE_DIR, parseStorePath, parseStorePathBaseName } from './store-path.ts';

type Fields = Map<string, string>;

/** The keys Nix 2.8 reads; others are skipped, even when repeated. */
const KNOWN = new Set([
  'StorePath',
  'URL',
  'Compression',
  'FileHash',
  'FileSize',
  'NarHash',
  'NarSize',
  'References',
  'Deriver',
  'System',
  'CA',
]);

/**
 * Splits `Key: value` lines (src/libstore/nar-info.cc). Nix finds the colon, skips one more
 * character and reads to the newline; this requires exactly `": "` and a final newline,
 * since anything else is misread by Nix rather than understood.
 */
function splitLines(text: string): { fields: Fields; sigs: string[] } {
  if (text.length > 0 && !text.endsWith('\n'))
    throw new NixFormatError('the narinfo does not end with a newline');
  const fields: Fields = new Map();
  const sigs: string[] = [];
  const lines = text.split('\n');
  lines.pop();
  lines.forEach((line, i) => {
    const colon = line.indexOf(':');
    if (colon <= 0 || line[colon + 1] !== ' ') {
      throw new NixFormatError(
        `line ${i + 1} is not 'Key: value': ${JSON.stringify(line.slice(0, 80))}`,
      );
    }
    const key = line.slice(0, colon);
    const value = line.slice(colon + 2);
    if (key === 'Sig') sigs.push(value);
    else if (!KNOWN.has(key)) return;
    else if (fields.has(key)) throw new NixFormatError('appears twice', key);
    else fields.set(key, value);
  });
  return { fields, sigs };
}

function required(fields: Fields, key: string): string {
  const v = fields.get(key);
  if (v === undefined || v === '') throw new NixFormatError('is missing', key);
  return v;
}

/** A decimal u64 that fits in a JS number (nar-info.cc uses string2Int<uint64_t>). */
function parseSize(v: string, key: string): number {
  const n = Number(v);
  if (!/^[0-9]+$/.test(v) || !Number.isSafeInteger(n))
    throw new NixFormatError(`'${v}' is not a byte count`, key);
  return n;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

function plainText(v: string, key: string): string {
  if (CONTROL.test(v)) throw new NixFormatError('contains control characters', key);
  return v;
}

/**
 * Parses a narinfo strictly: the fields Nix reads are all validated (a bad one throws a
 * NixFormatError naming it), unknown keys are ignored as Nix ignores them, and a missing
 * `Compression` means bzip2 (nar-info.cc).
 */
export function parseNarInfo(text: string, storeDir: string = DEFAULT_STORE_DIR): NarInfo {
  const { fields, sigs } = splitLines(text);
  const storePath = required(fields, 'StorePath');
  parseStorePath(storePath, storeDir, 'StorePath');
  const url = plainText(required(fields, 'URL'), 'URL');
  const compression = fields.get('Compression') || 'bzip2';
  if (!COMPRESSIONS.has(compression))
    throw new NixFormatError(`unknown compression '${compression}'`, 'Compression');
  const narHash = parseHash(required(fields, 'NarHash'), 'NarHash');
  const narSize = parseSize(required(fields, 'NarSize'), 'NarSize');
  // nar-info.cc treats NarSize 0 as missing: no NAR is empty (the magic alone is 24 bytes).
  if (narSize === 0) throw new NixFormatError('must not be 0', 'NarSize');

  const info: NarInfo = { storePath, url, compression, narHash, narSize, references: [], sigs: [] };
  const fileHash = fields.get('FileHash');
  if (fileHash !== undefined) info.fileHash = parseHash(fileHash, 'FileHash');
  const fileSize = fields.get('FileSize');
  if (fileSize !== undefined) info.fileSize = parseSize(fileSize, 'FileSize');

  // Split on single spaces, dropping empty tokens, like tokenizeString(value, " ").
  const refs = (fields.get('References') ?? '').split(' ').filter((r) => r !== '');
  info.references = sortedUnique(refs.map((r) => parseStorePathBaseName(r, 'References').baseName));

  const deriver = fields.get('Deriver');
  if (deriver !== undefined && deriver !== 'unknown-deriver') {
    info.deriver = parseStorePathBaseName(deriver, 'Deriver').baseName;
  }
  const system = fields.get('System');
  if (system) info.system = plainText(system, 'System');
  for (const sig of sigs) parseSignature(sig, 'Sig');
  info.sigs = sortedUnique(sigs);
  const ca = fields.get('CA');
  if (ca) info.ca = canonicalContentAddress(ca, 'CA');
  return info;
}
