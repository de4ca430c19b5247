// The fault-injecting proxy of a cluster: one ProxyLink (lab/nemesis/link.ts) per directed pair
// of members, and the partitions built from cuts of those links. Pure node:net, in the process
// that runs the lab; the masters dial it through their config's `dialAddresses`.
//
// A partition (isolate, split, bridge, one-way) sets the cut of every link: links it does not cut
// are healed. cut()/heal() of one link change that link alone. Latency and drop rate are set
// apart from cuts and survive partitions; healAll() clears all three.
import { assert } from '../../raft/core/index.ts';
import { ProxyLink, type LinkAddress, type LinkStats } from './link.ts';

export interface LinkSpec {
  from: number;
  to: number;
  /** Where the proxy listens: the address `from` dials for `to`. */
  listen: LinkAddress;
  /** `to`'s real peer address. */
  target: LinkAddress;
}

export interface ProxyOptions {
  /** Seeds every link's PRNG (its drop decisions), so a run draws the same ones. */
  seed: number;
  links: LinkSpec[];
}

export class PeerProxy {
  readonly #links = new Map<string, ProxyLink>();
  readonly members: number[];

  constructor(options: ProxyOptions) {
    const members = new Set<number>();
    for (const [i, spec] of options.links.entries()) {
      const key = linkKey(spec.from, spec.to);
      assert(!this.#links.has(key), `link ${key} is listed twice`);
      // Each link's stream depends on the seed and the link's place in the list only.
      this.#links.set(key, new ProxyLink(spec.from, spec.to, spec.listen, spec.target, (options.seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0));
      members.add(spec.from).add(spec.to);
    }
    this.members = [...members].sort((a, b) => a - b);
  }

  /** Starts every link's listener (again: nothing happens). */
  async start(): Promise<void> {
    await Promise.all([...this.#links.values()].map((link) => link.start()));
  }

  /** Closes every listener and resets every connection. */
  async stop(): Promise<void> {
    await Promise.all([...this.#links.values()].map((link) => link.stop()));
  }

  link(from: number, to: number): ProxyLink {
    const link = this.#links.get(linkKey(from, to));
    assert(link !== undefined, `no link ${linkKey(from, to)}`);
    return link;
  }

  links(): ProxyLink[] {
    return [...this.#links.values()];
  }

  /** Cuts `from`'s messages to `to` (one way: `to`'s messages to `from` still flow). */
  cut(from: number, to: number): void {
    this.link(from, to).cut();
  }

  heal(from: number, to: number): void {
    this.link(from, to).heal();
  }

  /**
   * Members in different groups cannot reach each other, either way; a member in no group
   * reaches everyone. Every other link is healed.
   */
  split(groups: number[][]): void {
    const groupOf = new Map<number, number>();
    for (const [g, group] of groups.entries()) {
      for (const id of group) {
        assert(this.members.includes(id), `member ${id} has no links`);
        assert(!groupOf.has(id), `member ${id} is in two groups`);
        groupOf.set(id, g);
      }
    }
    for (const link of this.#links.values()) {
      const a = groupOf.get(link.from);
      const b = groupOf.get(link.to);
      if (a !== undefined && b !== undefined && a !== b) link.cut();
      else link.heal();
    }
  }

  /** `id` and the others cannot reach each other (with three members: a minority/majority split). */
  isolate(id: number): void {
    this.split([[id], this.members.filter((m) => m !== id)]);
  }

  /**
   * The members other than `bridge` split into two halves that cannot reach each other; `bridge`
   * still reaches both (with three members: the other two cannot talk, each talks to `bridge`).
   */
  bridge(bridge: number): void {
    const others = this.members.filter((m) => m !== bridge);
    const half = Math.ceil(others.length / 2);
    this.split([others.slice(0, half), others.slice(half)]);
  }

  /** `id` cannot send (`out`) or cannot receive (`in`); the other way flows. Every other link is healed. */
  oneWay(id: number, direction: 'in' | 'out'): void {
    assert(this.members.includes(id), `member ${id} has no links`);
    for (const link of this.#links.values()) {
      const cut = direction === 'out' ? link.from === id : link.to === id;
      if (cut) link.cut();
      else link.heal();
    }
  }

  /** Lifts every cut; latency and drops stay. */
  healCuts(): void {
    for (const link of this.#links.values()) link.heal();
  }

  /** Delay on every link, ms, both ways of each connection. */
  setLatency(ms: number): void {
    for (const link of this.#links.values()) link.setLatency(ms);
  }

  /** Drop rate on every link (per chunk, see link.ts). */
  setDropRate(p: number): void {
    for (const link of this.#links.values()) link.setDropRate(p);
  }

  /** No cut, no latency, no drops. */
  healAll(): void {
    for (const link of this.#links.values()) {
      link.heal();
      link.setLatency(0);
      link.setDropRate(0);
    }
  }

  /** The links now cut, as "from->to". */
  cuts(): string[] {
    return [...this.#links.values()].filter((link) => link.isCut).map((link) => linkKey(link.from, link.to));
  }

  stats(): Record<string, LinkStats> {
    return Object.fromEntries([...this.#links.values()].map((link) => [linkKey(link.from, link.to), link.stats()]));
  }
}

function linkKey(from: number, to: number): string {
  return `${from}->${to}`;
}
