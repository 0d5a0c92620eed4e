import type { AttrName, SetFacts, Structure } from './structure-types.ts';
import { type Segment, TokenView, type ValueInfo } from './token-view.ts';
import type { Lexed, Token } from './tokens.ts';

export type { AttrName, SetFacts, Structure } from './structure-types.ts';

/** `{ }` (set), `let ... in` (let) or anything else that nests: parens, lists, strings, `${}`. */
type Frame = {
  kind: 'set' | 'let' | 'other';
  id: number;
  owner: string[];
  ownerSet: number;
  stmt: boolean;
};

const PROSE = new Set(['description', 'longDescription']);
const OPENERS = new Set(['(', '[']);
const CLOSERS = new Set([')', ']', '}']);

/**
 * Walks the tokens once, tracking `{ }`, `let`, brackets and interpolations, and records every
 * NIX_ attribute bound (`a.b = v;`, `"a" = v;`) or inherited at the start of a binding.
 */
export function structure(lexed: Lexed): Structure {
  const v = new TokenView(lexed);
  const out: Structure = { names: [], sets: new Map(), notShell: new Set() };
  const stack: Frame[] = [{ kind: 'set', id: -1, owner: [], ownerSet: -1, stmt: false }];
  let pending: { at: number; path: string[]; set: number } | undefined;
  const facts = (id: number) =>
    out.sets.get(id) ??
    (out.sets.set(id, { structuredAttrs: false, hardeningLists: false }).get(id) as SetFacts);

  const record = (f: Frame, segs: Segment[], via: AttrName['via'], value: ValueInfo) => {
    const path = [...f.owner, ...segs.map((s) => s.name)];
    for (const [k, s] of segs.entries()) {
      if (s.quoted !== undefined) out.notShell.add(s.quoted);
      if (f.kind !== 'set' || !s.name.startsWith('NIX_')) continue;
      const at = f.owner.length + k;
      const inEnv = path[at - 1] === 'env';
      const host = inEnv && at - 1 < f.owner.length ? f.ownerSet : f.id;
      out.names.push({
        name: s.name,
        start: s.start,
        end: s.end,
        via,
        path,
        inEnv,
        direct: !inEnv && path.length === 1,
        host,
        value,
      });
    }
    const name = segs.length === 1 && f.kind === 'set' ? segs[0]?.name : undefined;
    if (name === '__structuredAttrs' && value.bool) facts(f.id).structuredAttrs = true;
    if (name === 'hardeningDisable' || name === 'hardeningEnable')
      facts(f.id).hardeningLists ||= !value.empty;
    return path;
  };

  /** `inherit a "b";` or `inherit (e) a;` at i; returns the index of its `;`. */
  const inherit = (f: Frame, i: number): number => {
    let j = i + 1;
    for (let depth = 0; v.isOp(i + 1, '(') && j < lexed.tokens.length; j++) {
      depth += v.isOp(j, '(') ? 1 : v.isOp(j, ')') ? -1 : 0;
      if (depth === 0) break;
    }
    for (j = v.isOp(i + 1, '(') ? j + 1 : j; !v.isOp(j, ';'); ) {
      const s = v.segment(j);
      if (!s) break;
      record(f, [s], 'inherit', { kind: 'expr' });
      j = s.next;
    }
    return j;
  };

  for (let i = 0; i < lexed.tokens.length; i++) {
    const t = lexed.tokens[i] as Token;
    const f = stack[stack.length - 1] as Frame;
    if (f.kind !== 'other' && f.stmt) {
      f.stmt = false;
      if (t.kind === 'kw' && t.text === 'inherit') {
        i = inherit(f, i) - 1;
        continue;
      }
      const segs: Segment[] = [];
      let j = i;
      for (let s = v.segment(j); s; s = v.isOp(j, '.') ? v.segment(j + 1) : undefined) {
        segs.push(s);
        j = s.next;
      }
      if (segs.length > 0 && v.isOp(j, '=')) {
        const value = v.valueAt(j + 1);
        const path = record(f, segs, 'attr', value);
        if (value.str !== undefined && PROSE.has(path[path.length - 1] ?? ''))
          out.notShell.add(value.str);
        pending = {
          at: v.tok(j + 1)?.kind === 'kw' ? j + 2 : j + 1,
          path: f.kind === 'set' ? path : [],
          set: f.id,
        };
        i = j;
        continue;
      }
    }
    const op = t.kind === 'op' ? t.text : '';
    if (op === '{') {
      const owned = pending?.at === i ? pending : undefined;
      stack.push({
        kind: 'set',
        id: i,
        owner: owned?.path ?? [],
        ownerSet: owned?.set ?? -1,
        stmt: true,
      });
    } else if (t.kind === 'kw' && t.text === 'let')
      stack.push({ kind: 'let', id: i, owner: [], ownerSet: -1, stmt: true });
    else if (t.kind === 'kw' && t.text === 'in' && f.kind === 'let') stack.pop();
    else if (op === ';') f.stmt = f.kind !== 'other';
    else if (t.kind === 'interp-open' || t.kind === 'str-open' || OPENERS.has(op))
      stack.push({ kind: 'other', id: i, owner: [], ownerSet: -1, stmt: false });
    else if (t.kind === 'interp-close' || t.kind === 'str-close' || CLOSERS.has(op)) {
      while (stack.length > 1 && (stack[stack.length - 1] as Frame).kind === 'let') stack.pop();
      if (stack.length > 1) stack.pop();
    }
  }
  return out;
}
