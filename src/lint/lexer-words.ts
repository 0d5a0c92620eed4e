// Character classes and word rules from NixOS/nix src/libexpr/lexer.l (ID, INT, FLOAT, PATH,
// HPATH, SPATH, URI). Nix's lexer takes the longest match, so `a/b` is a path and `x:y` a URI.
const isIdStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isDigit = (c: number) => c >= 48 && c <= 57;
const isIdChar = (c: number) => isIdStart(c) || isDigit(c) || c === 39 || c === 45;
const isPathChar = (c: number) => isIdStart(c) || isDigit(c) || c === 46 || c === 45 || c === 43;
const URI_CHARS = new Set(
  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789%/?:@&=+$,-_.!~*'",
);
const KEYWORDS = new Set([
  'if',
  'then',
  'else',
  'assert',
  'with',
  'let',
  'in',
  'rec',
  'inherit',
  'or',
]);
const SEARCH_PATH = /<[a-zA-Z0-9._\-+]+(\/[a-zA-Z0-9._\-+]+)*>/y;
const NUMBER = /\d*\.\d*(?:[Ee][+-]?\d+)?|\d+/y;

export interface Word {
  kind: 'path' | 'uri' | 'id' | 'kw' | 'int' | 'float';
  end: number;
}

/** Where a path that starts (or resumes after `${...}`) at `i` ends: before any `${`. */
export function pathEnd(src: string, i: number): number {
  let j = i;
  for (let c = src.charCodeAt(j); isPathChar(c) || c === 47 || c === 126; c = src.charCodeAt(++j));
  return j;
}

/** The path, search path, URI, identifier, keyword or number at `i`, if one starts there. */
export function wordAt(src: string, i: number): Word | undefined {
  const c = src.charCodeAt(i);
  let j = i;
  while (j < src.length && isPathChar(src.charCodeAt(j))) j++;
  const slash =
    src.charCodeAt(j) === 47 && (isPathChar(src.charCodeAt(j + 1)) || src.startsWith('${', j + 1));
  const home = c === 126 && src.charCodeAt(i + 1) === 47;
  if (
    (slash && (j > i || c === 47)) ||
    home ||
    (c === 47 && j === i && isPathChar(src.charCodeAt(i + 1)))
  )
    return { kind: 'path', end: pathEnd(src, i) };
  if (c === 60) {
    SEARCH_PATH.lastIndex = i;
    const m = SEARCH_PATH.exec(src);
    return m ? { kind: 'path', end: i + m[0].length } : undefined;
  }
  if (isIdStart(c)) {
    // A URI's scheme is the path-character run up to `:` when it has no `_`.
    if (
      src.charCodeAt(j) === 58 &&
      c !== 95 &&
      URI_CHARS.has(src.charAt(j + 1)) &&
      !src.slice(i, j).includes('_')
    ) {
      let e = j + 1;
      while (e < src.length && URI_CHARS.has(src.charAt(e))) e++;
      return { kind: 'uri', end: e };
    }
    let e = i + 1;
    while (e < src.length && isIdChar(src.charCodeAt(e))) e++;
    return { kind: KEYWORDS.has(src.slice(i, e)) ? 'kw' : 'id', end: e };
  }
  if (isDigit(c) || (c === 46 && isDigit(src.charCodeAt(i + 1)))) {
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(src) as RegExpExecArray;
    return { kind: m[0].includes('.') ? 'float' : 'int', end: i + m[0].length };
  }
  return undefined;
}
