/**
 * The value of keeping a tier-2 root, the quantity eviction minimises first:
 *
 *   value = rebuildSeconds × use ÷ MiB freed
 *   use   = 1 + hits × 0.5^(days since last use ÷ 7)
 *
 * Rebuild time is what losing the root costs (recorded by `larder build` or
 * `push --build-seconds`; without a record, estimated at 30 s plus 1 s per 2 MiB of
 * compressed closure, since bigger closures usually took longer to build). Use is how
 * likely it is to be wanted again: downloads and liveness touches, halving in weight each
 * week without use. Dividing by the bytes eviction would really free ranks roots the way
 * size-aware caches (GreedyDual-Size) do: a cheap, unused, large root goes first; a
 * 90-minute PGO build that a consumer fetched yesterday stays.
 */
export function rootValue(opts: {
  buildSeconds: number | undefined;
  closureBytes: number;
  exclusiveBytes: number;
  hits: number;
  lastUse: number | undefined;
  now: number;
}): { value: number; rebuildSeconds: number; estimated: boolean } {
  const estimated = opts.buildSeconds === undefined;
  const rebuildSeconds = opts.buildSeconds ?? 30 + opts.closureBytes / (2 * 1024 * 1024);
  const days =
    opts.lastUse === undefined
      ? Number.POSITIVE_INFINITY
      : Math.max(0, opts.now - opts.lastUse) / 86_400_000;
  const use = 1 + opts.hits * 0.5 ** (days / 7);
  const mib = Math.max(opts.exclusiveBytes, 1) / (1024 * 1024);
  return { value: (rebuildSeconds * use) / mib, rebuildSeconds, estimated };
}
