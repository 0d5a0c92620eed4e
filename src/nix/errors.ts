/**
 * A value that does not follow one of Nix's formats (hash, store path, NAR, narinfo, key).
 * `field` names the narinfo field (or other named part) that was wrong, so a server can
 * answer "NarHash: …" instead of a bare "corrupt". `message` carries the field as a prefix
 * so it reads well on its own; `reason` is the same text without it, for callers that
 * print the field themselves.
 */
export class NixFormatError extends Error {
  override name = 'NixFormatError';
  readonly field: string | undefined;
  readonly reason: string;

  constructor(reason: string, field?: string, options?: ErrorOptions) {
    super(field ? `${field}: ${reason}` : reason, options);
    this.field = field;
    this.reason = reason;
  }
}
