import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { storePathNameProblem } from '../../nix/index.ts';
import { type ElfInfo, parseElf } from './elf.ts';
import { hostMachine, machineMatches } from './elf-machines.ts';
import { type AddedPath, addPackage } from './store-add.ts';

export const ELF_KINDS = ['shared', 'executable'] as const;
export type ElfKind = (typeof ELF_KINDS)[number];

export interface PackageOptions {
  file: string;
  name: string;
  version: string;
  /** Refuse anything but this kind; default: a shared object or an executable. */
  expectElf?: ElfKind | undefined;
  /** Names that must be exported through `.dynsym`. */
  expectSymbols?: string[];
  /** CPU the file must be built for (`x86_64`, `aarch64`, …; `any`); default: this machine's. */
  machine?: string | undefined;
  store?: string | undefined;
}

export interface PackageResult extends AddedPath {
  name: string;
  /** Where the artifact is inside the package: `lib/<file>` or `bin/<file>`. */
  installed: string;
  links: string[];
  elf: Omit<ElfInfo, 'exports' | 'type' | 'hasDynamicSymbols' | 'hasSectionHeaders'> & {
    exportedSymbols: number;
  };
  symbols: string[];
}

/** The artifact failed a check; nothing entered the store. */
export class PackageRefused extends Error {
  override name = 'PackageRefused';
}

const TYPE_NAMES: Record<number, string> = {
  1: 'ET_REL',
  2: 'ET_EXEC',
  3: 'ET_DYN',
  4: 'ET_CORE',
};

function describe(elf: ElfInfo): string {
  const what =
    elf.kind === 'shared'
      ? 'a shared object'
      : elf.kind === 'executable'
        ? elf.pie
          ? 'a position-independent executable'
          : 'an executable'
        : elf.kind === 'relocatable'
          ? 'an object file'
          : elf.kind === 'core'
            ? 'a core dump'
            : 'an ELF file of unknown type';
  return `${what} (${TYPE_NAMES[elf.type] ?? `e_type ${elf.type}`}${elf.pie ? ', PIE' : ''})`;
}

/** Every check `package` makes, in order; throws PackageRefused naming the first that fails. */
export function checkArtifact(file: string, bytes: Buffer, opts: PackageOptions): ElfInfo {
  let elf: ElfInfo;
  try {
    elf = parseElf(bytes);
  } catch (err) {
    throw new PackageRefused(`${file}: ${(err as Error).message}`);
  }
  if (opts.expectElf && elf.kind !== opts.expectElf)
    throw new PackageRefused(
      `${file} is ${describe(elf)}, not ${opts.expectElf === 'shared' ? 'a shared object' : 'an executable'} (--expect-elf ${opts.expectElf})`,
    );
  if (!opts.expectElf && elf.kind !== 'shared' && elf.kind !== 'executable')
    throw new PackageRefused(
      `${file} is ${describe(elf)}, neither a shared object nor an executable`,
    );
  const machine = opts.machine ?? hostMachine();
  if (machine !== 'any' && !machineMatches(machine, elf.machineName))
    throw new PackageRefused(
      `${file} is built for ${elf.machineName} (${elf.bits}-bit ${elf.endian}-endian, e_machine ${elf.machine}), not ${machine}${opts.machine ? '' : ' (this machine; --machine to change)'}`,
    );
  const wanted = opts.expectSymbols ?? [];
  if (wanted.length > 0) {
    if (!elf.hasSectionHeaders)
      throw new PackageRefused(
        `${file} has no section headers (sstrip?), so its exported symbols cannot be checked`,
      );
    if (!elf.hasDynamicSymbols)
      throw new PackageRefused(
        `${file} has no dynamic symbol table (.dynsym), so it exports none of: ${wanted.join(', ')}`,
      );
    const exported = new Set(elf.exports);
    const missing = wanted.filter((s) => !exported.has(s));
    if (missing.length > 0)
      throw new PackageRefused(
        `${file} does not export ${missing.length === 1 ? 'symbol' : 'symbols'} ${missing.join(', ')} (${elf.exports.length} exported in .dynsym)`,
      );
  }
  return elf;
}

/** Checks a prebuilt ELF artifact, then adds it to the store as `<name>-<version>`. */
export async function packageArtifact(opts: PackageOptions): Promise<PackageResult> {
  const name = `${opts.name}-${opts.version}`;
  const problem = storePathNameProblem(name);
  if (problem) throw new PackageRefused(`--name/--version: ${problem}`);
  let bytes: Buffer;
  try {
    bytes = await readFile(opts.file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new PackageRefused(`${opts.file}: cannot read (${e.code ?? e.message})`);
  }
  const elf = checkArtifact(opts.file, bytes, opts);
  const base = basename(opts.file);
  const installed = `${elf.kind === 'shared' ? 'lib' : 'bin'}/${base}`;
  // The dynamic linker looks a library up by its SONAME; give it that name too.
  const links =
    elf.kind === 'shared' && elf.soname && elf.soname !== base && !/^\.\.?$|\//.test(elf.soname)
      ? [elf.soname]
      : [];
  const added = await addPackage({ name, file: installed, bytes, links }, { store: opts.store });
  const {
    exports,
    type: _type,
    hasDynamicSymbols: _dynsym,
    hasSectionHeaders: _sections,
    ...summary
  } = elf;
  return {
    ...added,
    name,
    installed,
    links: links.map((l) => `lib/${l}`),
    elf: { ...summary, exportedSymbols: exports.length },
    symbols: opts.expectSymbols ?? [],
  };
}
