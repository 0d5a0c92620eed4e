/**
 * Writes a small ELF shared object of any class and byte order, with a .dynsym holding
 * exported, weak, hidden, local and undefined symbols, and a dynamic section with
 * DT_SONAME and DT_NEEDED. Tests check it with binutils' readelf, which reads every
 * class and byte order, so the fixture is not only as right as the parser it tests.
 */
export interface FixtureOptions {
  bits: 32 | 64;
  endian: 'little' | 'big';
  machine: number;
  /** e_type: 3 ET_DYN (default), 2 ET_EXEC. */
  type?: number;
}

export const FIXTURE_EXPORTS = ['visible_fn', 'weak_fn', 'protected_data'];
export const FIXTURE_NOT_EXPORTED = ['hidden_fn', 'local_fn', 'undef_fn'];

export function writeElf(o: FixtureOptions): Buffer {
  const wide = o.bits === 64;
  const le = o.endian === 'little';
  const w = wide ? 8 : 4;
  const parts: Buffer[] = [];
  let size = 0;
  const put = (b: Buffer) => {
    const at = size;
    parts.push(b);
    size += b.length;
    return at;
  };
  const int = (n: number | bigint, bytes: number) => {
    const b = Buffer.alloc(bytes);
    const v = BigInt(n);
    if (bytes === 1) b[0] = Number(v);
    else if (bytes === 2) le ? b.writeUInt16LE(Number(v)) : b.writeUInt16BE(Number(v));
    else if (bytes === 4) le ? b.writeUInt32LE(Number(v)) : b.writeUInt32BE(Number(v));
    else le ? b.writeBigUInt64LE(v) : b.writeBigUInt64BE(v);
    return b;
  };
  const strtab = (names: string[]) => {
    const offs: Record<string, number> = {};
    let text = '\0';
    for (const n of names) {
      offs[n] = text.length;
      text += `${n}\0`;
    }
    return { bytes: Buffer.from(text), offs };
  };
  const ehsize = wide ? 64 : 52;
  const shentsize = wide ? 64 : 40;
  put(Buffer.alloc(ehsize)); // header, filled in last

  const dyn = strtab(['libfix.so.1', 'libc.so.6', ...FIXTURE_EXPORTS, ...FIXTURE_NOT_EXPORTED]);
  const dynstrOff = put(dyn.bytes);
  // [name, bind, type, visibility, shndx]
  const syms: [string, number, number, number, number][] = [
    ['local_fn', 0, 2, 0, 5],
    ['visible_fn', 1, 2, 0, 5],
    ['weak_fn', 2, 2, 0, 5],
    ['protected_data', 1, 1, 3, 5],
    ['hidden_fn', 1, 2, 2, 5],
    ['undef_fn', 1, 2, 0, 0],
  ];
  const sym = (name: number, bind: number, type: number, vis: number, shndx: number) =>
    wide
      ? Buffer.concat([
          int(name, 4),
          int((bind << 4) | type, 1),
          int(vis, 1),
          int(shndx, 2),
          int(0x1000, 8),
          int(16, 8),
        ])
      : Buffer.concat([
          int(name, 4),
          int(0x1000, 4),
          int(16, 4),
          int((bind << 4) | type, 1),
          int(vis, 1),
          int(shndx, 2),
        ]);
  // Local symbols come first (gABI); sh_info of .dynsym is the index of the first non-local.
  const dynsymBytes = Buffer.concat([
    sym(0, 0, 0, 0, 0),
    ...syms.map(([n, b, t, v, s]) => sym(dyn.offs[n] as number, b, t, v, s)),
  ]);
  const dynsymOff = put(dynsymBytes);
  const dynamicBytes = Buffer.concat([
    int(14, w),
    int(dyn.offs['libfix.so.1'] as number, w),
    int(1, w),
    int(dyn.offs['libc.so.6'] as number, w),
    int(0, w),
    int(0, w),
  ]);
  const dynamicOff = put(dynamicBytes);
  const sh = strtab(['.dynstr', '.dynsym', '.dynamic', '.shstrtab', '.text']);
  const shstrOff = put(sh.bytes);
  const text = Buffer.alloc(32);
  const textOff = put(text);
  while (size % 8) put(Buffer.alloc(1));

  const shdr = (
    name: number,
    type: number,
    off: number,
    len: number,
    link: number,
    entsize: number,
    info = 0,
  ) =>
    Buffer.concat([
      int(name, 4),
      int(type, 4),
      int(type === 1 ? 6 : 2, w), // flags: ALLOC (+EXEC for .text)
      int(off, w), // addr = offset, as if loaded at 0
      int(off, w),
      int(len, w),
      int(link, 4),
      int(info, 4),
      int(type === 3 ? 1 : w, w),
      int(entsize, w),
    ]);
  const shoff = put(
    Buffer.concat([
      Buffer.alloc(shentsize),
      shdr(sh.offs['.dynstr'] as number, 3, dynstrOff, dyn.bytes.length, 0, 0),
      shdr(
        sh.offs['.dynsym'] as number,
        11,
        dynsymOff,
        dynsymBytes.length,
        1,
        w === 8 ? 24 : 16,
        2,
      ),
      shdr(sh.offs['.dynamic'] as number, 6, dynamicOff, dynamicBytes.length, 1, 2 * w),
      shdr(sh.offs['.shstrtab'] as number, 3, shstrOff, sh.bytes.length, 0, 0),
      shdr(sh.offs['.text'] as number, 1, textOff, text.length, 0, 0),
    ]),
  );
  const header = Buffer.concat([
    Buffer.from([0x7f, 0x45, 0x4c, 0x46, wide ? 2 : 1, le ? 1 : 2, 1, 0]),
    Buffer.alloc(8),
    int(o.type ?? 3, 2),
    int(o.machine, 2),
    int(1, 4),
    int(0, w), // e_entry
    int(0, w), // e_phoff: no program headers
    int(shoff, w),
    int(0, 4),
    int(ehsize, 2),
    int(wide ? 56 : 32, 2),
    int(0, 2),
    int(shentsize, 2),
    int(6, 2),
    int(4, 2), // e_shstrndx
  ]);
  parts[0] = header;
  return Buffer.concat(parts);
}
