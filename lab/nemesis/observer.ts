// Watches the masters during a nemesis run: polls /v1/status of each every 100 ms, writes every
// change of role, leader or term (and every member that stops answering) to the event log, and
// keeps the latest answers so the runner can tell which member leads.
import { request } from 'undici';
import type { EventLog } from './events.ts';

export interface MemberView {
  role: string;
  leader: number;
  term: number;
  commitIndex: number;
  appliedIndex: number;
}

/** Time between two polls of one member, ms. */
export const statusPollMs = 100;
/** A poll with no answer after this long counts the member as unreachable, ms. */
const statusTimeoutMs = 1_000;

export class StatusObserver {
  readonly #urls: Map<number, string>;
  readonly #events: EventLog;
  readonly #latest = new Map<number, MemberView | null>();
  #stopped = false;
  #loops: Promise<void>[] = [];

  /** `urls`: each member's API URL by id. */
  constructor(urls: Map<number, string>, events: EventLog) {
    this.#urls = urls;
    this.#events = events;
  }

  start(): void {
    this.#loops = [...this.#urls].map(([id, url]) => this.#poll(id, url));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.#loops);
  }

  /** The member's last answer; null when its last poll got none (or before its first). */
  latest(id: number): MemberView | null {
    return this.#latest.get(id) ?? null;
  }

  /** The member that last said it leads, in the highest term any member answered with; null if none. */
  leader(): number | null {
    let best: { id: number; term: number } | null = null;
    for (const [id, view] of this.#latest) {
      if (view === null || view.role !== 'leader') continue;
      if (best === null || view.term > best.term) best = { id, term: view.term };
    }
    return best?.id ?? null;
  }

  async #poll(id: number, url: string): Promise<void> {
    while (!this.#stopped) {
      const started = performance.now();
      const view = await fetchView(url);
      this.#record(id, view);
      const waitMs = statusPollMs - (performance.now() - started);
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }

  #record(id: number, view: MemberView | null): void {
    const last = this.#latest.get(id);
    this.#latest.set(id, view);
    if (view === null) {
      if (last !== null && last !== undefined) this.#events.append({ type: 'unreachable', member: id });
      return;
    }
    if (last !== null && last !== undefined && last.role === view.role && last.leader === view.leader && last.term === view.term) return;
    this.#events.append({ type: 'status', member: id, role: view.role, leader: view.leader, term: view.term });
  }
}

async function fetchView(url: string): Promise<MemberView | null> {
  try {
    const res = await request(`${url}/v1/status`, { headersTimeout: statusTimeoutMs, bodyTimeout: statusTimeoutMs });
    const status = (await res.body.json()) as MemberView;
    if (res.statusCode !== 200) return null;
    const { role, leader, term, commitIndex, appliedIndex } = status;
    return { role, leader, term, commitIndex, appliedIndex };
  } catch {
    return null;
  }
}
