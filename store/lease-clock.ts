// The leader's lease timers. Only the leader decides that a lease expired, and it does so by
// proposing a `lease-expire` command: no member expires anything by its own clock. A new leader
// does not know when its predecessor last heard a keepalive, so it gives every live lease an
// extra election timeout before it may expire (it never expires a lease early).
import type { LeaseClock } from './api/context.ts';
import type { LeaseInfo } from './mvcc/types.ts';

/** How often the leader looks for expired leases, ms. */
export const leaseCheckIntervalMs = 250;
/** Leases expired in one command at most. */
export const leaseExpireBatchMax = 1000;

export interface LeaseClockOptions {
  /** The leases the state machine holds now. */
  leases: () => LeaseInfo[];
  isLeader: () => boolean;
  /** Proposes the expiry; resolves or rejects once applied (or refused). */
  expire: (ids: number[]) => Promise<unknown>;
  /** The longest election timeout, ms: what a new leader adds to every lease. */
  electionTimeoutMs: number;
  /** The clock, ms (injected for tests). Default Date.now... of this leader only. */
  now?: () => number;
}

export class LeaderLeaseClock implements LeaseClock {
  readonly #options: LeaseClockOptions;
  readonly #now: () => number;
  /** Lease id -> the time it expires, ms on this leader's clock. Empty unless leading. */
  #deadlines = new Map<number, number>();
  #granted = new Map<number, number>();
  #leading = false;
  #expiring = false;
  #timer: NodeJS.Timeout | null = null;

  constructor(options: LeaseClockOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  start(): void {
    this.#timer = setInterval(() => void this.check(), leaseCheckIntervalMs);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Brings the timers in line with the state machine and expires what ran out. */
  async check(): Promise<void> {
    if (!this.#options.isLeader()) {
      this.#leading = false;
      this.#deadlines.clear();
      return;
    }
    const becameLeader = !this.#leading;
    this.#leading = true;
    this.#sync(becameLeader);
    if (this.#expiring) return;
    const now = this.#now();
    const expired = [...this.#deadlines].filter(([, deadline]) => deadline <= now).map(([id]) => id).slice(0, leaseExpireBatchMax);
    if (expired.length === 0) return;
    this.#expiring = true;
    try {
      await this.#options.expire(expired);
    } catch (error) {
      // Not leader any more, or the proposal timed out (a coded operating error): the next check
      // tries again. Anything else is a bug and surfaces.
      if (typeof (error as { code?: unknown }).code !== 'string') throw error;
    } finally {
      this.#expiring = false;
    }
  }

  /** Tracks new leases (from now, plus an election timeout for those a predecessor granted), drops gone ones. */
  #sync(becameLeader: boolean): void {
    const now = this.#now();
    const live = new Set<number>();
    for (const lease of this.#options.leases()) {
      live.add(lease.id);
      this.#granted.set(lease.id, lease.grantedTtl);
      if (this.#deadlines.has(lease.id)) continue;
      const grace = becameLeader ? this.#options.electionTimeoutMs : 0;
      this.#deadlines.set(lease.id, now + lease.grantedTtl * 1000 + grace);
    }
    for (const id of this.#deadlines.keys()) if (!live.has(id)) this.#deadlines.delete(id);
    for (const id of this.#granted.keys()) if (!live.has(id)) this.#granted.delete(id);
  }

  keepAlive(id: number): number | null {
    if (!this.#options.isLeader()) return null;
    this.#sync(!this.#leading);
    this.#leading = true;
    const ttl = this.#granted.get(id);
    if (ttl === undefined) return null;
    this.#deadlines.set(id, this.#now() + ttl * 1000);
    return ttl;
  }

  remaining(id: number): number | null {
    if (!this.#options.isLeader()) return null;
    this.#sync(!this.#leading);
    this.#leading = true;
    const deadline = this.#deadlines.get(id);
    if (deadline === undefined) return null;
    return Math.max(0, Math.ceil((deadline - this.#now()) / 1000));
  }
}
