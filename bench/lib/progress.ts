/**
 * One progress line while the benchmark runs: rewritten in place (`\r`) on a terminal, plain lines
 * (only when the step changes, plus a heartbeat every 10 s) otherwise, so CI logs stay readable.
 */
export class Progress {
  private readonly tty: boolean;
  private shown = '';
  private lastPlainAt = 0;
  private step = '';

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {
    this.tty = Boolean(out.isTTY) && process.env.TERM !== 'dumb';
  }

  /** A new step: always printed (its own line when not on a terminal). */
  begin(step: string): void {
    this.step = step;
    this.update('');
    if (!this.tty) this.plain(`${elapsed()} ${step}`);
  }

  /** Detail of the current step (ops so far, a trial's result): in place on a TTY, rate-limited otherwise. */
  update(detail: string): void {
    const text = `${elapsed()} ${this.step}${detail ? `  ${detail}` : ''}`;
    if (this.tty) {
      const cols = this.out.columns || 120;
      const line = text.length >= cols ? text.slice(0, cols - 1) : text;
      this.out.write(`\r${line}${' '.repeat(Math.max(0, this.shown.length - line.length))}`);
      this.shown = line;
    } else if (detail && Date.now() - this.lastPlainAt >= 10_000) {
      this.plain(text);
    }
  }

  /** A line that stays (a result, a warning): clears the progress line first on a TTY. */
  log(line: string): void {
    if (this.tty) {
      this.clear();
      this.out.write(`${line}\n`);
      if (this.step) this.update('');
    } else this.plain(line);
  }

  clear(): void {
    if (this.tty && this.shown) {
      this.out.write(`\r${' '.repeat(this.shown.length)}\r`);
      this.shown = '';
    }
  }

  done(): void {
    this.clear();
    this.step = '';
  }

  private plain(line: string): void {
    this.lastPlainAt = Date.now();
    this.out.write(`${line}\n`);
  }
}

const started = Date.now();
function elapsed(): string {
  const s = Math.floor((Date.now() - started) / 1000);
  return `[${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}]`;
}
