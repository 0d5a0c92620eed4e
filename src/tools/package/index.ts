/** `larder package`: check a prebuilt ELF artifact, then add it to the store reproducibly. */
export { ElfError, type ElfInfo, parseElf } from './elf.ts';
export { hostMachine } from './elf-machines.ts';
export {
  checkArtifact,
  ELF_KINDS,
  type ElfKind,
  type PackageOptions,
  PackageRefused,
  type PackageResult,
  packageArtifact,
} from './package.ts';
export { fixedOutputPath } from './store-add.ts';
