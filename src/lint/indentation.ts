import type { NixString, Piece } from './tokens.ts';

/** The common indentation: spaces before the first other character of each line that has one. */
function minIndent(pieces: Piece[]): number {
  let atStart = true;
  let cur = 0;
  let min = Number.MAX_SAFE_INTEGER;
  for (const p of pieces) {
    if (!p.verbatim) {
      if (atStart) min = Math.min(min, cur);
      atStart = false;
      continue;
    }
    const t = p.text;
    let j = 0;
    while (j < t.length) {
      if (atStart) {
        const k = j;
        while (j < t.length && t.charCodeAt(j) === 32) j++;
        cur += j - k;
        if (j >= t.length) break;
        if (t.charCodeAt(j) === 10) {
          cur = 0;
          j++;
          continue;
        }
        atStart = false;
        min = Math.min(min, cur);
      }
      const nl = t.indexOf('\n', j);
      if (nl < 0) break;
      j = nl + 1;
      atStart = true;
      cur = 0;
    }
  }
  return min;
}

/**
 * Strips the common indentation of an indented string, as Nix's parser does (stripIndentation
 * in parser.y): only spaces count, whitespace-only lines are ignored when measuring, escapes and
 * interpolations end a line's indentation, and a last line of only spaces is dropped. Kept
 * characters keep their file offsets. Works a line at a time, so it stays linear and cheap.
 */
export function stripIndentation(s: NixString): void {
  const min = minIndent(s.pieces);
  const out: Piece[] = [];
  const keep = (text: string, src: number) => {
    const last = out[out.length - 1];
    if (last?.verbatim && last.src + last.text.length === src) last.text += text;
    else out.push({ text, src, verbatim: true, interp: false });
  };
  let atStart = true;
  let dropped = 0;
  for (const p of s.pieces) {
    if (!p.verbatim) {
      atStart = false;
      out.push(p);
      continue;
    }
    const t = p.text;
    let j = 0;
    while (j < t.length) {
      if (atStart) {
        const k = j;
        while (j < t.length && j - k < min - dropped && t.charCodeAt(j) === 32) j++;
        dropped += j - k;
        if (j >= t.length) break;
        atStart = false;
      }
      const nl = t.indexOf('\n', j);
      const end = nl < 0 ? t.length : nl + 1;
      keep(t.slice(j, end), p.src + j);
      j = end;
      if (nl >= 0) {
        atStart = true;
        dropped = 0;
      }
    }
  }
  if (s.pieces[s.pieces.length - 1]?.verbatim) trimLastLine(out);
  s.pieces = out;
}

/** Drops trailing spaces after the last newline of the final literal (Nix: "remove the last line if it is empty"). */
function trimLastLine(out: Piece[]): void {
  for (let k = out.length - 1; k >= 0; k--) {
    const p = out[k] as Piece;
    if (!p.verbatim) return;
    const nl = p.text.lastIndexOf('\n');
    if (!/^ *$/.test(nl < 0 ? p.text : p.text.slice(nl + 1))) return;
    if (nl >= 0) {
      p.text = p.text.slice(0, nl + 1);
      out.length = k + 1;
      return;
    }
  }
}
