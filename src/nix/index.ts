/** Nix's formats: hashes, store paths, NARs, narinfos, listings, keys and signatures. */
export { decodeBase32, encodeBase32 } from './base32.ts';
export { canonicalContentAddress } from './content-address.ts';
export { NixFormatError } from './errors.ts';
export {
  formatHash,
  type Hash,
  type HashAlgo,
  type HashEncoding,
  hashBytes,
  hashEquals,
  parseHash,
} from './hash.ts';
export {
  checkKeyName,
  formatPublicKey,
  formatSecretKey,
  generateSecretKey,
  type PublicKey,
  parsePublicKey,
  parseSecretKey,
  publicKeyOf,
  type SecretKey,
} from './keys.ts';
export { dumpPath, narChunks } from './nar-dump.ts';
export {
  type NarListing,
  type NarListingDirectory,
  type NarListingNode,
  type NarListingRegular,
  type NarListingSymlink,
  serializeListing,
} from './nar-listing.ts';
export { createNarVerifier, type NarSummary, type NarVerifierOptions } from './nar-verify.ts';
export { COMPRESSIONS, type NarInfo } from './narinfo.ts';
export { parseNarInfo } from './narinfo-parse.ts';
export { serializeNarInfo } from './narinfo-serialize.ts';
export { fingerprintPath, parseSignature, signDetached, verifySignature } from './signature.ts';
export {
  DEFAULT_STORE_DIR,
  isValidHashPart,
  parseStorePath,
  parseStorePathBaseName,
  printStorePath,
  type StorePath,
  storePathNameProblem,
} from './store-path.ts';
