// Pairing invoke and completion lines, as Jepsen logs them: one operation outstanding per
// process, a completion closes that process's latest invoke, and an operation still open at the
// end of the file is indeterminate, like one completed with `:info`.
import { HistoryError } from '../errors.ts';
import type { Operation } from '../history.ts';

interface Open<I> {
  input: I;
  f: string;
  call: number;
  line: number;
}

export class Pairing<I, O> {
  readonly #open = new Map<string, Open<I>>();
  readonly operations: Operation<I, O>[] = [];
  /** Completions that say the operation did not happen (or observed nothing), left out of the history. */
  dropped = 0;

  invoke(process: string, f: string, input: I, time: number, line: number): void {
    const open = this.#open.get(process);
    if (open !== undefined) throw new HistoryError(`process ${process} invokes ${f} while its ${open.f} from line ${open.line} is still open`, line);
    this.#open.set(process, { input, f, call: time, line });
  }

  /** Closes the process's open operation: `output` undefined for `:info`, `'drop'` to leave it out. */
  complete(process: string, f: string, time: number, line: number, outcome: { output: O } | 'info' | 'drop'): void {
    const open = this.#open.get(process);
    if (open === undefined) throw new HistoryError(`process ${process} completes ${f} but has no open operation`, line);
    if (open.f !== f) throw new HistoryError(`process ${process} completes ${f} but its open operation is ${open.f} (line ${open.line})`, line);
    this.#open.delete(process);
    if (outcome === 'drop') {
      this.dropped++;
      return;
    }
    const known = outcome !== 'info';
    this.operations.push({ process: numberOr(process), call: open.call, return: known ? time : Infinity, input: open.input, output: known ? outcome.output : undefined, line: open.line });
  }

  /** The history, with every operation still open made indeterminate. */
  finish(): Operation<I, O>[] {
    for (const [process, open] of this.#open) {
      this.operations.push({ process: numberOr(process), call: open.call, return: Infinity, input: open.input, output: undefined, line: open.line });
    }
    this.#open.clear();
    return this.operations;
  }
}

function numberOr(process: string): number | string {
  return /^\d+$/.test(process) ? Number(process) : process;
}
