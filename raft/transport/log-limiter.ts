// Keeps a peer that fails the same way every 2 s (a member with the wrong secret, a peer that
// is down) from flooding the operator log: one line per key per window, with a repeat count.
import { logRepeatKeysMax, logRepeatWindowMs } from './limits.ts';

export class LogLimiter {
  #seen = new Map<string, { loggedAtMs: number; repeats: number }>();

  constructor(
    readonly write: (line: string) => void,
    readonly nowMs: () => number = () => performance.now(),
  ) {}

  /** Writes `line` unless a line with the same `key` was written within the window. */
  log(key: string, line: string): void {
    const now = this.nowMs();
    const seen = this.#seen.get(key);
    if (seen !== undefined && now - seen.loggedAtMs < logRepeatWindowMs) {
      seen.repeats++;
      return;
    }
    const repeats = seen?.repeats ?? 0;
    this.#seen.delete(key); // re-insert so that Map order is oldest-logged first
    if (this.#seen.size >= logRepeatKeysMax) this.#seen.delete(this.#seen.keys().next().value!);
    this.#seen.set(key, { loggedAtMs: now, repeats: 0 });
    this.write(repeats > 0 ? `${line} (and ${repeats} times more since it was last logged)` : line);
  }

  /** Forgets `key`, so that its next line is written at once (e.g. after a recovery). */
  forget(key: string): void {
    this.#seen.delete(key);
  }
}
