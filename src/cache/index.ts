export { acceptNarInfo } from './accept-narinfo.ts';
export { COMPRESSION_EXT, createDecompressor } from './compression.ts';
export { cacheNameProblem, createCache, type NewCache } from './create-cache.ts';
export { ingestNar, listingKey, narKey, narUrl, parseNarFileName } from './ingest-nar.ts';
export { signingKeyOf } from './keys.ts';
export { renderNarInfo } from './render-narinfo.ts';
