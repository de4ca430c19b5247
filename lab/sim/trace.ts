// The simulator's trace: one deterministic line per event, stamped with virtual time only.
// Lines are kept in memory when `keep` is on (the CLI prints them); counts are always kept so
// a soak run can skip the text and still report totals.

export class Trace {
  readonly lines: string[] = [];
  #keep: boolean;
  #count = 0;

  constructor(keep: boolean) {
    this.#keep = keep;
  }

  /** Adds one event at virtual time `timeMs`. */
  event(timeMs: number, text: string): void {
    this.#count += 1;
    if (this.#keep) this.lines.push(`${formatTime(timeMs)} ${text}`);
  }

  get count(): number {
    return this.#count;
  }
}

/** `t=0001234` (virtual milliseconds), fixed width so traces line up and diff cleanly. */
export function formatTime(timeMs: number): string {
  return `t=${String(timeMs).padStart(7, '0')}`;
}
