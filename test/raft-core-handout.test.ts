// takeCommittedStable under random interleavings: members hold a Ready open (its write "in
// flight") while messages arrive, ticks pass, members crash and restart, and committed entries
// are handed out in between. Whatever the order, every member applies each index once, in
// order, only what its own disk holds, and the same entry as every other member.
import t from 'tap';
import fc from 'fast-check';
import { Prng, RawNode } from '../raft/core/index.ts';
import type { Entry, HardState, Message, Ready } from '../raft/core/index.ts';

interface Member {
  node: RawNode | null;
  disk: { hardState: HardState; entries: Entry[] };
  open: Ready | null;
  applied: Entry[];
}

const ids = [1, 2, 3];
const same = (a: Entry, b: Entry): boolean => a.index === b.index && a.term === b.term && Buffer.compare(a.data, b.data) === 0;

interface Counts {
  /** Readies that left new entries for the next one (readyEntriesBytesMax). */
  partial: number;
  /** Leader messages and heartbeat answers taken while a Ready was open. */
  early: number;
  applied: number;
  handedOut: number;
  handedOutOpen: number;
  crashes: number;
}

function run(seed: number, steps: number, counts: Counts, readyEntriesBytesMax?: number): string | null {
  const prng = new Prng(seed);
  const pick = (n: number): number => prng.nextU32() % n;
  const members = new Map<number, Member>();
  const boot = (id: number, m: Member): void => {
    const applied = m.applied.length === 0 ? 0 : m.applied[m.applied.length - 1].index;
    const initial = { hardState: { ...m.disk.hardState }, snapshot: null, entries: [...m.disk.entries], applied, conf: { voters: ids, learners: [] } };
    m.node = new RawNode({ id, prng: new Prng(seed * 31 + id), electionTicks: 5, readyEntriesBytesMax }, initial);
    m.open = null;
  };
  for (const id of ids) {
    const m: Member = { node: null, disk: { hardState: { term: 0, vote: 0, commit: 0 }, entries: [] }, open: null, applied: [] };
    members.set(id, m);
    boot(id, m);
  }
  let inFlight: Message[] = [];
  const committedAt = new Map<number, Entry>();

  const apply = (id: number, m: Member, entries: Entry[]): string | null => {
    for (const e of entries) {
      const last = m.applied.length === 0 ? 0 : m.applied[m.applied.length - 1].index;
      if (e.index !== last + 1) return `member ${id} applied ${e.index} after ${last}`;
      const onDisk = m.disk.entries.find((d) => d.index === e.index);
      if (onDisk === undefined || !same(onDisk, e)) return `member ${id} applied ${e.index}, which its disk does not hold`;
      const other = committedAt.get(e.index);
      if (other !== undefined && !same(other, e)) return `two entries applied at ${e.index}`;
      committedAt.set(e.index, e);
      m.applied.push(e);
      counts.applied++;
    }
    return null;
  };

  for (let step = 0; step < steps; step++) {
    const id = ids[pick(ids.length)];
    const m = members.get(id)!;
    const node = m.node;
    const action = pick(100);
    if (node === null) {
      if (action < 20) boot(id, m); // restart from disk
      continue;
    }
    if (action < 25) {
      // Open a Ready: the leader's appends leave now, the rest waits for the write.
      if (m.open === null && node.hasReady()) {
        const rd = node.ready();
        if (rd.entries.length > 0 && node.status().lastIndex > rd.entries[rd.entries.length - 1].index) counts.partial++;
        m.open = rd;
        inFlight.push(...rd.leaderMessages);
        // As the driver does: committed entries before the Ready's own are applied during its write.
        const firstUnstable = rd.entries.length > 0 ? rd.entries[0].index : Infinity;
        const error = apply(id, m, rd.committedEntries.filter((e) => e.index < firstUnstable));
        if (error) return error;
      }
    } else if (action < 45) {
      // The write of the open Ready ends: persist, send, apply what it commits, advance.
      const rd = m.open;
      if (rd === null) continue;
      if (rd.entries.length > 0) {
        const first = rd.entries[0].index;
        m.disk.entries = m.disk.entries.filter((e) => e.index < first).concat(rd.entries);
      }
      if (rd.hardState) m.disk.hardState = { ...rd.hardState };
      inFlight.push(...rd.messages);
      const firstUnstable = rd.entries.length > 0 ? rd.entries[0].index : Infinity;
      const error = apply(id, m, rd.committedEntries.filter((e) => e.index >= firstUnstable));
      if (error) return error;
      node.advance(rd);
      m.open = null;
    } else if (action < 75) {
      const i = pick(Math.max(1, inFlight.length));
      const msg = inFlight[i];
      if (msg === undefined) continue;
      inFlight.splice(i, 1);
      const to = members.get(msg.to)!;
      if (to.node !== null && pick(10) > 0) {
        to.node.step(msg); // one in ten is lost
        // A driver whose write is slow answers heartbeats meanwhile.
        if (to.open !== null && pick(2) === 0) {
          const answers = to.node.takeHeartbeatResponses();
          counts.early += answers.length;
          inFlight.push(...answers);
        }
      }
    } else if (action < 85) {
      // Committed entries handed out while a Ready is open (or not): applied at once.
      const taken = node.takeCommittedStable();
      counts.handedOut += taken.length;
      if (m.open !== null) counts.handedOutOpen += taken.length;
      const error = apply(id, m, taken);
      if (error) return error;
    } else if (action < 93) {
      if (node.status().role === 'leader') {
        try {
          node.propose(new TextEncoder().encode(`v${step}`));
        } catch {
          // refused (a transfer, too many bytes): fine
        }
      }
    } else if (action < 99) {
      node.tick();
      // A driver whose write is slow sends the leader's heartbeats (and appends) meanwhile.
      if (m.open !== null && pick(2) === 0) {
        const early = node.takeLeaderMessages();
        counts.early += early.length;
        inFlight.push(...early);
      }
    } else if (pick(5) === 0) {
      counts.crashes++;
      m.node = null; // crash: the open Ready's write is lost, applied entries stay applied
      m.open = null;
      inFlight = inFlight.filter((msg) => msg.to !== id && msg.from !== id);
    }
  }
  return null;
}

t.test('handing out committed entries between Ready and advance keeps State Machine Safety', async (t) => {
  const counts: Counts = { partial: 0, early: 0, applied: 0, handedOut: 0, handedOutOpen: 0, crashes: 0 };
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
      const error = run(seed, 3000, counts);
      if (error !== null) throw new Error(`seed ${seed}: ${error}`);
      return true;
    }),
    { numRuns: 300 },
  );
  t.comment(`applied ${counts.applied} entries, ${counts.handedOut} handed out (${counts.handedOutOpen} with a Ready open), ${counts.crashes} crashes`);
  t.ok(counts.handedOutOpen > 1000, 'the runs hand out many entries while a Ready is open');
  t.ok(counts.applied > 10 * counts.crashes, 'and commit far more than they crash');
});

t.test('a Ready that hands out only part of the new entries (readyEntriesBytesMax) keeps State Machine Safety too', async (t) => {
  const counts: Counts = { partial: 0, early: 0, applied: 0, handedOut: 0, handedOutOpen: 0, crashes: 0 };
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 12 }), (seed, bytesMax) => {
      const error = run(seed, 3000, counts, bytesMax);
      if (error !== null) throw new Error(`seed ${seed}, readyEntriesBytesMax ${bytesMax}: ${error}`);
      return true;
    }),
    { numRuns: 200 },
  );
  t.comment(`${counts.partial} Readies left entries for the next, ${counts.early} leader messages and heartbeat answers went out while a Ready was open; applied ${counts.applied} entries, ${counts.crashes} crashes`);
  t.ok(counts.partial > 1000, 'many Readies hand out part of the new entries');
  t.ok(counts.early > 1000, 'and many leader messages and heartbeat answers go out while a Ready is open');
  t.ok(counts.applied > 10 * counts.crashes, 'and the runs commit far more than they crash');
});
