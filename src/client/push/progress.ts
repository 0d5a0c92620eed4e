import { formatSize } from '../../util/units.ts';

/** A one-line progress display on a terminal (stderr); silent in pipes and with --json. */
export class Progress {
  total = 0;
  done = 0;
  bytes = 0;
  active = 0;
  private readonly enabled: boolean;
  private timer: NodeJS.Timeout | undefined;
  private readonly started = Date.now();

  constructor(enabled: boolean) {
    this.enabled = enabled;
    if (enabled) this.timer = setInterval(() => this.draw(), 200);
  }

  private draw(): void {
    const secs = (Date.now() - this.started) / 1000;
    const rate = secs > 0 ? this.bytes / secs : 0;
    const width = 24;
    const filled = this.total ? Math.round((this.done / this.total) * width) : 0;
    const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
    process.stderr.write(
      `\r\x1b[2K[${bar}] ${this.done}/${this.total} paths  ${formatSize(this.bytes)} sent  ${formatSize(rate)}/s  ${this.active} uploading`,
    );
  }

  /** A line above the bar (retries, warnings). */
  note(line: string): void {
    if (this.enabled) process.stderr.write(`\r\x1b[2K${line}\n`);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.enabled) process.stderr.write('\r\x1b[2K');
  }
}
