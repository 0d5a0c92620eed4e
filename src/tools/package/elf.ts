import { machineName } from './elf-machines.ts';

/**
 * The parts of an ELF file that decide whether it can be packaged: its class, byte order,
 * type, machine and dynamic section. Field layouts are those of the System V gABI
 * (https://refspecs.linuxfoundation.org/elf/gabi4+/ch4.eheader.html) and glibc's elf.h.
 */
export interface ElfInfo {
  bits: 32 | 64;
  endian: 'little' | 'big';
  /** `e_type`: 2 ET_EXEC, 3 ET_DYN, … */
  type: number;
  /** What the file is to a user: a PIE is ET_DYN but an executable. */
  kind: 'shared' | 'executable' | 'relocatable' | 'core' | 'other';
  pie: boolean;
  machine: number;
  /** Nix-style CPU name (`x86_64`, `aarch64`, …), or `unknown-<e_machine>`. */
  machineName: string;
  /** PT_INTERP: set for dynamically linked executables. */
  interpreter: string | undefined;
  soname: string | undefined;
  needed: string[];
  /** Whether a `.dynsym` section exists (static executables have none). */
  hasDynamicSymbols: boolean;
  /** Section headers are what `.dynsym` is found by; `sstrip` removes them all. */
  hasSectionHeaders: boolean;
  /** Defined global or weak symbols of default or protected visibility in `.dynsym`. */
  exports: string[];
}

/** A file that is not ELF, or whose headers point outside it; the message names the part. */
export class ElfError extends Error {
  override name = 'ElfError';
}

const ET_REL = 1;
const ET_EXEC = 2;
const ET_DYN = 3;
const ET_CORE = 4;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const SHT_DYNSYM = 11;
const SHT_DYNAMIC = 6;
const DT_NULL = 0n;
const DT_NEEDED = 1n;
const DT_SONAME = 14n;
const DT_FLAGS_1 = 0x6ffffffbn;
const DF_1_PIE = 0x08000000n;
const STB_GLOBAL = 1;
const STB_WEAK = 2;
const STB_GNU_UNIQUE = 10;
const STT_SECTION = 3;
const STT_FILE = 4;
const STV_DEFAULT = 0;
const STV_PROTECTED = 3;
const SHN_UNDEF = 0;

/** Reads fixed-width integers of one class and byte order, refusing reads past the end. */
class Reader {
  readonly buf: Buffer;
  readonly le: boolean;
  readonly wide: boolean;
  constructor(buf: Buffer, le: boolean, wide: boolean) {
    this.buf = buf;
    this.le = le;
    this.wide = wide;
  }
  private need(off: number, n: number, what: string): void {
    if (off < 0 || off + n > this.buf.length)
      throw new ElfError(`truncated ELF file: ${what} at byte ${off} is past its end`);
  }
  u8(off: number, what: string): number {
    this.need(off, 1, what);
    return this.buf[off] as number;
  }
  u16(off: number, what: string): number {
    this.need(off, 2, what);
    return this.le ? this.buf.readUInt16LE(off) : this.buf.readUInt16BE(off);
  }
  u32(off: number, what: string): number {
    this.need(off, 4, what);
    return this.le ? this.buf.readUInt32LE(off) : this.buf.readUInt32BE(off);
  }
  u64(off: number, what: string): bigint {
    this.need(off, 8, what);
    return this.le ? this.buf.readBigUInt64LE(off) : this.buf.readBigUInt64BE(off);
  }
  /** A word of the file's class (Elf32_Addr/Off or Elf64_Addr/Off). */
  word(off: number, what: string): bigint {
    return this.wide ? this.u64(off, what) : BigInt(this.u32(off, what));
  }
  /** A word used as a file offset or size; reads through it are bounds-checked later. */
  offset(off: number, what: string): number {
    return Number(this.word(off, what));
  }
  cstring(off: number, what: string): string {
    this.need(off, 1, what);
    const end = this.buf.indexOf(0, off);
    if (end < 0) throw new ElfError(`${what} at byte ${off} is not NUL-terminated`);
    return this.buf.toString('utf8', off, end);
  }
}

interface Section {
  type: number;
  offset: number;
  size: number;
  link: number;
  entsize: number;
}

/** Parses ELF headers, the dynamic section and `.dynsym` from the whole file's bytes. */
export function parseElf(buf: Buffer): ElfInfo {
  if (buf.length < 16 || buf.readUInt32BE(0) !== 0x7f454c46) {
    const head = [...buf.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new ElfError(`not an ELF file (it starts with ${head || 'nothing'}, not 7f 45 4c 46)`);
  }
  const cls = buf[4];
  const data = buf[5];
  if (cls !== 1 && cls !== 2) throw new ElfError(`unknown ELF class ${cls} (EI_CLASS)`);
  if (data !== 1 && data !== 2) throw new ElfError(`unknown ELF byte order ${data} (EI_DATA)`);
  const wide = cls === 2;
  const r = new Reader(buf, data === 1, wide);
  const type = r.u16(16, 'e_type');
  const machine = r.u16(18, 'e_machine');
  // Offsets of the header fields after e_entry differ by class (gABI "ELF Header").
  const w = wide ? 8 : 4;
  const phoff = r.offset(24 + w, 'e_phoff');
  const shoff = r.offset(24 + 2 * w, 'e_shoff');
  const base = 24 + 3 * w + 4; // past e_flags
  const phentsize = r.u16(base + 2, 'e_phentsize');
  const phnum = r.u16(base + 4, 'e_phnum');
  const shentsize = r.u16(base + 6, 'e_shentsize');
  const shnum = r.u16(base + 8, 'e_shnum');

  let interpreter: string | undefined;
  let dynamicSegment: { offset: number; size: number } | undefined;
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    const ptype = r.u32(at, 'program header');
    // Elf64_Phdr puts p_flags before p_offset; Elf32_Phdr after p_memsz.
    const offset = r.offset(at + (wide ? 8 : 4), 'p_offset');
    const filesz = r.offset(at + (wide ? 32 : 16), 'p_filesz');
    if (ptype === PT_INTERP) interpreter = r.cstring(offset, 'PT_INTERP');
    if (ptype === PT_DYNAMIC) dynamicSegment = { offset, size: filesz };
  }

  const sections: Section[] = [];
  for (let i = 0; i < shnum; i++) {
    const at = shoff + i * shentsize;
    sections.push({
      type: r.u32(at + 4, 'sh_type'),
      offset: r.offset(at + 8 + 2 * w, 'sh_offset'),
      size: r.offset(at + 8 + 3 * w, 'sh_size'),
      link: r.u32(at + 8 + 4 * w, 'sh_link'),
      entsize: Number(r.word(at + 16 + 5 * w, 'sh_entsize')),
    });
  }

  // The dynamic section's sh_link names the string table its DT_SONAME/DT_NEEDED index.
  const dynSection = sections.find((s) => s.type === SHT_DYNAMIC);
  const dynamic = dynSection ?? dynamicSegment;
  const dynstr = dynSection ? sections[dynSection.link] : undefined;
  let soname: string | undefined;
  const needed: string[] = [];
  let flags1 = 0n;
  if (dynamic) {
    const entry = 2 * w;
    for (let at = dynamic.offset; at + entry <= dynamic.offset + dynamic.size; at += entry) {
      const tag = r.word(at, 'dynamic entry');
      const val = r.word(at + w, 'dynamic entry');
      if (tag === DT_NULL) break;
      if (tag === DT_FLAGS_1) flags1 = val;
      if (dynstr && (tag === DT_NEEDED || tag === DT_SONAME)) {
        const name = r.cstring(dynstr.offset + Number(val), 'dynamic string');
        if (tag === DT_SONAME) soname = name;
        else needed.push(name);
      }
    }
  }

  const dynsym = sections.find((s) => s.type === SHT_DYNSYM);
  const exports = dynsym ? exportedSymbols(r, dynsym, sections) : [];
  // DF_1_PIE is set by binutils/lld since 2018; older PIEs are known by their interpreter.
  const pie = type === ET_DYN && ((flags1 & DF_1_PIE) !== 0n || interpreter !== undefined);
  const kind =
    type === ET_EXEC || pie
      ? 'executable'
      : type === ET_DYN
        ? 'shared'
        : type === ET_REL
          ? 'relocatable'
          : type === ET_CORE
            ? 'core'
            : 'other';
  return {
    bits: wide ? 64 : 32,
    endian: data === 1 ? 'little' : 'big',
    type,
    kind,
    pie,
    machine,
    machineName: machineName(machine, wide ? 64 : 32, data === 1),
    interpreter,
    soname,
    needed,
    hasDynamicSymbols: dynsym !== undefined,
    hasSectionHeaders: sections.length > 0,
    exports,
  };
}

/** Names a dynamic linker can bind to from outside: defined, global or weak, not hidden. */
function exportedSymbols(r: Reader, dynsym: Section, sections: Section[]): string[] {
  const strtab = sections[dynsym.link];
  if (!strtab) throw new ElfError(`.dynsym links to section ${dynsym.link}, which does not exist`);
  // Elf32_Sym: name, value, size, info, other, shndx; Elf64_Sym: name, info, other, shndx, value, size.
  const size = dynsym.entsize || (r.wide ? 24 : 16);
  const out: string[] = [];
  for (let at = dynsym.offset; at + size <= dynsym.offset + dynsym.size; at += size) {
    const nameOff = r.u32(at, 'symbol');
    const info = r.u8(at + (r.wide ? 4 : 12), 'st_info');
    const other = r.u8(at + (r.wide ? 5 : 13), 'st_other');
    const shndx = r.u16(at + (r.wide ? 6 : 14), 'st_shndx');
    const bind = info >> 4;
    const type = info & 0xf;
    const vis = other & 0x3;
    if (shndx === SHN_UNDEF || type === STT_SECTION || type === STT_FILE) continue;
    if (bind !== STB_GLOBAL && bind !== STB_WEAK && bind !== STB_GNU_UNIQUE) continue;
    if (vis !== STV_DEFAULT && vis !== STV_PROTECTED) continue;
    const name = r.cstring(strtab.offset + nameOff, 'symbol name');
    if (name) out.push(name);
  }
  return [...new Set(out)].sort();
}
