// The progress line of a long benchmark: on a terminal, one line kept up to date at the bottom
// (step, elapsed time, an estimate of the time left, what runs now), with finished results
// printed above it; elsewhere (a log file, CI) only the results, each with its step number.

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export class Progress {
  readonly #stream: NodeJS.WriteStream;
  readonly #tty: boolean;
  readonly #startMs = Date.now();
  readonly #steps: number;
  readonly #plannedSeconds: number;
  #step = 0;
  #doneSeconds = 0;
  #now = '';
  #timer: NodeJS.Timeout | null = null;

  /** `steps` and their planned duration in all, s: the estimate scales it by how the run is going. */
  constructor(steps: number, plannedSeconds: number, stream: NodeJS.WriteStream = process.stdout) {
    this.#stream = stream;
    this.#tty = stream.isTTY === true;
    this.#steps = steps;
    this.#plannedSeconds = plannedSeconds;
    if (this.#tty) {
      this.#timer = setInterval(() => this.#draw(), 1000);
      this.#timer.unref();
    }
  }

  get #elapsed(): number {
    return (Date.now() - this.#startMs) / 1000;
  }

  /** Where the run is: `[step/steps m:ss]`. */
  get tag(): string {
    return `[${this.#step}/${this.#steps} ${clock(this.#elapsed)}]`;
  }

  /** A new step starts: `what` is shown until the next one. */
  begin(what: string): void {
    this.#step = Math.min(this.#steps, this.#step + 1);
    this.#now = what;
    this.#draw();
  }

  /** The step took about `plannedSeconds` of the plan. */
  done(plannedSeconds: number): void {
    this.#doneSeconds += plannedSeconds;
  }

  /** A line above the progress line. */
  log(line: string): void {
    if (this.#tty) this.#stream.write('\r\x1b[2K');
    this.#stream.write(line + '\n');
    this.#draw();
  }

  end(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    if (this.#tty) this.#stream.write('\r\x1b[2K');
  }

  #draw(): void {
    if (!this.#tty) return;
    const elapsed = this.#elapsed;
    const pace = this.#doneSeconds > 0 ? elapsed / this.#doneSeconds : 1;
    const left = Math.max(0, (this.#plannedSeconds - this.#doneSeconds) * pace);
    const line = `${this.tag} about ${clock(left)} left: ${this.#now}`;
    const width = this.#stream.columns ?? 100;
    this.#stream.write('\r\x1b[2K' + (line.length > width - 1 ? line.slice(0, width - 2) + '…' : line));
  }
}
