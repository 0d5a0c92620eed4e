/**
 * `e_machine` values (glibc elf.h) of the CPUs Nix has system types for, named as the CPU
 * part of a Nix system (`x86_64-linux` → `x86_64`), so a user can pass what they know.
 */
const MACHINES: Record<number, (bits: 32 | 64, little: boolean) => string> = {
  2: () => 'sparc',
  3: () => 'i686',
  8: (bits, little) => `mips${bits === 64 ? '64' : ''}${little ? 'el' : ''}`,
  20: () => 'powerpc',
  21: (_, little) => `powerpc64${little ? 'le' : ''}`,
  22: (bits) => (bits === 64 ? 's390x' : 's390'),
  40: () => 'armv7l',
  43: () => 'sparc64',
  // EM_X86_64 with 32-bit class is the x32 ABI.
  62: (bits) => (bits === 64 ? 'x86_64' : 'x32'),
  183: () => 'aarch64',
  243: (bits) => `riscv${bits}`,
  258: () => 'loongarch64',
};

export function machineName(machine: number, bits: 32 | 64, little: boolean): string {
  return MACHINES[machine]?.(bits, little) ?? `unknown-${machine}`;
}

/** The CPU part of this machine's Nix system, from Node's `process.arch`. */
export function hostMachine(arch: string = process.arch): string {
  const names: Record<string, string> = {
    x64: 'x86_64',
    ia32: 'i686',
    arm64: 'aarch64',
    arm: 'armv7l',
    riscv64: 'riscv64',
    ppc64: 'powerpc64le',
    s390x: 's390x',
    loong64: 'loongarch64',
    mips: 'mips',
    mipsel: 'mipsel',
  };
  return names[arch] ?? arch;
}

/** Machine names that mean the same CPU family (Nix's armv6l/armv7l are both EM_ARM). */
export function machineMatches(expected: string, actual: string): boolean {
  if (expected === actual) return true;
  const arm = /^armv[5-7]l?$|^arm$/;
  const x86 = /^i[3-6]86$/;
  return (arm.test(expected) && arm.test(actual)) || (x86.test(expected) && x86.test(actual));
}
