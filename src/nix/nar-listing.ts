/**
 * The `<hashPart>.ls` file Nix writes beside a narinfo when a binary cache has
 * `write-nar-listing=true` (src/libstore/binary-cache-store.cc, nar-accessor.cc `listNar`).
 */
export type NarListingNode = NarListingDirectory | NarListingRegular | NarListingSymlink;

export interface NarListingDirectory {
  type: 'directory';
  /** Own enumerable properties, one per entry; see `setEntry` for why not plain assignment. */
  entries: Record<string, NarListingNode>;
}

export interface NarListingRegular {
  type: 'regular';
  size: number;
  /** Present (and true) only for executables, as Nix writes it. */
  executable?: true;
  /** Offset of the file's contents in the NAR; Nix omits it when it is 0, which never happens. */
  narOffset?: number;
}

export interface NarListingSymlink {
  type: 'symlink';
  target: string;
}

export interface NarListing {
  version: 1;
  root: NarListingNode;
}

/**
 * Adds an entry so that any name, `__proto__` included, becomes an own data property,
 * just as JSON.parse of Nix's file would produce.
 */
export function setEntry(dir: NarListingDirectory, name: string, node: NarListingNode): void {
  // Plain assignment is much faster on big directories; only `__proto__` needs defining.
  if (name === '__proto__') {
    Object.defineProperty(dir.entries, name, {
      value: node,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    dir.entries[name] = node;
  }
}

/**
 * JSON string as Nix's own writer escapes it (src/libutil/json.cc `toJSON`): `"`, `\`, and
 * control characters only, `\n` `\r` `\t` by name and the rest as `\u00XX`; everything else
 * raw. JSON.stringify would differ on `\b` and `\f`.
 */
function jsonString(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what Nix escapes
  return `"${s.replace(/["\\\u0000-\u001f]/g, (c) => {
    if (c === '"' || c === '\\') return `\\${c}`;
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  })}"`;
}

/** Byte order of UTF-8, which is how Nix's std::map orders entries (not JS key order). */
const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

function writeNode(node: NarListingNode, out: string[]): void {
  switch (node.type) {
    case 'regular':
      out.push(`{"type":"regular","size":${node.size}`);
      if (node.executable) out.push(',"executable":true');
      if (node.narOffset) out.push(`,"narOffset":${node.narOffset}`);
      out.push('}');
      return;
    case 'symlink':
      out.push(`{"type":"symlink","target":${jsonString(node.target)}}`);
      return;
    case 'directory': {
      out.push('{"type":"directory","entries":{');
      const names = Object.keys(node.entries).sort(byBytes);
      names.forEach((name, i) => {
        out.push(i === 0 ? `${jsonString(name)}:` : `,${jsonString(name)}:`);
        writeNode(node.entries[name] as NarListingNode, out);
      });
      out.push('}}');
      return;
    }
  }
}

/** The listing as the exact text Nix 2.8 writes to `<hashPart>.ls` (compact, keys in Nix's order). */
export function serializeListing(listing: NarListing): string {
  const out = ['{"version":1,"root":'];
  writeNode(listing.root, out);
  out.push('}');
  return out.join('');
}
