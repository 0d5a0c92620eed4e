/** An error meant for a person: one line, and the exit code the CLI should use. */
export class ClientError extends Error {
  override name = 'ClientError';
  readonly exitCode: number;
  readonly status: number | undefined;
  constructor(message: string, opts: { exitCode?: number; status?: number; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.exitCode = opts.exitCode ?? 1;
    this.status = opts.status;
  }
}
