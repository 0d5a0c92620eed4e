/** URL building blocks; every route pattern is anchored, so nothing else can match. */
export const CACHE = '(?<cache>[a-z0-9][a-z0-9_-]{0,62})';
/** A store path hash part: 32 nix-base32 characters (no e, o, u, t). */
export const HASH = '(?<hash>[0-9a-df-np-sv-z]{32})';
/** A store path base name, as log files are named after derivations. */
export const BASE_NAME = '(?<name>[0-9a-df-np-sv-z]{32}-[A-Za-z0-9+._?=-]{1,211})';

export const route = (s: string): RegExp => new RegExp(`^${s}$`);
