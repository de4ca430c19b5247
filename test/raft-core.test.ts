// Behaviours of the core that its users rely on, one test each, each tied to the rule it checks.
import t from 'tap';
import { MemCluster, bytes, text } from './support/mem-cluster.ts';

const committedTexts = (c: MemCluster, id: number): string[] =>
  c.applied.get(id)!.filter((e) => e.data.length > 0).map((e) => text(e.data));

t.test('the leader counts itself toward the quorum only after its own sync', async (t) => {
  const c = new MemCluster([1, 2, 3]);
  c.elect(1);
  c.cut.add('1->3'); // only member 2 hears the leader
  c.stalled.add(2); // and member 2's disk is slow: it acknowledges nothing
  c.node(1).propose(bytes('x'));
  c.stabilize();
  t.equal(c.node(1).status().commit, 2, 'the leader alone on disk is not a quorum of 3: the no-op only');
  c.stalled.delete(2);
  c.stabilize();
  t.equal(c.node(1).status().commit, 3, 'leader + member 2 synced: committed');
});

t.test('a leader with a slow disk commits on its followers alone (thesis 10.2.1)', async (t) => {
  const c = new MemCluster([1, 2, 3]);
  c.elect(1);
  const leader = c.node(1);
  leader.propose(bytes('x'));
  const rd = leader.ready(); // the leader's write is "in flight": not advanced yet
  t.equal(rd.leaderMessages.filter((m) => m.type === 'append').length, 2, 'appends go out in parallel with the write');
  c.queue.push(...rd.leaderMessages);
  c.deliver();
  c.processReady(); // followers sync and acknowledge
  c.deliver();
  t.equal(leader.status().commit, 3, 'two followers synced: a quorum without the leader');
  leader.advance(rd);
});

t.test('committed entries already on disk are handed out while a Ready is written: once, in order, never past the write or a membership change', async (t) => {
  const c = new MemCluster([1, 2, 3]);
  c.elect(1);
  const leader = c.node(1);
  const texts = (entries: { kind: string; data: Uint8Array }[]): string[] => entries.map((e) => (e.kind === 'conf' ? 'conf' : text(e.data)));
  leader.propose(bytes('a'));
  const rd1 = leader.ready();
  c.queue.push(...rd1.leaderMessages);
  leader.advance(rd1); // 'a' is on the leader's disk
  t.same(leader.takeCommittedStable(), [], 'nothing committed yet');
  leader.propose(bytes('b'));
  const rd2 = leader.ready(); // 'b' is being written
  c.queue.push(...rd2.leaderMessages);
  c.deliver();
  c.processReady(); // the followers sync 'a' and 'b'
  c.deliver();
  t.equal(leader.status().commit, rd2.entries[0].index, "the followers' acknowledgements commit 'a' and 'b'");
  t.same(texts(leader.takeCommittedStable()), ['a'], "'a' is handed out during the write; 'b' is not on this disk yet");
  t.same(leader.takeCommittedStable(), [], 'each entry once');
  t.same(texts(rd2.committedEntries), [], 'the outstanding Ready had nothing committed');
  leader.advance(rd2);
  const rd3 = leader.ready();
  t.same(texts(rd3.committedEntries), ['b'], "the next Ready brings 'b', not 'a' again");
  leader.advance(rd3);
  leader.proposeConfChange({ type: 'add-learner', node: 4 });
  leader.propose(bytes('c'));
  c.stabilize();
  t.ok(c.applied.get(1)!.some((e) => e.kind === 'conf'), 'the membership change went through a Ready');
  t.same(texts(c.applied.get(1)!.slice(-2)), ['conf', 'c'], 'in log order');
  t.same(leader.status().conf.learners, [4]);
});

t.test('a Ready hands out at most readyEntriesBytesMax of new entries; what it leaves is neither acknowledged, applied nor named committed until written', async (t) => {
  const c = new MemCluster([1, 2, 3], { readyEntriesBytesMax: 2 });
  c.elect(1);
  const leader = c.node(1);
  const commitBefore = leader.status().commit;
  for (const v of ['a', 'b', 'c', 'd', 'e']) leader.propose(bytes(v));
  const rd = leader.ready();
  t.same(rd.entries.map((e) => text(e.data)), ['a', 'b'], 'the leader writes two bytes of entries first');
  t.same(rd.leaderMessages.filter((m) => m.type === 'append').map((m) => m.entries.length), [5, 5], 'but replicates all of them at once');
  c.queue.push(...rd.leaderMessages);
  c.deliver();
  const follower = c.node(2);
  const frd = follower.ready();
  t.same(frd.entries.map((e) => text(e.data)), ['a', 'b'], 'a follower writes the first two as well');
  t.same(frd.messages.filter((m) => m.type === 'append-resp'), [], 'and acknowledges nothing it has not written');
  follower.advance(frd);
  const acks: number[] = [];
  for (let i = 0; i < 3 && follower.hasReady(); i++) {
    const next = follower.ready();
    acks.push(...next.messages.filter((m) => m.type === 'append-resp').map((m) => m.index));
    t.ok(next.hardState === null || next.hardState.commit <= next.entries[next.entries.length - 1].index, 'the commit index it stores names only written entries');
    follower.advance(next);
  }
  t.same(acks, [leader.status().lastIndex], 'the acknowledgement goes once every entry it names is written');
  leader.advance(rd);
  t.equal(leader.status().commit, commitBefore, 'the leader alone is no quorum, and no follower acknowledged yet');
  c.stabilize();
  t.same(committedTexts(c, 3), ['a', 'b', 'c', 'd', 'e'], 'everything commits and applies in the end');
});

t.test("a follower's heartbeat answers can go while its write is in flight, but only in a term already on disk", async (t) => {
  const c = new MemCluster([1, 2, 3]);
  c.elect(1);
  const leader = c.node(1);
  const follower = c.node(2);
  const term = leader.status().term;
  leader.propose(bytes('x'));
  const lrd = leader.ready();
  c.queue.push(...lrd.leaderMessages);
  c.deliver();
  const open = follower.ready(); // the follower's write of 'x' is in flight
  leader.tick(); // a heartbeat round
  c.queue.push(...leader.takeLeaderMessages());
  c.deliver();
  const answers = follower.takeHeartbeatResponses();
  t.same(answers.map((m) => [m.type, m.to, m.term]), [['heartbeat-resp', 1, term]], 'answered at once: its term is on disk');
  t.same(follower.takeHeartbeatResponses(), [], 'and only once');
  follower.advance(open);
  leader.advance(lrd);

  // A heartbeat of a later term moves member 3 to that term, which is not on disk yet: its
  // answer waits for the Ready that writes the term.
  const third = c.node(3);
  const heartbeat = { ...answers[0], type: 'heartbeat' as const, from: 2, to: 3, term: term + 1, readSeq: 0 };
  third.step(heartbeat);
  t.same(third.takeHeartbeatResponses(), [], 'no answer in a term not yet on disk');
  const rd = third.ready();
  t.equal(rd.hardState?.term, term + 1, 'the Ready writes the new term');
  t.ok(rd.messages.some((m) => m.type === 'heartbeat-resp' && m.term === term + 1), 'and the answer goes with it, after the write');
});

t.test('a membership change is never handed out between Readies', async (t) => {
  const c = new MemCluster([1, 2, 3]);
  c.elect(1);
  const leader = c.node(1);
  leader.proposeConfChange({ type: 'add-learner', node: 4 });
  leader.propose(bytes('c'));
  const rd1 = leader.ready();
  c.queue.push(...rd1.leaderMessages);
  leader.advance(rd1); // both on the leader's disk
  leader.propose(bytes('d'));
  const rd2 = leader.ready();
  c.queue.push(...rd2.leaderMessages);
  c.deliver();
  c.processReady();
  c.deliver();
  t.ok(leader.status().commit >= rd1.entries[1].index, 'the change and the entry after it are committed');
  t.same(leader.takeCommittedStable(), [], 'the change comes first, so nothing is handed out');
  leader.advance(rd2);
  const rd3 = leader.ready();
  t.same(rd3.committedEntries.map((e) => e.kind), ['conf', 'normal', 'normal']);
  leader.advance(rd3);
  t.same(leader.status().conf.learners, [4], 'applied through the Ready');
});

t.test('a new commit index alone goes only to followers with nothing in flight; the others learn it when their answer comes back', async (t) => {
  const c = new MemCluster([1, 2, 3]);
  c.elect(1);
  const leader = c.node(1);
  leader.propose(bytes('a'));
  c.processReady(); // the leader writes 'a' and sends it to 2 and 3
  c.deliver();
  c.processReady(); // 2 and 3 write it and answer
  const index = leader.status().lastIndex;
  c.deliver((m) => m.from === 2); // only 2's answer arrives: 'a' commits; 3's is still on its way
  t.equal(leader.status().commit, index, "'a' is committed by the leader and 2");
  c.processReady();
  const toFollowers = (to: number) => c.queue.filter((m) => m.from === 1 && m.to === to && m.type === 'append');
  t.same(toFollowers(2).map((m) => [m.entries.length, m.commit]), [[0, index]], '2 has nothing in flight: it is told the commit index at once');
  t.same(toFollowers(3), [], "3 still owes the leader its answer: no append that carries only the commit index");
  c.queue = c.queue.filter((m) => !(m.from === 1 && m.to === 2));
  c.deliver((m) => m.from === 3); // 3's answer comes back
  c.processReady();
  t.same(toFollowers(3).map((m) => [m.entries.length, m.commit]), [[0, index]], '3 learns the commit index with its answer back, not at the next heartbeat');
  c.stabilize();
  t.equal(c.node(3).status().commit, index);
});

t.test('the membership at an index behind a handed-out membership change is unknown until the application catches up', async (t) => {
  const c = new MemCluster([1, 2, 3]);
  c.elect(1);
  const leader = c.node(1);
  leader.propose(bytes('x'));
  c.stabilize();
  const x = leader.status().lastIndex;
  t.same(leader.confStateAt(x), { voters: [1, 2, 3], learners: [] }, 'nothing changed after x');
  leader.proposeConfChange({ type: 'add-learner', node: 4 });
  c.stabilize(); // the change is committed and handed out: the core's membership has it
  const change = leader.status().lastIndex;
  t.same(leader.status().conf.learners, [4]);
  t.equal(leader.confStateAt(x), null, 'an image at x taken now may not have the change applied: not the current membership');
  t.same(leader.confStateAt(change), { voters: [1, 2, 3], learners: [4] }, 'at the change itself it is the current one');
});

t.test('a follower refuses proposals with KEEL_NOT_LEADER and names the leader', async (t) => {
  const c = new MemCluster([1, 2, 3]);
  c.elect(2);
  t.throws(() => c.node(1).propose(bytes('x')), { code: 'KEEL_NOT_LEADER', leaderHint: 2 });
});

t.test('proposals are refused while a leadership transfer is in flight, then the target leads', async (t) => {
  const c = new MemCluster([1, 2, 3]);
  c.elect(1);
  c.stalled.add(3); // 3 cannot catch up yet
  c.node(1).propose(bytes('a'));
  c.stabilize();
  c.node(1).transferLeadership(3);
  t.throws(() => c.node(1).propose(bytes('b')), { code: 'KEEL_TRANSFER_IN_PROGRESS', transferee: 3 });
  c.stalled.delete(3);
  c.stabilize();
  t.equal(c.leader(), 3, 'the target caught up, got TimeoutNow and won');
  t.equal(c.node(1).status().role, 'follower');
});

t.test('a transfer that cannot finish is abandoned after an election timeout', async (t) => {
  const c = new MemCluster([1, 2, 3]);
  c.elect(1);
  c.isolate(3);
  c.node(1).transferLeadership(3);
  t.throws(() => c.node(1).propose(bytes('b')), { code: 'KEEL_TRANSFER_IN_PROGRESS' });
  for (let i = 0; i < 10; i++) {
    c.tick([1, 2]);
    c.stabilize();
  }
  t.equal(c.leader(), 1);
  t.doesNotThrow(() => c.node(1).propose(bytes('b')), 'proposals are accepted again');
});

t.test('a new leader answers no ReadIndex before it commits an entry of its term', async (t) => {
  const c = new MemCluster([1, 2, 3]);
  c.node(1).campaign();
  // run the election but hold back every append, so the no-op cannot commit
  for (let i = 0; i < 10; i++) {
    c.processReady();
    c.deliver((m) => m.type !== 'append');
  }
  t.equal(c.leader(), 1);
  c.node(1).readIndex('early');
  for (let i = 0; i < 5; i++) {
    c.processReady();
    c.deliver((m) => m.type !== 'append');
  }
  t.same(c.readStates.get(1), [], 'the read waits');
  c.stabilize();
  t.same(c.readStates.get(1), [{ index: 2, context: 'early' }], 'served at the no-op once it committed');
});

t.test('ReadIndex needs a quorum heartbeat round; a partitioned leader serves nothing', async (t) => {
  const c = new MemCluster([1, 2, 3]);
  c.elect(1);
  c.node(1).propose(bytes('x'));
  c.stabilize();
  c.isolate(1);
  c.node(1).readIndex('r1');
  c.stabilize();
  t.same(c.readStates.get(1), [], 'no quorum, no read');
  c.heal();
  c.node(1).readIndex('r2');
  c.stabilize();
  t.same(c.readStates.get(1), [{ index: 3, context: 'r1' }, { index: 3, context: 'r2' }], 'the round of the later read confirms both, in order');
});

t.test('a follower read goes through the leader and comes back as a ReadState', async (t) => {
  const c = new MemCluster([1, 2, 3]);
  c.elect(1);
  c.node(1).propose(bytes('x'));
  c.stabilize();
  c.node(3).readIndex('f');
  c.stabilize();
  t.same(c.readStates.get(3), [{ index: 3, context: 'f' }]);
});

t.test('a follower with no known leader refuses a read with KEEL_NO_LEADER', async (t) => {
  const c = new MemCluster([1, 2, 3]);
  t.throws(() => c.node(2).readIndex('x'), { code: 'KEEL_NO_LEADER' });
});

t.test('lease reads: served without a round while the lease holds, never after it ran out', async (t) => {
  const c = new MemCluster([1, 2, 3], { leaseReads: true });
  c.elect(1);
  c.tick();
  c.stabilize(); // a heartbeat round acknowledged by a quorum
  c.node(1).readIndex('lease');
  c.processReady();
  t.same(c.readStates.get(1), [{ index: 2, context: 'lease' }], 'answered in the same Ready, no round trip');
  c.isolate(1);
  for (let i = 0; i < 9; i++) {
    c.tick([1]);
    c.stabilize();
  }
  c.node(1).readIndex('stale');
  c.stabilize();
  t.equal(c.readStates.get(1)!.length, 1, 'the lease ran out: the read waits for a round that cannot complete');
});

t.test('lease reads require CheckQuorum', async (t) => {
  t.throws(() => new MemCluster([1], { leaseReads: true, checkQuorum: false }), { name: 'AssertionError' });
});

t.test('CheckQuorum: a leader that hears from no quorum steps down after an election timeout', async (t) => {
  const c = new MemCluster([1, 2, 3]);
  c.elect(1);
  c.isolate(1);
  for (let i = 0; i < 20 && c.node(1).status().role === 'leader'; i++) c.tick([1]);
  t.equal(c.node(1).status().role, 'follower');
});

t.test('PreVote: an isolated member does not inflate its term', async (t) => {
  const c = new MemCluster([1, 2, 3]);
  c.elect(1);
  c.isolate(3);
  for (let i = 0; i < 100; i++) {
    c.tick([3]);
    c.stabilize();
  }
  t.equal(c.node(3).status().term, 1, 'pre-votes fail without bumping the term');
  c.heal();
  c.tickUntil(() => c.node(3).status().leader === 1);
  t.equal(c.leader(), 1, 'the rejoining member did not depose the leader');
  t.equal(c.node(1).status().term, 1);
});

t.test('without PreVote a rejoining member bumps terms and forces an election', async (t) => {
  const c = new MemCluster([1, 2, 3], { preVote: false, checkQuorum: false });
  c.elect(1);
  c.isolate(3);
  for (let i = 0; i < 100; i++) c.tick([3]);
  t.ok(c.node(3).status().term > 1, 'the isolated member campaigned in new terms');
});

t.test('a leader refuses proposals beyond the uncommitted bytes bound', async (t) => {
  const c = new MemCluster([1, 2, 3]);
  c.elect(1);
  c.isolate(1);
  const chunk = new Uint8Array(1 << 20);
  let refused: unknown = null;
  for (let i = 0; i < 100 && refused === null; i++) {
    try {
      c.node(1).propose(chunk);
    } catch (err) {
      refused = err;
    }
  }
  t.match(refused, { code: 'KEEL_PROPOSAL_QUEUE_FULL' });
});

t.test('a lagging follower gets a snapshot, and a lost snapshot is sent again', async (t) => {
  const c = new MemCluster([1, 2, 3]);
  c.elect(1);
  c.isolate(3);
  for (let i = 0; i < 20; i++) c.node(1).propose(bytes(`v${i}`));
  c.stabilize();
  const leader = c.node(1);
  const applied = leader.status().applied;
  leader.createSnapshot(applied, bytes('image'));
  leader.compact(applied);
  c.heal();
  c.cut.add('1->3');
  c.tick([1]);
  c.stabilize();
  c.heal();
  let snapshots = 0;
  c.tickUntil(() => {
    snapshots += c.queue.filter((m) => m.type === 'snapshot').length;
    return c.node(3).status().commit >= applied;
  });
  t.equal(c.disks.get(3)!.snapshot?.index, applied, 'member 3 installed the snapshot');
  t.equal(c.node(3).status().applied, applied);
  c.node(1).propose(bytes('after'));
  c.stabilize();
  t.same(committedTexts(c, 3), ['after'], 'and then replicates normally');
});

t.test('membership: add a learner, promote it, remove the leader, which steps down', async (t) => {
  const c = new MemCluster([1, 2, 3]);
  c.elect(1);
  c.node(1).proposeConfChange({ type: 'add-learner', node: 4 });
  t.throws(() => c.node(1).proposeConfChange({ type: 'add-voter', node: 4 }), { code: 'KEEL_CONF_CHANGE_IN_PROGRESS' });
  c.stabilize();
  t.same(c.node(1).status().conf, { voters: [1, 2, 3], learners: [4] });
  t.throws(() => c.node(1).proposeConfChange({ type: 'add-learner', node: 4 }), { code: 'KEEL_INVALID_CONF_CHANGE' });
  c.node(1).proposeConfChange({ type: 'add-voter', node: 4 });
  c.stabilize();
  t.same(c.node(1).status().conf, { voters: [1, 2, 3, 4], learners: [] });
  c.node(1).proposeConfChange({ type: 'remove', node: 1 });
  c.stabilize();
  t.equal(c.node(1).status().role, 'follower', 'the removed leader stepped down');
  t.same(c.node(2).status().conf.voters, [2, 3, 4]);
  c.tickUntil(() => c.leader() !== 0 && c.leader() !== 1);
  t.not(c.leader(), 1);
});

t.test('the Ready protocol: one Ready at a time', async (t) => {
  const c = new MemCluster([1]);
  c.node(1).campaign();
  const rd = c.node(1).ready();
  t.equal(c.node(1).hasReady(), false, 'nothing new until advance');
  t.throws(() => c.node(1).ready(), { name: 'AssertionError' });
  c.node(1).advance(rd);
  t.equal(c.node(1).status().role, 'leader', 'a single voter elects itself');
});

t.test('a restart recovers term, vote, log and commit from what was persisted', async (t) => {
  const c = new MemCluster([1, 2, 3]);
  c.elect(1);
  for (const v of ['a', 'b']) c.node(1).propose(bytes(v));
  c.stabilize();
  const before = c.node(2).status();
  c.crash(2);
  c.start(2);
  const after = c.node(2).status();
  t.same([after.term, after.vote, after.lastIndex, after.applied], [before.term, before.vote, before.lastIndex, before.applied]);
});
