/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/raft-interaction.test.ts > TAP > check-quorum > trace 1`] = `
# CheckQuorum: a leader that has not heard from a quorum for an election timeout steps down,
# so a partitioned leader stops acting as one. Its uncommitted proposal is later replaced.
> add-nodes 3
  1: follower term=0 leader=0 commit=1 last=1 voters=1,2,3 learners=-
  2: follower term=0 leader=0 commit=1 last=1 voters=1,2,3 learners=-
  3: follower term=0 leader=0 commit=1 last=1 voters=1,2,3 learners=-
> campaign 1
  1 became pre-candidate at term 0
> stabilize
  > 1 handling Ready
    soft state: role=pre-candidate leader=0
    hard state: term=0 vote=0 commit=1
    entries: 0/1 conf bootstrap voters=1,2,3 learners=-
    committed: 0/1 conf bootstrap voters=1,2,3 learners=-
    must sync
    messages:
      1->2 pre-vote term=1 logTerm=0 index=1
      1->3 pre-vote term=1 logTerm=0 index=1
  > 2 handling Ready
    hard state: term=0 vote=0 commit=1
    entries: 0/1 conf bootstrap voters=1,2,3 learners=-
    committed: 0/1 conf bootstrap voters=1,2,3 learners=-
    must sync
  > 3 handling Ready
    hard state: term=0 vote=0 commit=1
    entries: 0/1 conf bootstrap voters=1,2,3 learners=-
    committed: 0/1 conf bootstrap voters=1,2,3 learners=-
    must sync
  > delivering messages to 2
    1->2 pre-vote term=1 logTerm=0 index=1
  > delivering messages to 3
    1->3 pre-vote term=1 logTerm=0 index=1
  > 2 handling Ready
    messages:
      2->1 pre-vote-resp term=1
  > 3 handling Ready
    messages:
      3->1 pre-vote-resp term=1
  > delivering messages to 1
    2->1 pre-vote-resp term=1
      1 became candidate at term 1
    3->1 pre-vote-resp term=1
  > 1 handling Ready
    soft state: role=candidate leader=0
    hard state: term=1 vote=1 commit=1
    must sync
    messages:
      1->2 vote term=1 logTerm=0 index=1
      1->3 vote term=1 logTerm=0 index=1
  > delivering messages to 2
    1->2 vote term=1 logTerm=0 index=1
      2 moved to term 1 as follower
  > delivering messages to 3
    1->3 vote term=1 logTerm=0 index=1
      3 moved to term 1 as follower
  > 2 handling Ready
    hard state: term=1 vote=1 commit=1
    must sync
    messages:
      2->1 vote-resp term=1
  > 3 handling Ready
    hard state: term=1 vote=1 commit=1
    must sync
    messages:
      3->1 vote-resp term=1
  > delivering messages to 1
    2->1 vote-resp term=1
      1 became leader at term 1
    3->1 vote-resp term=1
  > 1 handling Ready
    soft state: role=leader leader=1
    entries: 1/2 normal ""
    must sync
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
      1->3 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
  > delivering messages to 2
    1->2 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
  > delivering messages to 3
    1->3 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
  > 2 handling Ready
    soft state: role=follower leader=1
    entries: 1/2 normal ""
    must sync
    messages:
      2->1 append-resp term=1 index=2
  > 3 handling Ready
    soft state: role=follower leader=1
    entries: 1/2 normal ""
    must sync
    messages:
      3->1 append-resp term=1 index=2
  > delivering messages to 1
    2->1 append-resp term=1 index=2
    3->1 append-resp term=1 index=2
  > 1 handling Ready
    hard state: term=1 vote=1 commit=2
    committed: 1/2 normal ""
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=1 index=2 commit=2
      1->3 append term=1 logTerm=1 index=2 commit=2
  > delivering messages to 2
    1->2 append term=1 logTerm=1 index=2 commit=2
  > delivering messages to 3
    1->3 append term=1 logTerm=1 index=2 commit=2
  > 2 handling Ready
    hard state: term=1 vote=1 commit=2
    committed: 1/2 normal ""
    messages:
      2->1 append-resp term=1 index=2
  > 3 handling Ready
    hard state: term=1 vote=1 commit=2
    committed: 1/2 normal ""
    messages:
      3->1 append-resp term=1 index=2
  > delivering messages to 1
    2->1 append-resp term=1 index=2
    3->1 append-resp term=1 index=2
> assert-status 1 role=leader term=1
  ok: 1 role=leader
  ok: 1 term=1
> partition 1 | 2 3
  partitioned: {1} {2 3}
> propose 1 lost
  proposed "lost" at 1/3
> process-ready 1
  > 1 handling Ready
    entries: 1/3 normal "lost"
    must sync
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=1 index=2 commit=2 entries=[1/3 normal "lost"] DROPPED (partition)
      1->3 append term=1 logTerm=1 index=2 commit=2 entries=[1/3 normal "lost"] DROPPED (partition)
> deliver-msgs
  no messages
> assert-status 1 commit=2 last=3
  ok: 1 commit=2
  ok: 1 last=3
# One election timeout with no answers: 1 steps down.
> tick-election 1
  1 became follower at term 1
  1 ticked 20 times
> assert-status 1 role=follower term=1 leader=0
  ok: 1 role=follower
  ok: 1 term=1
  ok: 1 leader=0
# The majority side elects 2 once its members' leases on 1 ran out (3 must have stopped
# hearing from 1 for an election timeout too, or it ignores 2's pre-vote).
> tick 3 10
  3 ticked 10 times
> tick-election 2
  2 became pre-candidate at term 1
  2 ticked 13 times
> stabilize
  > 1 handling Ready
    soft state: role=follower leader=0
    leader messages (sent in parallel with the leader's own write):
      1->2 heartbeat term=1 commit=2 readSeq=1 DROPPED (partition)
      1->3 heartbeat term=1 commit=2 readSeq=1 DROPPED (partition)
      1->2 heartbeat term=1 commit=2 readSeq=2 DROPPED (partition)
      1->3 heartbeat term=1 commit=2 readSeq=2 DROPPED (partition)
      1->2 heartbeat term=1 commit=2 readSeq=3 DROPPED (partition)
      1->3 heartbeat term=1 commit=2 readSeq=3 DROPPED (partition)
      1->2 heartbeat term=1 commit=2 readSeq=4 DROPPED (partition)
      1->3 heartbeat term=1 commit=2 readSeq=4 DROPPED (partition)
      1->2 heartbeat term=1 commit=2 readSeq=5 DROPPED (partition)
      1->3 heartbeat term=1 commit=2 readSeq=5 DROPPED (partition)
      1->2 heartbeat term=1 commit=2 readSeq=6 DROPPED (partition)
      1->3 heartbeat term=1 commit=2 readSeq=6 DROPPED (partition)
      1->2 heartbeat term=1 commit=2 readSeq=7 DROPPED (partition)
      1->3 heartbeat term=1 commit=2 readSeq=7 DROPPED (partition)
      1->2 heartbeat term=1 commit=2 readSeq=8 DROPPED (partition)
      1->3 heartbeat term=1 commit=2 readSeq=8 DROPPED (partition)
      1->2 heartbeat term=1 commit=2 readSeq=9 DROPPED (partition)
      1->3 heartbeat term=1 commit=2 readSeq=9 DROPPED (partition)
      1->2 heartbeat term=1 commit=2 readSeq=10 DROPPED (partition)
      1->3 heartbeat term=1 commit=2 readSeq=10 DROPPED (partition)
      1->2 heartbeat term=1 commit=2 readSeq=11 DROPPED (partition)
      1->3 heartbeat term=1 commit=2 readSeq=11 DROPPED (partition)
      1->2 heartbeat term=1 commit=2 readSeq=12 DROPPED (partition)
      1->3 heartbeat term=1 commit=2 readSeq=12 DROPPED (partition)
      1->2 heartbeat term=1 commit=2 readSeq=13 DROPPED (partition)
      1->3 heartbeat term=1 commit=2 readSeq=13 DROPPED (partition)
      1->2 heartbeat term=1 commit=2 readSeq=14 DROPPED (partition)
      1->3 heartbeat term=1 commit=2 readSeq=14 DROPPED (partition)
      1->2 heartbeat term=1 commit=2 readSeq=15 DROPPED (partition)
      1->3 heartbeat term=1 commit=2 readSeq=15 DROPPED (partition)
      1->2 heartbeat term=1 commit=2 readSeq=16 DROPPED (partition)
      1->3 heartbeat term=1 commit=2 readSeq=16 DROPPED (partition)
      1->2 heartbeat term=1 commit=2 readSeq=17 DROPPED (partition)
      1->3 heartbeat term=1 commit=2 readSeq=17 DROPPED (partition)
      1->2 heartbeat term=1 commit=2 readSeq=18 DROPPED (partition)
      1->3 heartbeat term=1 commit=2 readSeq=18 DROPPED (partition)
      1->2 heartbeat term=1 commit=2 readSeq=19 DROPPED (partition)
      1->3 heartbeat term=1 commit=2 readSeq=19 DROPPED (partition)
  > 2 handling Ready
    soft state: role=pre-candidate leader=0
    messages:
      2->1 pre-vote term=2 logTerm=1 index=2 DROPPED (partition)
      2->3 pre-vote term=2 logTerm=1 index=2
  > delivering messages to 3
    2->3 pre-vote term=2 logTerm=1 index=2
  > 3 handling Ready
    messages:
      3->2 pre-vote-resp term=2
  > delivering messages to 2
    3->2 pre-vote-resp term=2
      2 became candidate at term 2
  > 2 handling Ready
    soft state: role=candidate leader=0
    hard state: term=2 vote=2 commit=2
    must sync
    messages:
      2->1 vote term=2 logTerm=1 index=2 DROPPED (partition)
      2->3 vote term=2 logTerm=1 index=2
  > delivering messages to 3
    2->3 vote term=2 logTerm=1 index=2
      3 moved to term 2 as follower
  > 3 handling Ready
    soft state: role=follower leader=0
    hard state: term=2 vote=2 commit=2
    must sync
    messages:
      3->2 vote-resp term=2
  > delivering messages to 2
    3->2 vote-resp term=2
      2 became leader at term 2
  > 2 handling Ready
    soft state: role=leader leader=2
    entries: 2/3 normal ""
    must sync
    leader messages (sent in parallel with the leader's own write):
      2->1 append term=2 logTerm=1 index=2 commit=2 entries=[2/3 normal ""] DROPPED (partition)
      2->3 append term=2 logTerm=1 index=2 commit=2 entries=[2/3 normal ""]
  > delivering messages to 3
    2->3 append term=2 logTerm=1 index=2 commit=2 entries=[2/3 normal ""]
  > 3 handling Ready
    soft state: role=follower leader=2
    entries: 2/3 normal ""
    must sync
    messages:
      3->2 append-resp term=2 index=3
  > delivering messages to 2
    3->2 append-resp term=2 index=3
  > 2 handling Ready
    hard state: term=2 vote=2 commit=3
    committed: 2/3 normal ""
    leader messages (sent in parallel with the leader's own write):
      2->3 append term=2 logTerm=2 index=3 commit=3
  > delivering messages to 3
    2->3 append term=2 logTerm=2 index=3 commit=3
  > 3 handling Ready
    hard state: term=2 vote=2 commit=3
    committed: 2/3 normal ""
    messages:
      3->2 append-resp term=2 index=3
  > delivering messages to 2
    3->2 append-resp term=2 index=3
> assert-status 2 role=leader term=2
  ok: 2 role=leader
  ok: 2 term=2
> propose 2 kept
  proposed "kept" at 2/4
> stabilize 2 3
  > 2 handling Ready
    entries: 2/4 normal "kept"
    must sync
    leader messages (sent in parallel with the leader's own write):
      2->3 append term=2 logTerm=2 index=3 commit=3 entries=[2/4 normal "kept"]
  > delivering messages to 3
    2->3 append term=2 logTerm=2 index=3 commit=3 entries=[2/4 normal "kept"]
  > 3 handling Ready
    entries: 2/4 normal "kept"
    must sync
    messages:
      3->2 append-resp term=2 index=4
  > delivering messages to 2
    3->2 append-resp term=2 index=4
  > 2 handling Ready
    hard state: term=2 vote=2 commit=4
    committed: 2/4 normal "kept"
    leader messages (sent in parallel with the leader's own write):
      2->3 append term=2 logTerm=2 index=4 commit=4
  > delivering messages to 3
    2->3 append term=2 logTerm=2 index=4 commit=4
  > 3 handling Ready
    hard state: term=2 vote=2 commit=4
    committed: 2/4 normal "kept"
    messages:
      3->2 append-resp term=2 index=4
  > delivering messages to 2
    3->2 append-resp term=2 index=4
> assert-status 2 commit=4
  ok: 2 commit=4
# After healing, 1 follows 2; its uncommitted entry 1/3 is replaced by 2's log
# (index 1 is the founding membership, term 0).
> heal
  healed: every node reaches every other
> tick-heartbeat 2
  2 ticked 1 time
> stabilize
  > 2 handling Ready
    leader messages (sent in parallel with the leader's own write):
      2->1 heartbeat term=2 readSeq=1
      2->3 heartbeat term=2 commit=4 readSeq=1
  > delivering messages to 1
    2->1 heartbeat term=2 readSeq=1
      1 moved to term 2 as follower
  > delivering messages to 3
    2->3 heartbeat term=2 commit=4 readSeq=1
  > 1 handling Ready
    soft state: role=follower leader=2
    hard state: term=2 vote=0 commit=2
    must sync
    messages:
      1->2 heartbeat-resp term=2 readSeq=1
  > 3 handling Ready
    messages:
      3->2 heartbeat-resp term=2 readSeq=1
  > delivering messages to 2
    1->2 heartbeat-resp term=2 readSeq=1
    3->2 heartbeat-resp term=2 readSeq=1
  > 2 handling Ready
    leader messages (sent in parallel with the leader's own write):
      2->1 append term=2 logTerm=1 index=2 commit=4 entries=[2/3 normal "", 2/4 normal "kept"]
  > delivering messages to 1
    2->1 append term=2 logTerm=1 index=2 commit=4 entries=[2/3 normal "", 2/4 normal "kept"]
  > 1 handling Ready
    hard state: term=2 vote=0 commit=4
    entries: 2/3 normal "", 2/4 normal "kept"
    committed: 2/3 normal "", 2/4 normal "kept"
    must sync
    messages:
      1->2 append-resp term=2 index=4
  > delivering messages to 2
    1->2 append-resp term=2 index=4
> assert-status 1 role=follower term=2 leader=2 commit=4
  ok: 1 role=follower
  ok: 1 term=2
  ok: 1 leader=2
  ok: 1 commit=4
> assert-log 1 0 1 2 2
  ok: 1 log terms from 1: 0 1 2 2
> assert-applied 1 kept
  ok: 1 applied: kept

`

exports[`test/raft-interaction.test.ts > TAP > election > trace 1`] = `
# Leader election in a fresh three-node cluster, PreVote and CheckQuorum on (the defaults).
# Node 1's election timer fires first: it pre-votes at term 1 without bumping its term, wins
# the pre-vote, then runs the real election at term 1 and appends its no-op. (Index 1 of every
# founding member's log is the founding membership, committed from the start.)
> add-nodes 3 voters=1,2,3
  1: follower term=0 leader=0 commit=1 last=1 voters=1,2,3 learners=-
  2: follower term=0 leader=0 commit=1 last=1 voters=1,2,3 learners=-
  3: follower term=0 leader=0 commit=1 last=1 voters=1,2,3 learners=-
> tick-election 1
  1 became pre-candidate at term 0
  1 ticked 14 times
> assert-status 1 role=pre-candidate term=0
  ok: 1 role=pre-candidate
  ok: 1 term=0
> stabilize
  > 1 handling Ready
    soft state: role=pre-candidate leader=0
    hard state: term=0 vote=0 commit=1
    entries: 0/1 conf bootstrap voters=1,2,3 learners=-
    committed: 0/1 conf bootstrap voters=1,2,3 learners=-
    must sync
    messages:
      1->2 pre-vote term=1 logTerm=0 index=1
      1->3 pre-vote term=1 logTerm=0 index=1
  > 2 handling Ready
    hard state: term=0 vote=0 commit=1
    entries: 0/1 conf bootstrap voters=1,2,3 learners=-
    committed: 0/1 conf bootstrap voters=1,2,3 learners=-
    must sync
  > 3 handling Ready
    hard state: term=0 vote=0 commit=1
    entries: 0/1 conf bootstrap voters=1,2,3 learners=-
    committed: 0/1 conf bootstrap voters=1,2,3 learners=-
    must sync
  > delivering messages to 2
    1->2 pre-vote term=1 logTerm=0 index=1
  > delivering messages to 3
    1->3 pre-vote term=1 logTerm=0 index=1
  > 2 handling Ready
    messages:
      2->1 pre-vote-resp term=1
  > 3 handling Ready
    messages:
      3->1 pre-vote-resp term=1
  > delivering messages to 1
    2->1 pre-vote-resp term=1
      1 became candidate at term 1
    3->1 pre-vote-resp term=1
  > 1 handling Ready
    soft state: role=candidate leader=0
    hard state: term=1 vote=1 commit=1
    must sync
    messages:
      1->2 vote term=1 logTerm=0 index=1
      1->3 vote term=1 logTerm=0 index=1
  > delivering messages to 2
    1->2 vote term=1 logTerm=0 index=1
      2 moved to term 1 as follower
  > delivering messages to 3
    1->3 vote term=1 logTerm=0 index=1
      3 moved to term 1 as follower
  > 2 handling Ready
    hard state: term=1 vote=1 commit=1
    must sync
    messages:
      2->1 vote-resp term=1
  > 3 handling Ready
    hard state: term=1 vote=1 commit=1
    must sync
    messages:
      3->1 vote-resp term=1
  > delivering messages to 1
    2->1 vote-resp term=1
      1 became leader at term 1
    3->1 vote-resp term=1
  > 1 handling Ready
    soft state: role=leader leader=1
    entries: 1/2 normal ""
    must sync
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
      1->3 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
  > delivering messages to 2
    1->2 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
  > delivering messages to 3
    1->3 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
  > 2 handling Ready
    soft state: role=follower leader=1
    entries: 1/2 normal ""
    must sync
    messages:
      2->1 append-resp term=1 index=2
  > 3 handling Ready
    soft state: role=follower leader=1
    entries: 1/2 normal ""
    must sync
    messages:
      3->1 append-resp term=1 index=2
  > delivering messages to 1
    2->1 append-resp term=1 index=2
    3->1 append-resp term=1 index=2
  > 1 handling Ready
    hard state: term=1 vote=1 commit=2
    committed: 1/2 normal ""
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=1 index=2 commit=2
      1->3 append term=1 logTerm=1 index=2 commit=2
  > delivering messages to 2
    1->2 append term=1 logTerm=1 index=2 commit=2
  > delivering messages to 3
    1->3 append term=1 logTerm=1 index=2 commit=2
  > 2 handling Ready
    hard state: term=1 vote=1 commit=2
    committed: 1/2 normal ""
    messages:
      2->1 append-resp term=1 index=2
  > 3 handling Ready
    hard state: term=1 vote=1 commit=2
    committed: 1/2 normal ""
    messages:
      3->1 append-resp term=1 index=2
  > delivering messages to 1
    2->1 append-resp term=1 index=2
    3->1 append-resp term=1 index=2
> assert-status 1 role=leader term=1 leader=1 commit=2
  ok: 1 role=leader
  ok: 1 term=1
  ok: 1 leader=1
  ok: 1 commit=2
> assert-status 2 role=follower term=1 leader=1 commit=2 vote=1
  ok: 2 role=follower
  ok: 2 term=1
  ok: 2 leader=1
  ok: 2 commit=2
  ok: 2 vote=1
# (3's acknowledgement arrived after 2's had already committed the no-op, so 3 learns the
# commit index with the next append or heartbeat.)
> assert-status 3 role=follower term=1 leader=1 vote=1
  ok: 3 role=follower
  ok: 3 term=1
  ok: 3 leader=1
  ok: 3 vote=1
# The leader replicates a proposal and everyone applies it.
> propose 1 x
  proposed "x" at 1/3
> stabilize
  > 1 handling Ready
    entries: 1/3 normal "x"
    must sync
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=1 index=2 commit=2 entries=[1/3 normal "x"]
      1->3 append term=1 logTerm=1 index=2 commit=2 entries=[1/3 normal "x"]
  > delivering messages to 2
    1->2 append term=1 logTerm=1 index=2 commit=2 entries=[1/3 normal "x"]
  > delivering messages to 3
    1->3 append term=1 logTerm=1 index=2 commit=2 entries=[1/3 normal "x"]
  > 2 handling Ready
    entries: 1/3 normal "x"
    must sync
    messages:
      2->1 append-resp term=1 index=3
  > 3 handling Ready
    entries: 1/3 normal "x"
    must sync
    messages:
      3->1 append-resp term=1 index=3
  > delivering messages to 1
    2->1 append-resp term=1 index=3
    3->1 append-resp term=1 index=3
  > 1 handling Ready
    hard state: term=1 vote=1 commit=3
    committed: 1/3 normal "x"
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=1 index=3 commit=3
      1->3 append term=1 logTerm=1 index=3 commit=3
  > delivering messages to 2
    1->2 append term=1 logTerm=1 index=3 commit=3
  > delivering messages to 3
    1->3 append term=1 logTerm=1 index=3 commit=3
  > 2 handling Ready
    hard state: term=1 vote=1 commit=3
    committed: 1/3 normal "x"
    messages:
      2->1 append-resp term=1 index=3
  > 3 handling Ready
    hard state: term=1 vote=1 commit=3
    committed: 1/3 normal "x"
    messages:
      3->1 append-resp term=1 index=3
  > delivering messages to 1
    2->1 append-resp term=1 index=3
    3->1 append-resp term=1 index=3
> assert-status 1 commit=3 applied=3
  ok: 1 commit=3
  ok: 1 applied=3
> assert-applied 1 x
  ok: 1 applied: x
> assert-applied 2 x
  ok: 2 applied: x
> assert-applied 3 x
  ok: 3 applied: x
# A follower refuses proposals and names the leader.
> propose 2 y
  error KEEL_NOT_LEADER: this member is not the leader
> assert-error KEEL_NOT_LEADER
  ok: last error KEEL_NOT_LEADER
# Linearizable reads: the leader confirms it still leads with a heartbeat round; a follower
# asks the leader for the read index.
> read-index 1 r1
> stabilize
  > 1 handling Ready
    leader messages (sent in parallel with the leader's own write):
      1->2 heartbeat term=1 commit=3 readSeq=1
      1->3 heartbeat term=1 commit=3 readSeq=1
  > delivering messages to 2
    1->2 heartbeat term=1 commit=3 readSeq=1
  > delivering messages to 3
    1->3 heartbeat term=1 commit=3 readSeq=1
  > 2 handling Ready
    messages:
      2->1 heartbeat-resp term=1 readSeq=1
  > 3 handling Ready
    messages:
      3->1 heartbeat-resp term=1 readSeq=1
  > delivering messages to 1
    2->1 heartbeat-resp term=1 readSeq=1
    3->1 heartbeat-resp term=1 readSeq=1
  > 1 handling Ready
    read state: index=3 context="r1"
> assert-read-state 1 r1 3
  ok: 1 read state r1 at 3
> read-index 3 r3
> stabilize
  > 3 handling Ready
    messages:
      3->1 read-index term=1 context="r3"
  > delivering messages to 1
    3->1 read-index term=1 context="r3"
  > 1 handling Ready
    leader messages (sent in parallel with the leader's own write):
      1->2 heartbeat term=1 commit=3 readSeq=2
      1->3 heartbeat term=1 commit=3 readSeq=2
  > delivering messages to 2
    1->2 heartbeat term=1 commit=3 readSeq=2
  > delivering messages to 3
    1->3 heartbeat term=1 commit=3 readSeq=2
  > 2 handling Ready
    messages:
      2->1 heartbeat-resp term=1 readSeq=2
  > 3 handling Ready
    messages:
      3->1 heartbeat-resp term=1 readSeq=2
  > delivering messages to 1
    2->1 heartbeat-resp term=1 readSeq=2
    3->1 heartbeat-resp term=1 readSeq=2
  > 1 handling Ready
    leader messages (sent in parallel with the leader's own write):
      1->3 read-index-resp term=1 index=3 context="r3"
  > delivering messages to 3
    1->3 read-index-resp term=1 index=3 context="r3"
  > 3 handling Ready
    read state: index=3 context="r3"
> assert-read-state 3 r3 3
  ok: 3 read state r3 at 3
# Heartbeats keep followers from campaigning: a follower that hears from the leader within
# its election timeout ignores a pre-vote (CheckQuorum's lease).
> tick-heartbeat 1
  1 ticked 1 time
> stabilize
  > 1 handling Ready
    leader messages (sent in parallel with the leader's own write):
      1->2 heartbeat term=1 commit=3 readSeq=3
      1->3 heartbeat term=1 commit=3 readSeq=3
  > delivering messages to 2
    1->2 heartbeat term=1 commit=3 readSeq=3
  > delivering messages to 3
    1->3 heartbeat term=1 commit=3 readSeq=3
  > 2 handling Ready
    messages:
      2->1 heartbeat-resp term=1 readSeq=3
  > 3 handling Ready
    messages:
      3->1 heartbeat-resp term=1 readSeq=3
  > delivering messages to 1
    2->1 heartbeat-resp term=1 readSeq=3
    3->1 heartbeat-resp term=1 readSeq=3
> raft-state
  1: leader term=1 leader=1 commit=3 last=3 voters=1,2,3 learners=-
  2: follower term=1 leader=1 commit=3 last=3 voters=1,2,3 learners=-
  3: follower term=1 leader=1 commit=3 last=3 voters=1,2,3 learners=-

`

exports[`test/raft-interaction.test.ts > TAP > figure-7 > trace 1`] = `
# The Raft paper's Figure 7: when the leader of term 8 comes to power, its followers' logs
# (a)-(f) may lack entries (a, b), have extra uncommitted entries (c, d), or both (e, f).
# The leader forces every follower's log to match its own; fast backtracking (a follower's
# reject carries a hint: its last index with a term <= the probed term) finds the match point
# in one round trip per follower instead of one per entry.
#
# Node 1 is the leader to be; 2..7 are followers (a)..(f). Indices start at 1.
> log 1: 1 1 1 4 4 5 5 6 6 6 term=7
  1: preloaded log of 10 entries, term=7 vote=0 commit=0
> log 2: 1 1 1 4 4 5 5 6 6 term=7
  2: preloaded log of 9 entries, term=7 vote=0 commit=0
> log 3: 1 1 1 4 term=7
  3: preloaded log of 4 entries, term=7 vote=0 commit=0
> log 4: 1 1 1 4 4 5 5 6 6 6 6 term=7
  4: preloaded log of 11 entries, term=7 vote=0 commit=0
> log 5: 1 1 1 4 4 5 5 6 6 6 7 7 term=7
  5: preloaded log of 12 entries, term=7 vote=0 commit=0
> log 6: 1 1 1 4 4 4 4 term=7
  6: preloaded log of 7 entries, term=7 vote=0 commit=0
> log 7: 1 1 1 2 2 2 3 3 3 3 3 term=7
  7: preloaded log of 11 entries, term=7 vote=0 commit=0
> add-nodes 7
  1: follower term=7 leader=0 commit=0 last=10 voters=1,2,3,4,5,6,7 learners=-
  2: follower term=7 leader=0 commit=0 last=9 voters=1,2,3,4,5,6,7 learners=-
  3: follower term=7 leader=0 commit=0 last=4 voters=1,2,3,4,5,6,7 learners=-
  4: follower term=7 leader=0 commit=0 last=11 voters=1,2,3,4,5,6,7 learners=-
  5: follower term=7 leader=0 commit=0 last=12 voters=1,2,3,4,5,6,7 learners=-
  6: follower term=7 leader=0 commit=0 last=7 voters=1,2,3,4,5,6,7 learners=-
  7: follower term=7 leader=0 commit=0 last=11 voters=1,2,3,4,5,6,7 learners=-
# (c) and (d) have more up-to-date logs and refuse; a, b, e, f and 1 itself make 5 of 7.
> campaign 1
  1 became pre-candidate at term 7
> stabilize
  > 1 handling Ready
    soft state: role=pre-candidate leader=0
    messages:
      1->2 pre-vote term=8 logTerm=6 index=10
      1->3 pre-vote term=8 logTerm=6 index=10
      1->4 pre-vote term=8 logTerm=6 index=10
      1->5 pre-vote term=8 logTerm=6 index=10
      1->6 pre-vote term=8 logTerm=6 index=10
      1->7 pre-vote term=8 logTerm=6 index=10
  > delivering messages to 2
    1->2 pre-vote term=8 logTerm=6 index=10
  > delivering messages to 3
    1->3 pre-vote term=8 logTerm=6 index=10
  > delivering messages to 4
    1->4 pre-vote term=8 logTerm=6 index=10
  > delivering messages to 5
    1->5 pre-vote term=8 logTerm=6 index=10
  > delivering messages to 6
    1->6 pre-vote term=8 logTerm=6 index=10
  > delivering messages to 7
    1->7 pre-vote term=8 logTerm=6 index=10
  > 2 handling Ready
    messages:
      2->1 pre-vote-resp term=8
  > 3 handling Ready
    messages:
      3->1 pre-vote-resp term=8
  > 4 handling Ready
    messages:
      4->1 pre-vote-resp term=7 reject
  > 5 handling Ready
    messages:
      5->1 pre-vote-resp term=7 reject
  > 6 handling Ready
    messages:
      6->1 pre-vote-resp term=8
  > 7 handling Ready
    messages:
      7->1 pre-vote-resp term=8
  > delivering messages to 1
    2->1 pre-vote-resp term=8
    3->1 pre-vote-resp term=8
    4->1 pre-vote-resp term=7 reject
    5->1 pre-vote-resp term=7 reject
    6->1 pre-vote-resp term=8
      1 became candidate at term 8
    7->1 pre-vote-resp term=8
  > 1 handling Ready
    soft state: role=candidate leader=0
    hard state: term=8 vote=1 commit=0
    must sync
    messages:
      1->2 vote term=8 logTerm=6 index=10
      1->3 vote term=8 logTerm=6 index=10
      1->4 vote term=8 logTerm=6 index=10
      1->5 vote term=8 logTerm=6 index=10
      1->6 vote term=8 logTerm=6 index=10
      1->7 vote term=8 logTerm=6 index=10
  > delivering messages to 2
    1->2 vote term=8 logTerm=6 index=10
      2 moved to term 8 as follower
  > delivering messages to 3
    1->3 vote term=8 logTerm=6 index=10
      3 moved to term 8 as follower
  > delivering messages to 4
    1->4 vote term=8 logTerm=6 index=10
      4 moved to term 8 as follower
  > delivering messages to 5
    1->5 vote term=8 logTerm=6 index=10
      5 moved to term 8 as follower
  > delivering messages to 6
    1->6 vote term=8 logTerm=6 index=10
      6 moved to term 8 as follower
  > delivering messages to 7
    1->7 vote term=8 logTerm=6 index=10
      7 moved to term 8 as follower
  > 2 handling Ready
    hard state: term=8 vote=1 commit=0
    must sync
    messages:
      2->1 vote-resp term=8
  > 3 handling Ready
    hard state: term=8 vote=1 commit=0
    must sync
    messages:
      3->1 vote-resp term=8
  > 4 handling Ready
    hard state: term=8 vote=0 commit=0
    must sync
    messages:
      4->1 vote-resp term=8 reject
  > 5 handling Ready
    hard state: term=8 vote=0 commit=0
    must sync
    messages:
      5->1 vote-resp term=8 reject
  > 6 handling Ready
    hard state: term=8 vote=1 commit=0
    must sync
    messages:
      6->1 vote-resp term=8
  > 7 handling Ready
    hard state: term=8 vote=1 commit=0
    must sync
    messages:
      7->1 vote-resp term=8
  > delivering messages to 1
    2->1 vote-resp term=8
    3->1 vote-resp term=8
    4->1 vote-resp term=8 reject
    5->1 vote-resp term=8 reject
    6->1 vote-resp term=8
      1 became leader at term 8
    7->1 vote-resp term=8
  > 1 handling Ready
    soft state: role=leader leader=1
    entries: 8/11 normal ""
    must sync
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=8 logTerm=6 index=10 commit=0 entries=[8/11 normal ""]
      1->3 append term=8 logTerm=6 index=10 commit=0 entries=[8/11 normal ""]
      1->4 append term=8 logTerm=6 index=10 commit=0 entries=[8/11 normal ""]
      1->5 append term=8 logTerm=6 index=10 commit=0 entries=[8/11 normal ""]
      1->6 append term=8 logTerm=6 index=10 commit=0 entries=[8/11 normal ""]
      1->7 append term=8 logTerm=6 index=10 commit=0 entries=[8/11 normal ""]
  > delivering messages to 2
    1->2 append term=8 logTerm=6 index=10 commit=0 entries=[8/11 normal ""]
  > delivering messages to 3
    1->3 append term=8 logTerm=6 index=10 commit=0 entries=[8/11 normal ""]
  > delivering messages to 4
    1->4 append term=8 logTerm=6 index=10 commit=0 entries=[8/11 normal ""]
  > delivering messages to 5
    1->5 append term=8 logTerm=6 index=10 commit=0 entries=[8/11 normal ""]
  > delivering messages to 6
    1->6 append term=8 logTerm=6 index=10 commit=0 entries=[8/11 normal ""]
  > delivering messages to 7
    1->7 append term=8 logTerm=6 index=10 commit=0 entries=[8/11 normal ""]
  > 2 handling Ready
    soft state: role=follower leader=1
    messages:
      2->1 append-resp term=8 logTerm=6 index=10 reject rejectHint=9
  > 3 handling Ready
    soft state: role=follower leader=1
    messages:
      3->1 append-resp term=8 logTerm=4 index=10 reject rejectHint=4
  > 4 handling Ready
    soft state: role=follower leader=1
    entries: 8/11 normal ""
    must sync
    messages:
      4->1 append-resp term=8 index=11
  > 5 handling Ready
    soft state: role=follower leader=1
    entries: 8/11 normal ""
    must sync
    messages:
      5->1 append-resp term=8 index=11
  > 6 handling Ready
    soft state: role=follower leader=1
    messages:
      6->1 append-resp term=8 logTerm=4 index=10 reject rejectHint=7
  > 7 handling Ready
    soft state: role=follower leader=1
    messages:
      7->1 append-resp term=8 logTerm=3 index=10 reject rejectHint=10
  > delivering messages to 1
    2->1 append-resp term=8 logTerm=6 index=10 reject rejectHint=9
    3->1 append-resp term=8 logTerm=4 index=10 reject rejectHint=4
    4->1 append-resp term=8 index=11
    5->1 append-resp term=8 index=11
    6->1 append-resp term=8 logTerm=4 index=10 reject rejectHint=7
    7->1 append-resp term=8 logTerm=3 index=10 reject rejectHint=10
  > 1 handling Ready
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=8 logTerm=6 index=9 commit=0 entries=[6/10 normal "", 8/11 normal ""]
      1->3 append term=8 logTerm=4 index=4 commit=0 entries=[4/5 normal "", 5/6 normal "", 5/7 normal "", 6/8..10 normal "" (3 entries), 8/11 normal ""]
      1->6 append term=8 logTerm=4 index=5 commit=0 entries=[5/6 normal "", 5/7 normal "", 6/8..10 normal "" (3 entries), 8/11 normal ""]
      1->7 append term=8 logTerm=1 index=3 commit=0 entries=[4/4 normal "", 4/5 normal "", 5/6 normal "", 5/7 normal "", 6/8..10 normal "" (3 entries), 8/11 normal ""]
  > delivering messages to 2
    1->2 append term=8 logTerm=6 index=9 commit=0 entries=[6/10 normal "", 8/11 normal ""]
  > delivering messages to 3
    1->3 append term=8 logTerm=4 index=4 commit=0 entries=[4/5 normal "", 5/6 normal "", 5/7 normal "", 6/8..10 normal "" (3 entries), 8/11 normal ""]
  > delivering messages to 6
    1->6 append term=8 logTerm=4 index=5 commit=0 entries=[5/6 normal "", 5/7 normal "", 6/8..10 normal "" (3 entries), 8/11 normal ""]
  > delivering messages to 7
    1->7 append term=8 logTerm=1 index=3 commit=0 entries=[4/4 normal "", 4/5 normal "", 5/6 normal "", 5/7 normal "", 6/8..10 normal "" (3 entries), 8/11 normal ""]
  > 2 handling Ready
    entries: 6/10 normal "", 8/11 normal ""
    must sync
    messages:
      2->1 append-resp term=8 index=11
  > 3 handling Ready
    entries: 4/5 normal "", 5/6 normal "", 5/7 normal "", 6/8..10 normal "" (3 entries), 8/11 normal ""
    must sync
    messages:
      3->1 append-resp term=8 index=11
  > 6 handling Ready
    entries: 5/6 normal "", 5/7 normal "", 6/8..10 normal "" (3 entries), 8/11 normal ""
    must sync
    messages:
      6->1 append-resp term=8 index=11
  > 7 handling Ready
    entries: 4/4 normal "", 4/5 normal "", 5/6 normal "", 5/7 normal "", 6/8..10 normal "" (3 entries), 8/11 normal ""
    must sync
    messages:
      7->1 append-resp term=8 index=11
  > delivering messages to 1
    2->1 append-resp term=8 index=11
    3->1 append-resp term=8 index=11
    6->1 append-resp term=8 index=11
    7->1 append-resp term=8 index=11
  > 1 handling Ready
    hard state: term=8 vote=1 commit=11
    committed: 1/1..3 normal "" (3 entries), 4/4 normal "", 4/5 normal "", 5/6 normal "", 5/7 normal "", 6/8..10 normal "" (3 entries), 8/11 normal ""
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=8 logTerm=8 index=11 commit=11
      1->4 append term=8 logTerm=8 index=11 commit=11
      1->5 append term=8 logTerm=8 index=11 commit=11
      1->3 append term=8 logTerm=8 index=11 commit=11
      1->6 append term=8 logTerm=8 index=11 commit=11
      1->7 append term=8 logTerm=8 index=11 commit=11
  > delivering messages to 2
    1->2 append term=8 logTerm=8 index=11 commit=11
  > delivering messages to 3
    1->3 append term=8 logTerm=8 index=11 commit=11
  > delivering messages to 4
    1->4 append term=8 logTerm=8 index=11 commit=11
  > delivering messages to 5
    1->5 append term=8 logTerm=8 index=11 commit=11
  > delivering messages to 6
    1->6 append term=8 logTerm=8 index=11 commit=11
  > delivering messages to 7
    1->7 append term=8 logTerm=8 index=11 commit=11
  > 2 handling Ready
    hard state: term=8 vote=1 commit=11
    committed: 1/1..3 normal "" (3 entries), 4/4 normal "", 4/5 normal "", 5/6 normal "", 5/7 normal "", 6/8..10 normal "" (3 entries), 8/11 normal ""
    messages:
      2->1 append-resp term=8 index=11
  > 3 handling Ready
    hard state: term=8 vote=1 commit=11
    committed: 1/1..3 normal "" (3 entries), 4/4 normal "", 4/5 normal "", 5/6 normal "", 5/7 normal "", 6/8..10 normal "" (3 entries), 8/11 normal ""
    messages:
      3->1 append-resp term=8 index=11
  > 4 handling Ready
    hard state: term=8 vote=0 commit=11
    committed: 1/1..3 normal "" (3 entries), 4/4 normal "", 4/5 normal "", 5/6 normal "", 5/7 normal "", 6/8..10 normal "" (3 entries), 8/11 normal ""
    messages:
      4->1 append-resp term=8 index=11
  > 5 handling Ready
    hard state: term=8 vote=0 commit=11
    committed: 1/1..3 normal "" (3 entries), 4/4 normal "", 4/5 normal "", 5/6 normal "", 5/7 normal "", 6/8..10 normal "" (3 entries), 8/11 normal ""
    messages:
      5->1 append-resp term=8 index=11
  > 6 handling Ready
    hard state: term=8 vote=1 commit=11
    committed: 1/1..3 normal "" (3 entries), 4/4 normal "", 4/5 normal "", 5/6 normal "", 5/7 normal "", 6/8..10 normal "" (3 entries), 8/11 normal ""
    messages:
      6->1 append-resp term=8 index=11
  > 7 handling Ready
    hard state: term=8 vote=1 commit=11
    committed: 1/1..3 normal "" (3 entries), 4/4 normal "", 4/5 normal "", 5/6 normal "", 5/7 normal "", 6/8..10 normal "" (3 entries), 8/11 normal ""
    messages:
      7->1 append-resp term=8 index=11
  > delivering messages to 1
    2->1 append-resp term=8 index=11
    3->1 append-resp term=8 index=11
    4->1 append-resp term=8 index=11
    5->1 append-resp term=8 index=11
    6->1 append-resp term=8 index=11
    7->1 append-resp term=8 index=11
> assert-status 1 role=leader term=8 commit=11
  ok: 1 role=leader
  ok: 1 term=8
  ok: 1 commit=11
> assert-log 1 1 1 1 4 4 5 5 6 6 6 8
  ok: 1 log terms from 1: 1 1 1 4 4 5 5 6 6 6 8
> assert-log 2 1 1 1 4 4 5 5 6 6 6 8
  ok: 2 log terms from 1: 1 1 1 4 4 5 5 6 6 6 8
> assert-log 3 1 1 1 4 4 5 5 6 6 6 8
  ok: 3 log terms from 1: 1 1 1 4 4 5 5 6 6 6 8
> assert-log 4 1 1 1 4 4 5 5 6 6 6 8
  ok: 4 log terms from 1: 1 1 1 4 4 5 5 6 6 6 8
> assert-log 5 1 1 1 4 4 5 5 6 6 6 8
  ok: 5 log terms from 1: 1 1 1 4 4 5 5 6 6 6 8
> assert-log 6 1 1 1 4 4 5 5 6 6 6 8
  ok: 6 log terms from 1: 1 1 1 4 4 5 5 6 6 6 8
> assert-log 7 1 1 1 4 4 5 5 6 6 6 8
  ok: 7 log terms from 1: 1 1 1 4 4 5 5 6 6 6 8
> status 1
  1: leader term=8 leader=1 commit=11 last=11 voters=1,2,3,4,5,6,7 learners=- vote=1 applied=11 log=1..11
    progress 1: match=11 next=12 replicate lastContact=0
    progress 2: match=11 next=12 replicate lastContact=0
    progress 3: match=11 next=12 replicate lastContact=0
    progress 4: match=11 next=12 replicate lastContact=0
    progress 5: match=11 next=12 replicate lastContact=0
    progress 6: match=11 next=12 replicate lastContact=0
    progress 7: match=11 next=12 replicate lastContact=0
# Followers whose acknowledgement came after the commit learn it from the next heartbeat.
> tick-heartbeat 1
  1 ticked 1 time
> stabilize
  > 1 handling Ready
    leader messages (sent in parallel with the leader's own write):
      1->2 heartbeat term=8 commit=11 readSeq=1
      1->3 heartbeat term=8 commit=11 readSeq=1
      1->4 heartbeat term=8 commit=11 readSeq=1
      1->5 heartbeat term=8 commit=11 readSeq=1
      1->6 heartbeat term=8 commit=11 readSeq=1
      1->7 heartbeat term=8 commit=11 readSeq=1
  > delivering messages to 2
    1->2 heartbeat term=8 commit=11 readSeq=1
  > delivering messages to 3
    1->3 heartbeat term=8 commit=11 readSeq=1
  > delivering messages to 4
    1->4 heartbeat term=8 commit=11 readSeq=1
  > delivering messages to 5
    1->5 heartbeat term=8 commit=11 readSeq=1
  > delivering messages to 6
    1->6 heartbeat term=8 commit=11 readSeq=1
  > delivering messages to 7
    1->7 heartbeat term=8 commit=11 readSeq=1
  > 2 handling Ready
    messages:
      2->1 heartbeat-resp term=8 readSeq=1
  > 3 handling Ready
    messages:
      3->1 heartbeat-resp term=8 readSeq=1
  > 4 handling Ready
    messages:
      4->1 heartbeat-resp term=8 readSeq=1
  > 5 handling Ready
    messages:
      5->1 heartbeat-resp term=8 readSeq=1
  > 6 handling Ready
    messages:
      6->1 heartbeat-resp term=8 readSeq=1
  > 7 handling Ready
    messages:
      7->1 heartbeat-resp term=8 readSeq=1
  > delivering messages to 1
    2->1 heartbeat-resp term=8 readSeq=1
    3->1 heartbeat-resp term=8 readSeq=1
    4->1 heartbeat-resp term=8 readSeq=1
    5->1 heartbeat-resp term=8 readSeq=1
    6->1 heartbeat-resp term=8 readSeq=1
    7->1 heartbeat-resp term=8 readSeq=1
> assert-status 2 commit=11
  ok: 2 commit=11
> assert-status 7 commit=11
  ok: 7 commit=11

`

exports[`test/raft-interaction.test.ts > TAP > figure-8 > trace 1`] = `
# The Raft paper's Figure 8: a leader must not commit an entry of an earlier term by counting
# replicas; only entries of its own term are committed that way (and earlier ones with them).
#
# Five servers. Index 1 (term 1) is committed everywhere. (a) In term 2, server 1 led and wrote
# index 2 (term 2), which reached nobody. (b) In term 3, server 5 led and wrote index 2 (term 3),
# which reached nobody either; servers 3 and 4 voted for it.
# Appends carry one entry here (append-max=1), so that a follower can hold the old entry
# without the new leader's no-op, as in the figure. With the default of 512, the no-op travels
# with the old entries, and the same happens with 513 old ones.
> log 1: 1 2 term=3 commit=1
  1: preloaded log of 2 entries, term=3 vote=0 commit=1
> log 2: 1 term=3 commit=1
  2: preloaded log of 1 entries, term=3 vote=0 commit=1
> log 3: 1 term=3 vote=5 commit=1
  3: preloaded log of 1 entries, term=3 vote=5 commit=1
> log 4: 1 term=3 vote=5 commit=1
  4: preloaded log of 1 entries, term=3 vote=5 commit=1
> log 5: 1 3 term=3 vote=5 commit=1
  5: preloaded log of 2 entries, term=3 vote=5 commit=1
> add-nodes 5 append-max=1
  1: follower term=3 leader=0 commit=1 last=2 voters=1,2,3,4,5 learners=-
  2: follower term=3 leader=0 commit=1 last=1 voters=1,2,3,4,5 learners=-
  3: follower term=3 leader=0 commit=1 last=1 voters=1,2,3,4,5 learners=-
  4: follower term=3 leader=0 commit=1 last=1 voters=1,2,3,4,5 learners=-
  5: follower term=3 leader=0 commit=1 last=2 voters=1,2,3,4,5 learners=-
# (c) Server 1 is elected in term 4 by 2, 3 and 4 (5 is unreachable for now), and appends
# its no-op at index 3.
> campaign 1
  1 became pre-candidate at term 3
> process-ready 1
  > 1 handling Ready
    soft state: role=pre-candidate leader=0
    messages:
      1->2 pre-vote term=4 logTerm=2 index=2
      1->3 pre-vote term=4 logTerm=2 index=2
      1->4 pre-vote term=4 logTerm=2 index=2
      1->5 pre-vote term=4 logTerm=2 index=2
> deliver-msgs 2 3 4 drop=5
  1->2 pre-vote term=4 logTerm=2 index=2
  1->3 pre-vote term=4 logTerm=2 index=2
  1->4 pre-vote term=4 logTerm=2 index=2
  1->5 pre-vote term=4 logTerm=2 index=2 DROPPED (by the script)
> process-ready 2 3 4
  > 2 handling Ready
    messages:
      2->1 pre-vote-resp term=4
  > 3 handling Ready
    messages:
      3->1 pre-vote-resp term=4
  > 4 handling Ready
    messages:
      4->1 pre-vote-resp term=4
> deliver-msgs 1
  2->1 pre-vote-resp term=4
  3->1 pre-vote-resp term=4
    1 became candidate at term 4
  4->1 pre-vote-resp term=4
> process-ready 1
  > 1 handling Ready
    soft state: role=candidate leader=0
    hard state: term=4 vote=1 commit=1
    must sync
    messages:
      1->2 vote term=4 logTerm=2 index=2
      1->3 vote term=4 logTerm=2 index=2
      1->4 vote term=4 logTerm=2 index=2
      1->5 vote term=4 logTerm=2 index=2
> deliver-msgs 2 3 4 drop=5
  1->2 vote term=4 logTerm=2 index=2
    2 moved to term 4 as follower
  1->3 vote term=4 logTerm=2 index=2
    3 moved to term 4 as follower
  1->4 vote term=4 logTerm=2 index=2
    4 moved to term 4 as follower
  1->5 vote term=4 logTerm=2 index=2 DROPPED (by the script)
> process-ready 2 3 4
  > 2 handling Ready
    hard state: term=4 vote=1 commit=1
    must sync
    messages:
      2->1 vote-resp term=4
  > 3 handling Ready
    hard state: term=4 vote=1 commit=1
    must sync
    messages:
      3->1 vote-resp term=4
  > 4 handling Ready
    hard state: term=4 vote=1 commit=1
    must sync
    messages:
      4->1 vote-resp term=4
> deliver-msgs 1
  2->1 vote-resp term=4
  3->1 vote-resp term=4
    1 became leader at term 4
  4->1 vote-resp term=4
> assert-status 1 role=leader term=4 last=3
  ok: 1 role=leader
  ok: 1 term=4
  ok: 1 last=3
# Its first appends (the no-op) are lost.
> process-ready 1
  > 1 handling Ready
    soft state: role=leader leader=1
    entries: 4/3 normal ""
    must sync
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=4 logTerm=2 index=2 commit=1 entries=[4/3 normal ""]
      1->3 append term=4 logTerm=2 index=2 commit=1 entries=[4/3 normal ""]
      1->4 append term=4 logTerm=2 index=2 commit=1 entries=[4/3 normal ""]
      1->5 append term=4 logTerm=2 index=2 commit=1 entries=[4/3 normal ""]
> deliver-msgs drop=2,3,4,5
  1->2 append term=4 logTerm=2 index=2 commit=1 entries=[4/3 normal ""] DROPPED (by the script)
  1->3 append term=4 logTerm=2 index=2 commit=1 entries=[4/3 normal ""] DROPPED (by the script)
  1->4 append term=4 logTerm=2 index=2 commit=1 entries=[4/3 normal ""] DROPPED (by the script)
  1->5 append term=4 logTerm=2 index=2 commit=1 entries=[4/3 normal ""] DROPPED (by the script)
# Server 1 brings 2 and 3 up: the heartbeat answers resume the probe at 2, which is refused
# with a hint, and the retry carries index 2 (one entry).
> tick-heartbeat 1
  1 ticked 1 time
> process-ready 1
  > 1 handling Ready
    leader messages (sent in parallel with the leader's own write):
      1->2 heartbeat term=4 readSeq=1
      1->3 heartbeat term=4 readSeq=1
      1->4 heartbeat term=4 readSeq=1
      1->5 heartbeat term=4 readSeq=1
> deliver-msgs 2 3 drop=4,5
  1->2 heartbeat term=4 readSeq=1
  1->3 heartbeat term=4 readSeq=1
  1->4 heartbeat term=4 readSeq=1 DROPPED (by the script)
  1->5 heartbeat term=4 readSeq=1 DROPPED (by the script)
> process-ready 2 3
  > 2 handling Ready
    soft state: role=follower leader=1
    messages:
      2->1 heartbeat-resp term=4 readSeq=1
  > 3 handling Ready
    soft state: role=follower leader=1
    messages:
      3->1 heartbeat-resp term=4 readSeq=1
> deliver-msgs 1
  2->1 heartbeat-resp term=4 readSeq=1
  3->1 heartbeat-resp term=4 readSeq=1
> process-ready 1
  > 1 handling Ready
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=4 logTerm=2 index=2 commit=1 entries=[4/3 normal ""]
      1->3 append term=4 logTerm=2 index=2 commit=1 entries=[4/3 normal ""]
> deliver-msgs 2 3
  1->2 append term=4 logTerm=2 index=2 commit=1 entries=[4/3 normal ""]
  1->3 append term=4 logTerm=2 index=2 commit=1 entries=[4/3 normal ""]
> process-ready 2 3
  > 2 handling Ready
    messages:
      2->1 append-resp term=4 logTerm=1 index=2 reject rejectHint=1
  > 3 handling Ready
    messages:
      3->1 append-resp term=4 logTerm=1 index=2 reject rejectHint=1
> deliver-msgs 1
  2->1 append-resp term=4 logTerm=1 index=2 reject rejectHint=1
  3->1 append-resp term=4 logTerm=1 index=2 reject rejectHint=1
> process-ready 1
  > 1 handling Ready
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=4 logTerm=1 index=1 commit=1 entries=[2/2 normal ""]
      1->3 append term=4 logTerm=1 index=1 commit=1 entries=[2/2 normal ""]
> deliver-msgs 2 3
  1->2 append term=4 logTerm=1 index=1 commit=1 entries=[2/2 normal ""]
  1->3 append term=4 logTerm=1 index=1 commit=1 entries=[2/2 normal ""]
> process-ready 2 3
  > 2 handling Ready
    entries: 2/2 normal ""
    must sync
    messages:
      2->1 append-resp term=4 index=2
  > 3 handling Ready
    entries: 2/2 normal ""
    must sync
    messages:
      3->1 append-resp term=4 index=2
> deliver-msgs 1
  2->1 append-resp term=4 index=2
  3->1 append-resp term=4 index=2
# The acknowledgements of index 2 arrive; the next appends (the no-op) are lost.
> process-ready 1
  > 1 handling Ready
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=4 logTerm=2 index=2 commit=1 entries=[4/3 normal ""]
      1->3 append term=4 logTerm=2 index=2 commit=1 entries=[4/3 normal ""]
> deliver-msgs drop=2,3,4,5
  1->2 append term=4 logTerm=2 index=2 commit=1 entries=[4/3 normal ""] DROPPED (by the script)
  1->3 append term=4 logTerm=2 index=2 commit=1 entries=[4/3 normal ""] DROPPED (by the script)
> status 1
  1: leader term=4 leader=1 commit=1 last=3 voters=1,2,3,4,5 learners=- vote=1 applied=1 log=1..3
    progress 1: match=3 next=4 replicate lastContact=0
    progress 2: match=2 next=4 replicate lastContact=0
    progress 3: match=2 next=4 replicate lastContact=0
    progress 4: match=0 next=3 probe lastContact=1
    progress 5: match=0 next=3 probe lastContact=1
# Index 2 (term 2) is on a majority (1, 2, 3), and server 1 knows it. But its term is 2, not
# 4: counting replicas does not commit it.
> assert-status 1 commit=1
  ok: 1 commit=1
> assert-status 2 last=2 commit=1
  ok: 2 last=2
  ok: 2 commit=1
> assert-status 3 last=2 commit=1
  ok: 3 last=2
  ok: 3 commit=1
# (d) Server 1 crashes. Server 5 (last entry term 3) can win votes from 2, 3 and 4 (last entry
# term 2 or 1) and overwrite index 2 although it was on a majority. That is safe exactly
# because it was never committed: nobody applied it. (5 first learns of term 4 from the
# refusals of its first pre-vote, then tries again.)
> crash 1
  1 crashed: its unpersisted state is lost; messages to it will be dropped
> tick 2 10
  2 ticked 10 times
> tick 3 10
  3 ticked 10 times
> tick 4 10
  4 became pre-candidate at term 4
  4 ticked 10 times
> campaign 5
  5 became pre-candidate at term 3
> stabilize 2 3 4 5
  > 4 handling Ready
    soft state: role=pre-candidate leader=0
    messages:
      4->1 pre-vote term=5 logTerm=1 index=1
      4->2 pre-vote term=5 logTerm=1 index=1
      4->3 pre-vote term=5 logTerm=1 index=1
      4->5 pre-vote term=5 logTerm=1 index=1
  > 5 handling Ready
    soft state: role=pre-candidate leader=0
    messages:
      5->1 pre-vote term=4 logTerm=3 index=2
      5->2 pre-vote term=4 logTerm=3 index=2
      5->3 pre-vote term=4 logTerm=3 index=2
      5->4 pre-vote term=4 logTerm=3 index=2
  > delivering messages to 2
    4->2 pre-vote term=5 logTerm=1 index=1
    5->2 pre-vote term=4 logTerm=3 index=2
  > delivering messages to 3
    4->3 pre-vote term=5 logTerm=1 index=1
    5->3 pre-vote term=4 logTerm=3 index=2
  > delivering messages to 4
    5->4 pre-vote term=4 logTerm=3 index=2
  > delivering messages to 5
    4->5 pre-vote term=5 logTerm=1 index=1
  > 2 handling Ready
    messages:
      2->4 pre-vote-resp term=4 reject
      2->5 pre-vote-resp term=4 reject
  > 3 handling Ready
    messages:
      3->4 pre-vote-resp term=4 reject
      3->5 pre-vote-resp term=4 reject
  > 4 handling Ready
    messages:
      4->5 pre-vote-resp term=4 reject
  > 5 handling Ready
    messages:
      5->4 pre-vote-resp term=3 reject
  > delivering messages to 4
    2->4 pre-vote-resp term=4 reject
    3->4 pre-vote-resp term=4 reject
    5->4 pre-vote-resp term=3 reject
  > delivering messages to 5
    2->5 pre-vote-resp term=4 reject
      5 became follower at term 4
    3->5 pre-vote-resp term=4 reject
    4->5 pre-vote-resp term=4 reject
  > 5 handling Ready
    soft state: role=follower leader=0
    hard state: term=4 vote=0 commit=1
    must sync
> campaign 5
  5 became pre-candidate at term 4
> stabilize 2 3 4 5
  > 5 handling Ready
    soft state: role=pre-candidate leader=0
    messages:
      5->1 pre-vote term=5 logTerm=3 index=2
      5->2 pre-vote term=5 logTerm=3 index=2
      5->3 pre-vote term=5 logTerm=3 index=2
      5->4 pre-vote term=5 logTerm=3 index=2
  > delivering messages to 2
    5->2 pre-vote term=5 logTerm=3 index=2
  > delivering messages to 3
    5->3 pre-vote term=5 logTerm=3 index=2
  > delivering messages to 4
    5->4 pre-vote term=5 logTerm=3 index=2
  > 2 handling Ready
    messages:
      2->5 pre-vote-resp term=5
  > 3 handling Ready
    messages:
      3->5 pre-vote-resp term=5
  > 4 handling Ready
    messages:
      4->5 pre-vote-resp term=5
  > delivering messages to 5
    2->5 pre-vote-resp term=5
    3->5 pre-vote-resp term=5
      5 became candidate at term 5
    4->5 pre-vote-resp term=5
  > 5 handling Ready
    soft state: role=candidate leader=0
    hard state: term=5 vote=5 commit=1
    must sync
    messages:
      5->1 vote term=5 logTerm=3 index=2
      5->2 vote term=5 logTerm=3 index=2
      5->3 vote term=5 logTerm=3 index=2
      5->4 vote term=5 logTerm=3 index=2
  > delivering messages to 2
    5->2 vote term=5 logTerm=3 index=2
      2 moved to term 5 as follower
  > delivering messages to 3
    5->3 vote term=5 logTerm=3 index=2
      3 moved to term 5 as follower
  > delivering messages to 4
    5->4 vote term=5 logTerm=3 index=2
      4 became follower at term 5
  > 2 handling Ready
    soft state: role=follower leader=0
    hard state: term=5 vote=5 commit=1
    must sync
    messages:
      2->5 vote-resp term=5
  > 3 handling Ready
    soft state: role=follower leader=0
    hard state: term=5 vote=5 commit=1
    must sync
    messages:
      3->5 vote-resp term=5
  > 4 handling Ready
    soft state: role=follower leader=0
    hard state: term=5 vote=5 commit=1
    must sync
    messages:
      4->5 vote-resp term=5
  > delivering messages to 5
    2->5 vote-resp term=5
    3->5 vote-resp term=5
      5 became leader at term 5
    4->5 vote-resp term=5
  > 5 handling Ready
    soft state: role=leader leader=5
    entries: 5/3 normal ""
    must sync
    leader messages (sent in parallel with the leader's own write):
      5->1 append term=5 logTerm=3 index=2 commit=1 entries=[5/3 normal ""]
      5->2 append term=5 logTerm=3 index=2 commit=1 entries=[5/3 normal ""]
      5->3 append term=5 logTerm=3 index=2 commit=1 entries=[5/3 normal ""]
      5->4 append term=5 logTerm=3 index=2 commit=1 entries=[5/3 normal ""]
  > delivering messages to 2
    5->2 append term=5 logTerm=3 index=2 commit=1 entries=[5/3 normal ""]
  > delivering messages to 3
    5->3 append term=5 logTerm=3 index=2 commit=1 entries=[5/3 normal ""]
  > delivering messages to 4
    5->4 append term=5 logTerm=3 index=2 commit=1 entries=[5/3 normal ""]
  > 2 handling Ready
    soft state: role=follower leader=5
    messages:
      2->5 append-resp term=5 logTerm=2 index=2 reject rejectHint=2
  > 3 handling Ready
    soft state: role=follower leader=5
    messages:
      3->5 append-resp term=5 logTerm=2 index=2 reject rejectHint=2
  > 4 handling Ready
    soft state: role=follower leader=5
    messages:
      4->5 append-resp term=5 logTerm=1 index=2 reject rejectHint=1
  > delivering messages to 5
    2->5 append-resp term=5 logTerm=2 index=2 reject rejectHint=2
    3->5 append-resp term=5 logTerm=2 index=2 reject rejectHint=2
    4->5 append-resp term=5 logTerm=1 index=2 reject rejectHint=1
  > 5 handling Ready
    leader messages (sent in parallel with the leader's own write):
      5->2 append term=5 logTerm=1 index=1 commit=1 entries=[3/2 normal ""]
      5->3 append term=5 logTerm=1 index=1 commit=1 entries=[3/2 normal ""]
      5->4 append term=5 logTerm=1 index=1 commit=1 entries=[3/2 normal ""]
  > delivering messages to 2
    5->2 append term=5 logTerm=1 index=1 commit=1 entries=[3/2 normal ""]
  > delivering messages to 3
    5->3 append term=5 logTerm=1 index=1 commit=1 entries=[3/2 normal ""]
  > delivering messages to 4
    5->4 append term=5 logTerm=1 index=1 commit=1 entries=[3/2 normal ""]
  > 2 handling Ready
    entries: 3/2 normal ""
    must sync
    messages:
      2->5 append-resp term=5 index=2
  > 3 handling Ready
    entries: 3/2 normal ""
    must sync
    messages:
      3->5 append-resp term=5 index=2
  > 4 handling Ready
    entries: 3/2 normal ""
    must sync
    messages:
      4->5 append-resp term=5 index=2
  > delivering messages to 5
    2->5 append-resp term=5 index=2
    3->5 append-resp term=5 index=2
    4->5 append-resp term=5 index=2
  > 5 handling Ready
    leader messages (sent in parallel with the leader's own write):
      5->2 append term=5 logTerm=3 index=2 commit=1 entries=[5/3 normal ""]
      5->3 append term=5 logTerm=3 index=2 commit=1 entries=[5/3 normal ""]
      5->4 append term=5 logTerm=3 index=2 commit=1 entries=[5/3 normal ""]
  > delivering messages to 2
    5->2 append term=5 logTerm=3 index=2 commit=1 entries=[5/3 normal ""]
  > delivering messages to 3
    5->3 append term=5 logTerm=3 index=2 commit=1 entries=[5/3 normal ""]
  > delivering messages to 4
    5->4 append term=5 logTerm=3 index=2 commit=1 entries=[5/3 normal ""]
  > 2 handling Ready
    entries: 5/3 normal ""
    must sync
    messages:
      2->5 append-resp term=5 index=3
  > 3 handling Ready
    entries: 5/3 normal ""
    must sync
    messages:
      3->5 append-resp term=5 index=3
  > 4 handling Ready
    entries: 5/3 normal ""
    must sync
    messages:
      4->5 append-resp term=5 index=3
  > delivering messages to 5
    2->5 append-resp term=5 index=3
    3->5 append-resp term=5 index=3
    4->5 append-resp term=5 index=3
  > 5 handling Ready
    hard state: term=5 vote=5 commit=3
    committed: 3/2 normal "", 5/3 normal ""
    leader messages (sent in parallel with the leader's own write):
      5->2 append term=5 logTerm=5 index=3 commit=3
      5->3 append term=5 logTerm=5 index=3 commit=3
      5->4 append term=5 logTerm=5 index=3 commit=3
  > delivering messages to 2
    5->2 append term=5 logTerm=5 index=3 commit=3
  > delivering messages to 3
    5->3 append term=5 logTerm=5 index=3 commit=3
  > delivering messages to 4
    5->4 append term=5 logTerm=5 index=3 commit=3
  > 2 handling Ready
    hard state: term=5 vote=5 commit=3
    committed: 3/2 normal "", 5/3 normal ""
    messages:
      2->5 append-resp term=5 index=3
  > 3 handling Ready
    hard state: term=5 vote=5 commit=3
    committed: 3/2 normal "", 5/3 normal ""
    messages:
      3->5 append-resp term=5 index=3
  > 4 handling Ready
    hard state: term=5 vote=5 commit=3
    committed: 3/2 normal "", 5/3 normal ""
    messages:
      4->5 append-resp term=5 index=3
  > delivering messages to 5
    2->5 append-resp term=5 index=3
    3->5 append-resp term=5 index=3
    4->5 append-resp term=5 index=3
> assert-status 5 role=leader term=5 commit=3
  ok: 5 role=leader
  ok: 5 term=5
  ok: 5 commit=3
> assert-log 2 1 3 5
  ok: 2 log terms from 1: 1 3 5
> assert-log 3 1 3 5
  ok: 3 log terms from 1: 1 3 5
> assert-status 2 commit=3 applied=3
  ok: 2 commit=3
  ok: 2 applied=3

`

exports[`test/raft-interaction.test.ts > TAP > figure-8-commit > trace 1`] = `
# Figure 8(e), the other branch: once the leader of term 4 gets an entry of its own term (its
# no-op) onto a majority, that entry commits, and all the earlier entries with it. From then
# on server 5 cannot win an election: a majority has a log more up to date than its.
> log 1: 1 2 term=3 commit=1
  1: preloaded log of 2 entries, term=3 vote=0 commit=1
> log 2: 1 term=3 commit=1
  2: preloaded log of 1 entries, term=3 vote=0 commit=1
> log 3: 1 term=3 vote=5 commit=1
  3: preloaded log of 1 entries, term=3 vote=5 commit=1
> log 4: 1 term=3 vote=5 commit=1
  4: preloaded log of 1 entries, term=3 vote=5 commit=1
> log 5: 1 3 term=3 vote=5 commit=1
  5: preloaded log of 2 entries, term=3 vote=5 commit=1
> add-nodes 5
  1: follower term=3 leader=0 commit=1 last=2 voters=1,2,3,4,5 learners=-
  2: follower term=3 leader=0 commit=1 last=1 voters=1,2,3,4,5 learners=-
  3: follower term=3 leader=0 commit=1 last=1 voters=1,2,3,4,5 learners=-
  4: follower term=3 leader=0 commit=1 last=1 voters=1,2,3,4,5 learners=-
  5: follower term=3 leader=0 commit=1 last=2 voters=1,2,3,4,5 learners=-
# Server 5 is unreachable while 1 is elected and replicates.
> campaign 1
  1 became pre-candidate at term 3
> stabilize 1 2 3 4
  > 1 handling Ready
    soft state: role=pre-candidate leader=0
    messages:
      1->2 pre-vote term=4 logTerm=2 index=2
      1->3 pre-vote term=4 logTerm=2 index=2
      1->4 pre-vote term=4 logTerm=2 index=2
      1->5 pre-vote term=4 logTerm=2 index=2
  > delivering messages to 2
    1->2 pre-vote term=4 logTerm=2 index=2
  > delivering messages to 3
    1->3 pre-vote term=4 logTerm=2 index=2
  > delivering messages to 4
    1->4 pre-vote term=4 logTerm=2 index=2
  > 2 handling Ready
    messages:
      2->1 pre-vote-resp term=4
  > 3 handling Ready
    messages:
      3->1 pre-vote-resp term=4
  > 4 handling Ready
    messages:
      4->1 pre-vote-resp term=4
  > delivering messages to 1
    2->1 pre-vote-resp term=4
    3->1 pre-vote-resp term=4
      1 became candidate at term 4
    4->1 pre-vote-resp term=4
  > 1 handling Ready
    soft state: role=candidate leader=0
    hard state: term=4 vote=1 commit=1
    must sync
    messages:
      1->2 vote term=4 logTerm=2 index=2
      1->3 vote term=4 logTerm=2 index=2
      1->4 vote term=4 logTerm=2 index=2
      1->5 vote term=4 logTerm=2 index=2
  > delivering messages to 2
    1->2 vote term=4 logTerm=2 index=2
      2 moved to term 4 as follower
  > delivering messages to 3
    1->3 vote term=4 logTerm=2 index=2
      3 moved to term 4 as follower
  > delivering messages to 4
    1->4 vote term=4 logTerm=2 index=2
      4 moved to term 4 as follower
  > 2 handling Ready
    hard state: term=4 vote=1 commit=1
    must sync
    messages:
      2->1 vote-resp term=4
  > 3 handling Ready
    hard state: term=4 vote=1 commit=1
    must sync
    messages:
      3->1 vote-resp term=4
  > 4 handling Ready
    hard state: term=4 vote=1 commit=1
    must sync
    messages:
      4->1 vote-resp term=4
  > delivering messages to 1
    2->1 vote-resp term=4
    3->1 vote-resp term=4
      1 became leader at term 4
    4->1 vote-resp term=4
  > 1 handling Ready
    soft state: role=leader leader=1
    entries: 4/3 normal ""
    must sync
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=4 logTerm=2 index=2 commit=1 entries=[4/3 normal ""]
      1->3 append term=4 logTerm=2 index=2 commit=1 entries=[4/3 normal ""]
      1->4 append term=4 logTerm=2 index=2 commit=1 entries=[4/3 normal ""]
      1->5 append term=4 logTerm=2 index=2 commit=1 entries=[4/3 normal ""]
  > delivering messages to 2
    1->2 append term=4 logTerm=2 index=2 commit=1 entries=[4/3 normal ""]
  > delivering messages to 3
    1->3 append term=4 logTerm=2 index=2 commit=1 entries=[4/3 normal ""]
  > delivering messages to 4
    1->4 append term=4 logTerm=2 index=2 commit=1 entries=[4/3 normal ""]
  > 2 handling Ready
    soft state: role=follower leader=1
    messages:
      2->1 append-resp term=4 logTerm=1 index=2 reject rejectHint=1
  > 3 handling Ready
    soft state: role=follower leader=1
    messages:
      3->1 append-resp term=4 logTerm=1 index=2 reject rejectHint=1
  > 4 handling Ready
    soft state: role=follower leader=1
    messages:
      4->1 append-resp term=4 logTerm=1 index=2 reject rejectHint=1
  > delivering messages to 1
    2->1 append-resp term=4 logTerm=1 index=2 reject rejectHint=1
    3->1 append-resp term=4 logTerm=1 index=2 reject rejectHint=1
    4->1 append-resp term=4 logTerm=1 index=2 reject rejectHint=1
  > 1 handling Ready
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=4 logTerm=1 index=1 commit=1 entries=[2/2 normal "", 4/3 normal ""]
      1->3 append term=4 logTerm=1 index=1 commit=1 entries=[2/2 normal "", 4/3 normal ""]
      1->4 append term=4 logTerm=1 index=1 commit=1 entries=[2/2 normal "", 4/3 normal ""]
  > delivering messages to 2
    1->2 append term=4 logTerm=1 index=1 commit=1 entries=[2/2 normal "", 4/3 normal ""]
  > delivering messages to 3
    1->3 append term=4 logTerm=1 index=1 commit=1 entries=[2/2 normal "", 4/3 normal ""]
  > delivering messages to 4
    1->4 append term=4 logTerm=1 index=1 commit=1 entries=[2/2 normal "", 4/3 normal ""]
  > 2 handling Ready
    entries: 2/2 normal "", 4/3 normal ""
    must sync
    messages:
      2->1 append-resp term=4 index=3
  > 3 handling Ready
    entries: 2/2 normal "", 4/3 normal ""
    must sync
    messages:
      3->1 append-resp term=4 index=3
  > 4 handling Ready
    entries: 2/2 normal "", 4/3 normal ""
    must sync
    messages:
      4->1 append-resp term=4 index=3
  > delivering messages to 1
    2->1 append-resp term=4 index=3
    3->1 append-resp term=4 index=3
    4->1 append-resp term=4 index=3
  > 1 handling Ready
    hard state: term=4 vote=1 commit=3
    committed: 2/2 normal "", 4/3 normal ""
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=4 logTerm=4 index=3 commit=3
      1->3 append term=4 logTerm=4 index=3 commit=3
      1->4 append term=4 logTerm=4 index=3 commit=3
  > delivering messages to 2
    1->2 append term=4 logTerm=4 index=3 commit=3
  > delivering messages to 3
    1->3 append term=4 logTerm=4 index=3 commit=3
  > delivering messages to 4
    1->4 append term=4 logTerm=4 index=3 commit=3
  > 2 handling Ready
    hard state: term=4 vote=1 commit=3
    committed: 2/2 normal "", 4/3 normal ""
    messages:
      2->1 append-resp term=4 index=3
  > 3 handling Ready
    hard state: term=4 vote=1 commit=3
    committed: 2/2 normal "", 4/3 normal ""
    messages:
      3->1 append-resp term=4 index=3
  > 4 handling Ready
    hard state: term=4 vote=1 commit=3
    committed: 2/2 normal "", 4/3 normal ""
    messages:
      4->1 append-resp term=4 index=3
  > delivering messages to 1
    2->1 append-resp term=4 index=3
    3->1 append-resp term=4 index=3
    4->1 append-resp term=4 index=3
> deliver-msgs drop=5
  1->5 pre-vote term=4 logTerm=2 index=2 DROPPED (by the script)
  1->5 vote term=4 logTerm=2 index=2 DROPPED (by the script)
  1->5 append term=4 logTerm=2 index=2 commit=1 entries=[4/3 normal ""] DROPPED (by the script)
> assert-status 1 role=leader term=4 commit=3
  ok: 1 role=leader
  ok: 1 term=4
  ok: 1 commit=3
> assert-log 2 1 2 4
  ok: 2 log terms from 1: 1 2 4
> assert-log 3 1 2 4
  ok: 3 log terms from 1: 1 2 4
> assert-log 4 1 2 4
  ok: 4 log terms from 1: 1 2 4
# Server 1 crashes. 2 and 3 stop hearing from it for an election timeout (their leases on it
# run out); 4 still counts on it.
> crash 1
  1 crashed: its unpersisted state is lost; messages to it will be dropped
> tick 2 10
  2 ticked 10 times
> tick 3 10
  3 ticked 10 times
# 5's first pre-vote (term 4) is refused by members that voted for 1 in term 4, and teaches 5
# term 4; its second (term 5) is refused by 2 and 3 for its log: their last entry (term 4) is
# more recent than 5's (term 3). 4, in its lease, ignores it. 5 cannot win.
> campaign 5
  5 became pre-candidate at term 3
> stabilize 2 3 4 5
  > 5 handling Ready
    soft state: role=pre-candidate leader=0
    messages:
      5->1 pre-vote term=4 logTerm=3 index=2
      5->2 pre-vote term=4 logTerm=3 index=2
      5->3 pre-vote term=4 logTerm=3 index=2
      5->4 pre-vote term=4 logTerm=3 index=2
  > delivering messages to 2
    5->2 pre-vote term=4 logTerm=3 index=2
  > delivering messages to 3
    5->3 pre-vote term=4 logTerm=3 index=2
  > delivering messages to 4
    5->4 pre-vote term=4 logTerm=3 index=2
  > 2 handling Ready
    messages:
      2->5 pre-vote-resp term=4 reject
  > 3 handling Ready
    messages:
      3->5 pre-vote-resp term=4 reject
  > 4 handling Ready
    messages:
      4->5 pre-vote-resp term=4 reject
  > delivering messages to 5
    2->5 pre-vote-resp term=4 reject
      5 became follower at term 4
    3->5 pre-vote-resp term=4 reject
    4->5 pre-vote-resp term=4 reject
  > 5 handling Ready
    soft state: role=follower leader=0
    hard state: term=4 vote=0 commit=1
    must sync
> campaign 5
  5 became pre-candidate at term 4
> stabilize 2 3 4 5
  > 5 handling Ready
    soft state: role=pre-candidate leader=0
    messages:
      5->1 pre-vote term=5 logTerm=3 index=2
      5->2 pre-vote term=5 logTerm=3 index=2
      5->3 pre-vote term=5 logTerm=3 index=2
      5->4 pre-vote term=5 logTerm=3 index=2
  > delivering messages to 2
    5->2 pre-vote term=5 logTerm=3 index=2
  > delivering messages to 3
    5->3 pre-vote term=5 logTerm=3 index=2
  > delivering messages to 4
    5->4 pre-vote term=5 logTerm=3 index=2
  > 2 handling Ready
    messages:
      2->5 pre-vote-resp term=4 reject
  > 3 handling Ready
    messages:
      3->5 pre-vote-resp term=4 reject
  > delivering messages to 5
    2->5 pre-vote-resp term=4 reject
    3->5 pre-vote-resp term=4 reject
> assert-status 5 role=pre-candidate term=4
  ok: 5 role=pre-candidate
  ok: 5 term=4
# 2 runs the next election and keeps the committed entries; 5's entry 3/2 is replaced.
> campaign 2
  2 became pre-candidate at term 4
> stabilize 2 3 4 5
  > 2 handling Ready
    soft state: role=pre-candidate leader=0
    messages:
      2->1 pre-vote term=5 logTerm=4 index=3
      2->3 pre-vote term=5 logTerm=4 index=3
      2->4 pre-vote term=5 logTerm=4 index=3
      2->5 pre-vote term=5 logTerm=4 index=3
  > delivering messages to 3
    2->3 pre-vote term=5 logTerm=4 index=3
  > delivering messages to 4
    2->4 pre-vote term=5 logTerm=4 index=3
  > delivering messages to 5
    2->5 pre-vote term=5 logTerm=4 index=3
  > 3 handling Ready
    messages:
      3->2 pre-vote-resp term=5
  > 5 handling Ready
    messages:
      5->2 pre-vote-resp term=5
  > delivering messages to 2
    3->2 pre-vote-resp term=5
    5->2 pre-vote-resp term=5
      2 became candidate at term 5
  > 2 handling Ready
    soft state: role=candidate leader=0
    hard state: term=5 vote=2 commit=3
    must sync
    messages:
      2->1 vote term=5 logTerm=4 index=3
      2->3 vote term=5 logTerm=4 index=3
      2->4 vote term=5 logTerm=4 index=3
      2->5 vote term=5 logTerm=4 index=3
  > delivering messages to 3
    2->3 vote term=5 logTerm=4 index=3
      3 moved to term 5 as follower
  > delivering messages to 4
    2->4 vote term=5 logTerm=4 index=3
  > delivering messages to 5
    2->5 vote term=5 logTerm=4 index=3
      5 became follower at term 5
  > 3 handling Ready
    soft state: role=follower leader=0
    hard state: term=5 vote=2 commit=3
    must sync
    messages:
      3->2 vote-resp term=5
  > 5 handling Ready
    soft state: role=follower leader=0
    hard state: term=5 vote=2 commit=1
    must sync
    messages:
      5->2 vote-resp term=5
  > delivering messages to 2
    3->2 vote-resp term=5
    5->2 vote-resp term=5
      2 became leader at term 5
  > 2 handling Ready
    soft state: role=leader leader=2
    entries: 5/4 normal ""
    must sync
    leader messages (sent in parallel with the leader's own write):
      2->1 append term=5 logTerm=4 index=3 commit=3 entries=[5/4 normal ""]
      2->3 append term=5 logTerm=4 index=3 commit=3 entries=[5/4 normal ""]
      2->4 append term=5 logTerm=4 index=3 commit=3 entries=[5/4 normal ""]
      2->5 append term=5 logTerm=4 index=3 commit=3 entries=[5/4 normal ""]
  > delivering messages to 3
    2->3 append term=5 logTerm=4 index=3 commit=3 entries=[5/4 normal ""]
  > delivering messages to 4
    2->4 append term=5 logTerm=4 index=3 commit=3 entries=[5/4 normal ""]
      4 moved to term 5 as follower
  > delivering messages to 5
    2->5 append term=5 logTerm=4 index=3 commit=3 entries=[5/4 normal ""]
  > 3 handling Ready
    soft state: role=follower leader=2
    entries: 5/4 normal ""
    must sync
    messages:
      3->2 append-resp term=5 index=4
  > 4 handling Ready
    soft state: role=follower leader=2
    hard state: term=5 vote=0 commit=3
    entries: 5/4 normal ""
    must sync
    messages:
      4->2 append-resp term=5 index=4
  > 5 handling Ready
    soft state: role=follower leader=2
    messages:
      5->2 append-resp term=5 logTerm=3 index=3 reject rejectHint=2
  > delivering messages to 2
    3->2 append-resp term=5 index=4
    4->2 append-resp term=5 index=4
    5->2 append-resp term=5 logTerm=3 index=3 reject rejectHint=2
  > 2 handling Ready
    hard state: term=5 vote=2 commit=4
    committed: 5/4 normal ""
    leader messages (sent in parallel with the leader's own write):
      2->3 append term=5 logTerm=5 index=4 commit=4
      2->4 append term=5 logTerm=5 index=4 commit=4
      2->5 append term=5 logTerm=2 index=2 commit=4 entries=[4/3 normal "", 5/4 normal ""]
  > delivering messages to 3
    2->3 append term=5 logTerm=5 index=4 commit=4
  > delivering messages to 4
    2->4 append term=5 logTerm=5 index=4 commit=4
  > delivering messages to 5
    2->5 append term=5 logTerm=2 index=2 commit=4 entries=[4/3 normal "", 5/4 normal ""]
  > 3 handling Ready
    hard state: term=5 vote=2 commit=4
    committed: 5/4 normal ""
    messages:
      3->2 append-resp term=5 index=4
  > 4 handling Ready
    hard state: term=5 vote=0 commit=4
    committed: 5/4 normal ""
    messages:
      4->2 append-resp term=5 index=4
  > 5 handling Ready
    messages:
      5->2 append-resp term=5 logTerm=1 index=2 reject rejectHint=1
  > delivering messages to 2
    3->2 append-resp term=5 index=4
    4->2 append-resp term=5 index=4
    5->2 append-resp term=5 logTerm=1 index=2 reject rejectHint=1
  > 2 handling Ready
    leader messages (sent in parallel with the leader's own write):
      2->5 append term=5 logTerm=1 index=1 commit=4 entries=[2/2 normal "", 4/3 normal "", 5/4 normal ""]
  > delivering messages to 5
    2->5 append term=5 logTerm=1 index=1 commit=4 entries=[2/2 normal "", 4/3 normal "", 5/4 normal ""]
  > 5 handling Ready
    hard state: term=5 vote=2 commit=4
    entries: 2/2 normal "", 4/3 normal "", 5/4 normal ""
    committed: 2/2 normal "", 4/3 normal "", 5/4 normal ""
    must sync
    messages:
      5->2 append-resp term=5 index=4
  > delivering messages to 2
    5->2 append-resp term=5 index=4
> assert-status 2 role=leader term=5 commit=4
  ok: 2 role=leader
  ok: 2 term=5
  ok: 2 commit=4
> assert-status 5 role=follower term=5 leader=2
  ok: 5 role=follower
  ok: 5 term=5
  ok: 5 leader=2
> assert-log 5 1 2 4 5
  ok: 5 log terms from 1: 1 2 4 5

`

exports[`test/raft-interaction.test.ts > TAP > joiner-learns-membership > trace 1`] = `
# A member that joins later starts with no membership at all and learns it from the leader's
# log, whose first entry is the founding membership (as in etcd-io/raft's bootstrap). After
# \`add-learner 4\` and \`add-voter 4\` it knows the cluster is {1, 2, 3, 4}; cut off, it cannot
# elect itself. (Found by this script: it used to believe the cluster was {4} alone, elect
# itself and commit on its own.)
> add-nodes 3
  1: follower term=0 leader=0 commit=1 last=1 voters=1,2,3 learners=-
  2: follower term=0 leader=0 commit=1 last=1 voters=1,2,3 learners=-
  3: follower term=0 leader=0 commit=1 last=1 voters=1,2,3 learners=-
> campaign 1
  1 became pre-candidate at term 0
> stabilize
  > 1 handling Ready
    soft state: role=pre-candidate leader=0
    hard state: term=0 vote=0 commit=1
    entries: 0/1 conf bootstrap voters=1,2,3 learners=-
    committed: 0/1 conf bootstrap voters=1,2,3 learners=-
    must sync
    messages:
      1->2 pre-vote term=1 logTerm=0 index=1
      1->3 pre-vote term=1 logTerm=0 index=1
  > 2 handling Ready
    hard state: term=0 vote=0 commit=1
    entries: 0/1 conf bootstrap voters=1,2,3 learners=-
    committed: 0/1 conf bootstrap voters=1,2,3 learners=-
    must sync
  > 3 handling Ready
    hard state: term=0 vote=0 commit=1
    entries: 0/1 conf bootstrap voters=1,2,3 learners=-
    committed: 0/1 conf bootstrap voters=1,2,3 learners=-
    must sync
  > delivering messages to 2
    1->2 pre-vote term=1 logTerm=0 index=1
  > delivering messages to 3
    1->3 pre-vote term=1 logTerm=0 index=1
  > 2 handling Ready
    messages:
      2->1 pre-vote-resp term=1
  > 3 handling Ready
    messages:
      3->1 pre-vote-resp term=1
  > delivering messages to 1
    2->1 pre-vote-resp term=1
      1 became candidate at term 1
    3->1 pre-vote-resp term=1
  > 1 handling Ready
    soft state: role=candidate leader=0
    hard state: term=1 vote=1 commit=1
    must sync
    messages:
      1->2 vote term=1 logTerm=0 index=1
      1->3 vote term=1 logTerm=0 index=1
  > delivering messages to 2
    1->2 vote term=1 logTerm=0 index=1
      2 moved to term 1 as follower
  > delivering messages to 3
    1->3 vote term=1 logTerm=0 index=1
      3 moved to term 1 as follower
  > 2 handling Ready
    hard state: term=1 vote=1 commit=1
    must sync
    messages:
      2->1 vote-resp term=1
  > 3 handling Ready
    hard state: term=1 vote=1 commit=1
    must sync
    messages:
      3->1 vote-resp term=1
  > delivering messages to 1
    2->1 vote-resp term=1
      1 became leader at term 1
    3->1 vote-resp term=1
  > 1 handling Ready
    soft state: role=leader leader=1
    entries: 1/2 normal ""
    must sync
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
      1->3 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
  > delivering messages to 2
    1->2 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
  > delivering messages to 3
    1->3 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
  > 2 handling Ready
    soft state: role=follower leader=1
    entries: 1/2 normal ""
    must sync
    messages:
      2->1 append-resp term=1 index=2
  > 3 handling Ready
    soft state: role=follower leader=1
    entries: 1/2 normal ""
    must sync
    messages:
      3->1 append-resp term=1 index=2
  > delivering messages to 1
    2->1 append-resp term=1 index=2
    3->1 append-resp term=1 index=2
  > 1 handling Ready
    hard state: term=1 vote=1 commit=2
    committed: 1/2 normal ""
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=1 index=2 commit=2
      1->3 append term=1 logTerm=1 index=2 commit=2
  > delivering messages to 2
    1->2 append term=1 logTerm=1 index=2 commit=2
  > delivering messages to 3
    1->3 append term=1 logTerm=1 index=2 commit=2
  > 2 handling Ready
    hard state: term=1 vote=1 commit=2
    committed: 1/2 normal ""
    messages:
      2->1 append-resp term=1 index=2
  > 3 handling Ready
    hard state: term=1 vote=1 commit=2
    committed: 1/2 normal ""
    messages:
      3->1 append-resp term=1 index=2
  > delivering messages to 1
    2->1 append-resp term=1 index=2
    3->1 append-resp term=1 index=2
> add-nodes 1 voters= learners=
  4: follower term=0 leader=0 commit=0 last=0 voters=- learners=-
> propose-conf-change 1 add-learner 4
  proposed add-learner 4 at 1/3
> stabilize
  > 1 handling Ready
    entries: 1/3 conf add-learner 4
    must sync
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=1 index=2 commit=2 entries=[1/3 conf add-learner 4]
      1->3 append term=1 logTerm=1 index=2 commit=2 entries=[1/3 conf add-learner 4]
  > delivering messages to 2
    1->2 append term=1 logTerm=1 index=2 commit=2 entries=[1/3 conf add-learner 4]
  > delivering messages to 3
    1->3 append term=1 logTerm=1 index=2 commit=2 entries=[1/3 conf add-learner 4]
  > 2 handling Ready
    entries: 1/3 conf add-learner 4
    must sync
    messages:
      2->1 append-resp term=1 index=3
  > 3 handling Ready
    entries: 1/3 conf add-learner 4
    must sync
    messages:
      3->1 append-resp term=1 index=3
  > delivering messages to 1
    2->1 append-resp term=1 index=3
    3->1 append-resp term=1 index=3
  > 1 handling Ready
    hard state: term=1 vote=1 commit=3
    committed: 1/3 conf add-learner 4
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=1 index=3 commit=3
      1->3 append term=1 logTerm=1 index=3 commit=3
  > delivering messages to 2
    1->2 append term=1 logTerm=1 index=3 commit=3
  > delivering messages to 3
    1->3 append term=1 logTerm=1 index=3 commit=3
  > 2 handling Ready
    hard state: term=1 vote=1 commit=3
    committed: 1/3 conf add-learner 4
    messages:
      2->1 append-resp term=1 index=3
  > 3 handling Ready
    hard state: term=1 vote=1 commit=3
    committed: 1/3 conf add-learner 4
    messages:
      3->1 append-resp term=1 index=3
  > delivering messages to 1
    2->1 append-resp term=1 index=3
    3->1 append-resp term=1 index=3
> tick-heartbeat 1
  1 ticked 1 time
> stabilize
  > 1 handling Ready
    leader messages (sent in parallel with the leader's own write):
      1->2 heartbeat term=1 commit=3 readSeq=1
      1->3 heartbeat term=1 commit=3 readSeq=1
      1->4 heartbeat term=1 readSeq=1
  > delivering messages to 2
    1->2 heartbeat term=1 commit=3 readSeq=1
  > delivering messages to 3
    1->3 heartbeat term=1 commit=3 readSeq=1
  > delivering messages to 4
    1->4 heartbeat term=1 readSeq=1
      4 moved to term 1 as follower
  > 2 handling Ready
    messages:
      2->1 heartbeat-resp term=1 readSeq=1
  > 3 handling Ready
    messages:
      3->1 heartbeat-resp term=1 readSeq=1
  > 4 handling Ready
    soft state: role=follower leader=1
    hard state: term=1 vote=0 commit=0
    must sync
    messages:
      4->1 heartbeat-resp term=1 readSeq=1
  > delivering messages to 1
    2->1 heartbeat-resp term=1 readSeq=1
    3->1 heartbeat-resp term=1 readSeq=1
    4->1 heartbeat-resp term=1 readSeq=1
  > 1 handling Ready
    leader messages (sent in parallel with the leader's own write):
      1->4 append term=1 logTerm=1 index=3 commit=3
  > delivering messages to 4
    1->4 append term=1 logTerm=1 index=3 commit=3
  > 4 handling Ready
    messages:
      4->1 append-resp term=1 index=3 reject rejectHint=0
  > delivering messages to 1
    4->1 append-resp term=1 index=3 reject rejectHint=0
  > 1 handling Ready
    leader messages (sent in parallel with the leader's own write):
      1->4 append term=1 logTerm=0 index=0 commit=3 entries=[0/1 conf bootstrap voters=1,2,3 learners=-, 1/2 normal "", 1/3 conf add-learner 4]
  > delivering messages to 4
    1->4 append term=1 logTerm=0 index=0 commit=3 entries=[0/1 conf bootstrap voters=1,2,3 learners=-, 1/2 normal "", 1/3 conf add-learner 4]
  > 4 handling Ready
    hard state: term=1 vote=0 commit=3
    entries: 0/1 conf bootstrap voters=1,2,3 learners=-, 1/2 normal "", 1/3 conf add-learner 4
    committed: 0/1 conf bootstrap voters=1,2,3 learners=-, 1/2 normal "", 1/3 conf add-learner 4
    must sync
    messages:
      4->1 append-resp term=1 index=3
  > delivering messages to 1
    4->1 append-resp term=1 index=3
> propose-conf-change 1 add-voter 4
  proposed add-voter 4 at 1/4
> stabilize
  > 1 handling Ready
    entries: 1/4 conf add-voter 4
    must sync
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=1 index=3 commit=3 entries=[1/4 conf add-voter 4]
      1->3 append term=1 logTerm=1 index=3 commit=3 entries=[1/4 conf add-voter 4]
      1->4 append term=1 logTerm=1 index=3 commit=3 entries=[1/4 conf add-voter 4]
  > delivering messages to 2
    1->2 append term=1 logTerm=1 index=3 commit=3 entries=[1/4 conf add-voter 4]
  > delivering messages to 3
    1->3 append term=1 logTerm=1 index=3 commit=3 entries=[1/4 conf add-voter 4]
  > delivering messages to 4
    1->4 append term=1 logTerm=1 index=3 commit=3 entries=[1/4 conf add-voter 4]
  > 2 handling Ready
    entries: 1/4 conf add-voter 4
    must sync
    messages:
      2->1 append-resp term=1 index=4
  > 3 handling Ready
    entries: 1/4 conf add-voter 4
    must sync
    messages:
      3->1 append-resp term=1 index=4
  > 4 handling Ready
    entries: 1/4 conf add-voter 4
    must sync
    messages:
      4->1 append-resp term=1 index=4
  > delivering messages to 1
    2->1 append-resp term=1 index=4
    3->1 append-resp term=1 index=4
    4->1 append-resp term=1 index=4
  > 1 handling Ready
    hard state: term=1 vote=1 commit=4
    committed: 1/4 conf add-voter 4
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=1 index=4 commit=4
      1->3 append term=1 logTerm=1 index=4 commit=4
      1->4 append term=1 logTerm=1 index=4 commit=4
  > delivering messages to 2
    1->2 append term=1 logTerm=1 index=4 commit=4
  > delivering messages to 3
    1->3 append term=1 logTerm=1 index=4 commit=4
  > delivering messages to 4
    1->4 append term=1 logTerm=1 index=4 commit=4
  > 2 handling Ready
    hard state: term=1 vote=1 commit=4
    committed: 1/4 conf add-voter 4
    messages:
      2->1 append-resp term=1 index=4
  > 3 handling Ready
    hard state: term=1 vote=1 commit=4
    committed: 1/4 conf add-voter 4
    messages:
      3->1 append-resp term=1 index=4
  > 4 handling Ready
    hard state: term=1 vote=0 commit=4
    committed: 1/4 conf add-voter 4
    messages:
      4->1 append-resp term=1 index=4
  > delivering messages to 1
    2->1 append-resp term=1 index=4
    3->1 append-resp term=1 index=4
    4->1 append-resp term=1 index=4
  > 1 handling Ready
    leader messages (sent in parallel with the leader's own write):
      1->4 append term=1 logTerm=1 index=4 commit=4
  > delivering messages to 4
    1->4 append term=1 logTerm=1 index=4 commit=4
  > 4 handling Ready
    messages:
      4->1 append-resp term=1 index=4
  > delivering messages to 1
    4->1 append-resp term=1 index=4
> status 4
  4: follower term=1 leader=1 commit=4 last=4 voters=1,2,3,4 learners=- vote=0 applied=4 log=1..4
> assert-status 4 voters=1,2,3,4 learners=
  ok: 4 voters=1,2,3,4
  ok: 4 learners=-
# Cut off from the others, 4 campaigns but cannot win alone; a proposal to it is refused.
> partition 1 2 3 | 4
  partitioned: {1 2 3} {4}
> tick-election 4
  4 became pre-candidate at term 1
  4 ticked 10 times
> stabilize 4
  > 4 handling Ready
    soft state: role=pre-candidate leader=0
    messages:
      4->1 pre-vote term=2 logTerm=1 index=4 DROPPED (partition)
      4->2 pre-vote term=2 logTerm=1 index=4 DROPPED (partition)
      4->3 pre-vote term=2 logTerm=1 index=4 DROPPED (partition)
> propose 4 alone
  error KEEL_NOT_LEADER: this member is not the leader
> assert-error KEEL_NOT_LEADER
  ok: last error KEEL_NOT_LEADER
> assert-status 4 role=pre-candidate term=1
  ok: 4 role=pre-candidate
  ok: 4 term=1
> assert-applied 4
  ok: 4 applied: 

`

exports[`test/raft-interaction.test.ts > TAP > leadership-transfer > trace 1`] = `
# Leadership transfer (Raft thesis 3.10): the leader stops taking proposals, brings the
# transferee's log up to date, and sends it timeout-now; the transferee campaigns at once
# (no pre-vote, and its vote request overrides the followers' CheckQuorum lease).
> add-nodes 3
  1: follower term=0 leader=0 commit=1 last=1 voters=1,2,3 learners=-
  2: follower term=0 leader=0 commit=1 last=1 voters=1,2,3 learners=-
  3: follower term=0 leader=0 commit=1 last=1 voters=1,2,3 learners=-
> campaign 1
  1 became pre-candidate at term 0
> stabilize
  > 1 handling Ready
    soft state: role=pre-candidate leader=0
    hard state: term=0 vote=0 commit=1
    entries: 0/1 conf bootstrap voters=1,2,3 learners=-
    committed: 0/1 conf bootstrap voters=1,2,3 learners=-
    must sync
    messages:
      1->2 pre-vote term=1 logTerm=0 index=1
      1->3 pre-vote term=1 logTerm=0 index=1
  > 2 handling Ready
    hard state: term=0 vote=0 commit=1
    entries: 0/1 conf bootstrap voters=1,2,3 learners=-
    committed: 0/1 conf bootstrap voters=1,2,3 learners=-
    must sync
  > 3 handling Ready
    hard state: term=0 vote=0 commit=1
    entries: 0/1 conf bootstrap voters=1,2,3 learners=-
    committed: 0/1 conf bootstrap voters=1,2,3 learners=-
    must sync
  > delivering messages to 2
    1->2 pre-vote term=1 logTerm=0 index=1
  > delivering messages to 3
    1->3 pre-vote term=1 logTerm=0 index=1
  > 2 handling Ready
    messages:
      2->1 pre-vote-resp term=1
  > 3 handling Ready
    messages:
      3->1 pre-vote-resp term=1
  > delivering messages to 1
    2->1 pre-vote-resp term=1
      1 became candidate at term 1
    3->1 pre-vote-resp term=1
  > 1 handling Ready
    soft state: role=candidate leader=0
    hard state: term=1 vote=1 commit=1
    must sync
    messages:
      1->2 vote term=1 logTerm=0 index=1
      1->3 vote term=1 logTerm=0 index=1
  > delivering messages to 2
    1->2 vote term=1 logTerm=0 index=1
      2 moved to term 1 as follower
  > delivering messages to 3
    1->3 vote term=1 logTerm=0 index=1
      3 moved to term 1 as follower
  > 2 handling Ready
    hard state: term=1 vote=1 commit=1
    must sync
    messages:
      2->1 vote-resp term=1
  > 3 handling Ready
    hard state: term=1 vote=1 commit=1
    must sync
    messages:
      3->1 vote-resp term=1
  > delivering messages to 1
    2->1 vote-resp term=1
      1 became leader at term 1
    3->1 vote-resp term=1
  > 1 handling Ready
    soft state: role=leader leader=1
    entries: 1/2 normal ""
    must sync
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
      1->3 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
  > delivering messages to 2
    1->2 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
  > delivering messages to 3
    1->3 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
  > 2 handling Ready
    soft state: role=follower leader=1
    entries: 1/2 normal ""
    must sync
    messages:
      2->1 append-resp term=1 index=2
  > 3 handling Ready
    soft state: role=follower leader=1
    entries: 1/2 normal ""
    must sync
    messages:
      3->1 append-resp term=1 index=2
  > delivering messages to 1
    2->1 append-resp term=1 index=2
    3->1 append-resp term=1 index=2
  > 1 handling Ready
    hard state: term=1 vote=1 commit=2
    committed: 1/2 normal ""
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=1 index=2 commit=2
      1->3 append term=1 logTerm=1 index=2 commit=2
  > delivering messages to 2
    1->2 append term=1 logTerm=1 index=2 commit=2
  > delivering messages to 3
    1->3 append term=1 logTerm=1 index=2 commit=2
  > 2 handling Ready
    hard state: term=1 vote=1 commit=2
    committed: 1/2 normal ""
    messages:
      2->1 append-resp term=1 index=2
  > 3 handling Ready
    hard state: term=1 vote=1 commit=2
    committed: 1/2 normal ""
    messages:
      3->1 append-resp term=1 index=2
  > delivering messages to 1
    2->1 append-resp term=1 index=2
    3->1 append-resp term=1 index=2
> propose 1 a
  proposed "a" at 1/3
> stabilize
  > 1 handling Ready
    entries: 1/3 normal "a"
    must sync
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=1 index=2 commit=2 entries=[1/3 normal "a"]
      1->3 append term=1 logTerm=1 index=2 commit=2 entries=[1/3 normal "a"]
  > delivering messages to 2
    1->2 append term=1 logTerm=1 index=2 commit=2 entries=[1/3 normal "a"]
  > delivering messages to 3
    1->3 append term=1 logTerm=1 index=2 commit=2 entries=[1/3 normal "a"]
  > 2 handling Ready
    entries: 1/3 normal "a"
    must sync
    messages:
      2->1 append-resp term=1 index=3
  > 3 handling Ready
    entries: 1/3 normal "a"
    must sync
    messages:
      3->1 append-resp term=1 index=3
  > delivering messages to 1
    2->1 append-resp term=1 index=3
    3->1 append-resp term=1 index=3
  > 1 handling Ready
    hard state: term=1 vote=1 commit=3
    committed: 1/3 normal "a"
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=1 index=3 commit=3
      1->3 append term=1 logTerm=1 index=3 commit=3
  > delivering messages to 2
    1->2 append term=1 logTerm=1 index=3 commit=3
  > delivering messages to 3
    1->3 append term=1 logTerm=1 index=3 commit=3
  > 2 handling Ready
    hard state: term=1 vote=1 commit=3
    committed: 1/3 normal "a"
    messages:
      2->1 append-resp term=1 index=3
  > 3 handling Ready
    hard state: term=1 vote=1 commit=3
    committed: 1/3 normal "a"
    messages:
      3->1 append-resp term=1 index=3
  > delivering messages to 1
    2->1 append-resp term=1 index=3
    3->1 append-resp term=1 index=3
> transfer-leadership 1 2
> assert-status 1 transferee=2
  ok: 1 transferee=2
# Proposals are refused while the transfer is in flight.
> propose 1 refused
  error KEEL_TRANSFER_IN_PROGRESS: leadership is being transferred to member 2; proposals are refused until it ends
> assert-error KEEL_TRANSFER_IN_PROGRESS
  ok: last error KEEL_TRANSFER_IN_PROGRESS
> stabilize
  > 1 handling Ready
    leader messages (sent in parallel with the leader's own write):
      1->2 timeout-now term=1
  > delivering messages to 2
    1->2 timeout-now term=1
      2 became candidate at term 2
  > 2 handling Ready
    soft state: role=candidate leader=0
    hard state: term=2 vote=2 commit=3
    must sync
    messages:
      2->1 vote term=2 logTerm=1 index=3 transfer
      2->3 vote term=2 logTerm=1 index=3 transfer
  > delivering messages to 1
    2->1 vote term=2 logTerm=1 index=3 transfer
      1 became follower at term 2
  > delivering messages to 3
    2->3 vote term=2 logTerm=1 index=3 transfer
      3 moved to term 2 as follower
  > 1 handling Ready
    soft state: role=follower leader=0
    hard state: term=2 vote=2 commit=3
    must sync
    messages:
      1->2 vote-resp term=2
  > 3 handling Ready
    soft state: role=follower leader=0
    hard state: term=2 vote=2 commit=3
    must sync
    messages:
      3->2 vote-resp term=2
  > delivering messages to 2
    1->2 vote-resp term=2
      2 became leader at term 2
    3->2 vote-resp term=2
  > 2 handling Ready
    soft state: role=leader leader=2
    entries: 2/4 normal ""
    must sync
    leader messages (sent in parallel with the leader's own write):
      2->1 append term=2 logTerm=1 index=3 commit=3 entries=[2/4 normal ""]
      2->3 append term=2 logTerm=1 index=3 commit=3 entries=[2/4 normal ""]
  > delivering messages to 1
    2->1 append term=2 logTerm=1 index=3 commit=3 entries=[2/4 normal ""]
  > delivering messages to 3
    2->3 append term=2 logTerm=1 index=3 commit=3 entries=[2/4 normal ""]
  > 1 handling Ready
    soft state: role=follower leader=2
    entries: 2/4 normal ""
    must sync
    messages:
      1->2 append-resp term=2 index=4
  > 3 handling Ready
    soft state: role=follower leader=2
    entries: 2/4 normal ""
    must sync
    messages:
      3->2 append-resp term=2 index=4
  > delivering messages to 2
    1->2 append-resp term=2 index=4
    3->2 append-resp term=2 index=4
  > 2 handling Ready
    hard state: term=2 vote=2 commit=4
    committed: 2/4 normal ""
    leader messages (sent in parallel with the leader's own write):
      2->1 append term=2 logTerm=2 index=4 commit=4
      2->3 append term=2 logTerm=2 index=4 commit=4
  > delivering messages to 1
    2->1 append term=2 logTerm=2 index=4 commit=4
  > delivering messages to 3
    2->3 append term=2 logTerm=2 index=4 commit=4
  > 1 handling Ready
    hard state: term=2 vote=2 commit=4
    committed: 2/4 normal ""
    messages:
      1->2 append-resp term=2 index=4
  > 3 handling Ready
    hard state: term=2 vote=2 commit=4
    committed: 2/4 normal ""
    messages:
      3->2 append-resp term=2 index=4
  > delivering messages to 2
    1->2 append-resp term=2 index=4
    3->2 append-resp term=2 index=4
> assert-status 2 role=leader term=2 leader=2
  ok: 2 role=leader
  ok: 2 term=2
  ok: 2 leader=2
> assert-status 1 role=follower term=2 leader=2 transferee=0
  ok: 1 role=follower
  ok: 1 term=2
  ok: 1 leader=2
  ok: 1 transferee=0
> assert-status 3 role=follower term=2 leader=2
  ok: 3 role=follower
  ok: 3 term=2
  ok: 3 leader=2
> propose 2 b
  proposed "b" at 2/5
> stabilize
  > 2 handling Ready
    entries: 2/5 normal "b"
    must sync
    leader messages (sent in parallel with the leader's own write):
      2->1 append term=2 logTerm=2 index=4 commit=4 entries=[2/5 normal "b"]
      2->3 append term=2 logTerm=2 index=4 commit=4 entries=[2/5 normal "b"]
  > delivering messages to 1
    2->1 append term=2 logTerm=2 index=4 commit=4 entries=[2/5 normal "b"]
  > delivering messages to 3
    2->3 append term=2 logTerm=2 index=4 commit=4 entries=[2/5 normal "b"]
  > 1 handling Ready
    entries: 2/5 normal "b"
    must sync
    messages:
      1->2 append-resp term=2 index=5
  > 3 handling Ready
    entries: 2/5 normal "b"
    must sync
    messages:
      3->2 append-resp term=2 index=5
  > delivering messages to 2
    1->2 append-resp term=2 index=5
    3->2 append-resp term=2 index=5
  > 2 handling Ready
    hard state: term=2 vote=2 commit=5
    committed: 2/5 normal "b"
    leader messages (sent in parallel with the leader's own write):
      2->1 append term=2 logTerm=2 index=5 commit=5
      2->3 append term=2 logTerm=2 index=5 commit=5
  > delivering messages to 1
    2->1 append term=2 logTerm=2 index=5 commit=5
  > delivering messages to 3
    2->3 append term=2 logTerm=2 index=5 commit=5
  > 1 handling Ready
    hard state: term=2 vote=2 commit=5
    committed: 2/5 normal "b"
    messages:
      1->2 append-resp term=2 index=5
  > 3 handling Ready
    hard state: term=2 vote=2 commit=5
    committed: 2/5 normal "b"
    messages:
      3->2 append-resp term=2 index=5
  > delivering messages to 2
    1->2 append-resp term=2 index=5
    3->2 append-resp term=2 index=5
> assert-applied 3 a b
  ok: 3 applied: a b
# A transfer to a follower that is behind: the leader first catches it up, then times it out.
> partition 1 2 | 3
  partitioned: {1 2} {3}
> propose 2 c
  proposed "c" at 2/6
> propose 2 d
  proposed "d" at 2/7
> stabilize
  > 2 handling Ready
    entries: 2/6 normal "c", 2/7 normal "d"
    must sync
    leader messages (sent in parallel with the leader's own write):
      2->1 append term=2 logTerm=2 index=5 commit=5 entries=[2/6 normal "c", 2/7 normal "d"]
      2->3 append term=2 logTerm=2 index=5 commit=5 entries=[2/6 normal "c", 2/7 normal "d"] DROPPED (partition)
  > delivering messages to 1
    2->1 append term=2 logTerm=2 index=5 commit=5 entries=[2/6 normal "c", 2/7 normal "d"]
  > 1 handling Ready
    entries: 2/6 normal "c", 2/7 normal "d"
    must sync
    messages:
      1->2 append-resp term=2 index=7
  > delivering messages to 2
    1->2 append-resp term=2 index=7
  > 2 handling Ready
    hard state: term=2 vote=2 commit=7
    committed: 2/6 normal "c", 2/7 normal "d"
    leader messages (sent in parallel with the leader's own write):
      2->1 append term=2 logTerm=2 index=7 commit=7
  > delivering messages to 1
    2->1 append term=2 logTerm=2 index=7 commit=7
  > 1 handling Ready
    hard state: term=2 vote=2 commit=7
    committed: 2/6 normal "c", 2/7 normal "d"
    messages:
      1->2 append-resp term=2 index=7
  > delivering messages to 2
    1->2 append-resp term=2 index=7
> heal
  healed: every node reaches every other
> transfer-leadership 2 3
> stabilize
  > 2 handling Ready
    leader messages (sent in parallel with the leader's own write):
      2->3 append term=2 logTerm=2 index=7 commit=7
  > delivering messages to 3
    2->3 append term=2 logTerm=2 index=7 commit=7
  > 3 handling Ready
    messages:
      3->2 append-resp term=2 logTerm=2 index=7 reject rejectHint=5
  > delivering messages to 2
    3->2 append-resp term=2 logTerm=2 index=7 reject rejectHint=5
  > 2 handling Ready
    leader messages (sent in parallel with the leader's own write):
      2->3 append term=2 logTerm=2 index=5 commit=7 entries=[2/6 normal "c", 2/7 normal "d"]
  > delivering messages to 3
    2->3 append term=2 logTerm=2 index=5 commit=7 entries=[2/6 normal "c", 2/7 normal "d"]
  > 3 handling Ready
    hard state: term=2 vote=2 commit=7
    entries: 2/6 normal "c", 2/7 normal "d"
    committed: 2/6 normal "c", 2/7 normal "d"
    must sync
    messages:
      3->2 append-resp term=2 index=7
  > delivering messages to 2
    3->2 append-resp term=2 index=7
  > 2 handling Ready
    leader messages (sent in parallel with the leader's own write):
      2->3 timeout-now term=2
  > delivering messages to 3
    2->3 timeout-now term=2
      3 became candidate at term 3
  > 3 handling Ready
    soft state: role=candidate leader=0
    hard state: term=3 vote=3 commit=7
    must sync
    messages:
      3->1 vote term=3 logTerm=2 index=7 transfer
      3->2 vote term=3 logTerm=2 index=7 transfer
  > delivering messages to 1
    3->1 vote term=3 logTerm=2 index=7 transfer
      1 moved to term 3 as follower
  > delivering messages to 2
    3->2 vote term=3 logTerm=2 index=7 transfer
      2 became follower at term 3
  > 1 handling Ready
    soft state: role=follower leader=0
    hard state: term=3 vote=3 commit=7
    must sync
    messages:
      1->3 vote-resp term=3
  > 2 handling Ready
    soft state: role=follower leader=0
    hard state: term=3 vote=3 commit=7
    must sync
    messages:
      2->3 vote-resp term=3
  > delivering messages to 3
    1->3 vote-resp term=3
      3 became leader at term 3
    2->3 vote-resp term=3
  > 3 handling Ready
    soft state: role=leader leader=3
    entries: 3/8 normal ""
    must sync
    leader messages (sent in parallel with the leader's own write):
      3->1 append term=3 logTerm=2 index=7 commit=7 entries=[3/8 normal ""]
      3->2 append term=3 logTerm=2 index=7 commit=7 entries=[3/8 normal ""]
  > delivering messages to 1
    3->1 append term=3 logTerm=2 index=7 commit=7 entries=[3/8 normal ""]
  > delivering messages to 2
    3->2 append term=3 logTerm=2 index=7 commit=7 entries=[3/8 normal ""]
  > 1 handling Ready
    soft state: role=follower leader=3
    entries: 3/8 normal ""
    must sync
    messages:
      1->3 append-resp term=3 index=8
  > 2 handling Ready
    soft state: role=follower leader=3
    entries: 3/8 normal ""
    must sync
    messages:
      2->3 append-resp term=3 index=8
  > delivering messages to 3
    1->3 append-resp term=3 index=8
    2->3 append-resp term=3 index=8
  > 3 handling Ready
    hard state: term=3 vote=3 commit=8
    committed: 3/8 normal ""
    leader messages (sent in parallel with the leader's own write):
      3->1 append term=3 logTerm=3 index=8 commit=8
      3->2 append term=3 logTerm=3 index=8 commit=8
  > delivering messages to 1
    3->1 append term=3 logTerm=3 index=8 commit=8
  > delivering messages to 2
    3->2 append term=3 logTerm=3 index=8 commit=8
  > 1 handling Ready
    hard state: term=3 vote=3 commit=8
    committed: 3/8 normal ""
    messages:
      1->3 append-resp term=3 index=8
  > 2 handling Ready
    hard state: term=3 vote=3 commit=8
    committed: 3/8 normal ""
    messages:
      2->3 append-resp term=3 index=8
  > delivering messages to 3
    1->3 append-resp term=3 index=8
    2->3 append-resp term=3 index=8
# (8 is 3's no-op.)
> assert-status 3 role=leader term=3 commit=8
  ok: 3 role=leader
  ok: 3 term=3
  ok: 3 commit=8
> assert-applied 3 a b c d
  ok: 3 applied: a b c d
# A transfer that cannot finish (the transferee is cut off) is abandoned after an election
# timeout, and the leader takes proposals again.
> partition 1 3 | 2
  partitioned: {1 3} {2}
> transfer-leadership 3 2
> propose 3 refused
  error KEEL_TRANSFER_IN_PROGRESS: leadership is being transferred to member 2; proposals are refused until it ends
> assert-error KEEL_TRANSFER_IN_PROGRESS
  ok: last error KEEL_TRANSFER_IN_PROGRESS
> tick 3 10
  3 ticked 10 times
> assert-status 3 role=leader transferee=0
  ok: 3 role=leader
  ok: 3 transferee=0
> propose 3 e
  proposed "e" at 3/9
> stabilize 1 3
  > 3 handling Ready
    entries: 3/9 normal "e"
    must sync
    leader messages (sent in parallel with the leader's own write):
      3->2 timeout-now term=3 DROPPED (partition)
      3->1 heartbeat term=3 commit=8 readSeq=1
      3->2 heartbeat term=3 commit=8 readSeq=1 DROPPED (partition)
      3->1 heartbeat term=3 commit=8 readSeq=2
      3->2 heartbeat term=3 commit=8 readSeq=2 DROPPED (partition)
      3->1 heartbeat term=3 commit=8 readSeq=3
      3->2 heartbeat term=3 commit=8 readSeq=3 DROPPED (partition)
      3->1 heartbeat term=3 commit=8 readSeq=4
      3->2 heartbeat term=3 commit=8 readSeq=4 DROPPED (partition)
      3->1 heartbeat term=3 commit=8 readSeq=5
      3->2 heartbeat term=3 commit=8 readSeq=5 DROPPED (partition)
      3->1 heartbeat term=3 commit=8 readSeq=6
      3->2 heartbeat term=3 commit=8 readSeq=6 DROPPED (partition)
      3->1 heartbeat term=3 commit=8 readSeq=7
      3->2 heartbeat term=3 commit=8 readSeq=7 DROPPED (partition)
      3->1 heartbeat term=3 commit=8 readSeq=8
      3->2 heartbeat term=3 commit=8 readSeq=8 DROPPED (partition)
      3->1 heartbeat term=3 commit=8 readSeq=9
      3->2 heartbeat term=3 commit=8 readSeq=9 DROPPED (partition)
      3->1 heartbeat term=3 commit=8 readSeq=10
      3->2 heartbeat term=3 commit=8 readSeq=10 DROPPED (partition)
      3->1 append term=3 logTerm=3 index=8 commit=8 entries=[3/9 normal "e"]
      3->2 append term=3 logTerm=3 index=8 commit=8 entries=[3/9 normal "e"] DROPPED (partition)
  > delivering messages to 1
    3->1 heartbeat term=3 commit=8 readSeq=1
    3->1 heartbeat term=3 commit=8 readSeq=2
    3->1 heartbeat term=3 commit=8 readSeq=3
    3->1 heartbeat term=3 commit=8 readSeq=4
    3->1 heartbeat term=3 commit=8 readSeq=5
    3->1 heartbeat term=3 commit=8 readSeq=6
    3->1 heartbeat term=3 commit=8 readSeq=7
    3->1 heartbeat term=3 commit=8 readSeq=8
    3->1 heartbeat term=3 commit=8 readSeq=9
    3->1 heartbeat term=3 commit=8 readSeq=10
    3->1 append term=3 logTerm=3 index=8 commit=8 entries=[3/9 normal "e"]
  > 1 handling Ready
    entries: 3/9 normal "e"
    must sync
    messages:
      1->3 heartbeat-resp term=3 readSeq=1
      1->3 heartbeat-resp term=3 readSeq=2
      1->3 heartbeat-resp term=3 readSeq=3
      1->3 heartbeat-resp term=3 readSeq=4
      1->3 heartbeat-resp term=3 readSeq=5
      1->3 heartbeat-resp term=3 readSeq=6
      1->3 heartbeat-resp term=3 readSeq=7
      1->3 heartbeat-resp term=3 readSeq=8
      1->3 heartbeat-resp term=3 readSeq=9
      1->3 heartbeat-resp term=3 readSeq=10
      1->3 append-resp term=3 index=9
  > delivering messages to 3
    1->3 heartbeat-resp term=3 readSeq=1
    1->3 heartbeat-resp term=3 readSeq=2
    1->3 heartbeat-resp term=3 readSeq=3
    1->3 heartbeat-resp term=3 readSeq=4
    1->3 heartbeat-resp term=3 readSeq=5
    1->3 heartbeat-resp term=3 readSeq=6
    1->3 heartbeat-resp term=3 readSeq=7
    1->3 heartbeat-resp term=3 readSeq=8
    1->3 heartbeat-resp term=3 readSeq=9
    1->3 heartbeat-resp term=3 readSeq=10
    1->3 append-resp term=3 index=9
  > 3 handling Ready
    hard state: term=3 vote=3 commit=9
    committed: 3/9 normal "e"
    leader messages (sent in parallel with the leader's own write):
      3->1 append term=3 logTerm=3 index=9 commit=8
      3->1 append term=3 logTerm=3 index=9 commit=8
      3->1 append term=3 logTerm=3 index=9 commit=8
      3->1 append term=3 logTerm=3 index=9 commit=8
      3->1 append term=3 logTerm=3 index=9 commit=8
      3->1 append term=3 logTerm=3 index=9 commit=8
      3->1 append term=3 logTerm=3 index=9 commit=8
      3->1 append term=3 logTerm=3 index=9 commit=8
      3->1 append term=3 logTerm=3 index=9 commit=8
      3->1 append term=3 logTerm=3 index=9 commit=8
      3->1 append term=3 logTerm=3 index=9 commit=9
  > delivering messages to 1
    3->1 append term=3 logTerm=3 index=9 commit=8
    3->1 append term=3 logTerm=3 index=9 commit=8
    3->1 append term=3 logTerm=3 index=9 commit=8
    3->1 append term=3 logTerm=3 index=9 commit=8
    3->1 append term=3 logTerm=3 index=9 commit=8
    3->1 append term=3 logTerm=3 index=9 commit=8
    3->1 append term=3 logTerm=3 index=9 commit=8
    3->1 append term=3 logTerm=3 index=9 commit=8
    3->1 append term=3 logTerm=3 index=9 commit=8
    3->1 append term=3 logTerm=3 index=9 commit=8
    3->1 append term=3 logTerm=3 index=9 commit=9
  > 1 handling Ready
    hard state: term=3 vote=3 commit=9
    committed: 3/9 normal "e"
    messages:
      1->3 append-resp term=3 index=9
      1->3 append-resp term=3 index=9
      1->3 append-resp term=3 index=9
      1->3 append-resp term=3 index=9
      1->3 append-resp term=3 index=9
      1->3 append-resp term=3 index=9
      1->3 append-resp term=3 index=9
      1->3 append-resp term=3 index=9
      1->3 append-resp term=3 index=9
      1->3 append-resp term=3 index=9
      1->3 append-resp term=3 index=9
  > delivering messages to 3
    1->3 append-resp term=3 index=9
    1->3 append-resp term=3 index=9
    1->3 append-resp term=3 index=9
    1->3 append-resp term=3 index=9
    1->3 append-resp term=3 index=9
    1->3 append-resp term=3 index=9
    1->3 append-resp term=3 index=9
    1->3 append-resp term=3 index=9
    1->3 append-resp term=3 index=9
    1->3 append-resp term=3 index=9
    1->3 append-resp term=3 index=9
> assert-status 3 commit=9
  ok: 3 commit=9
# A transfer to a non-member is refused.
> heal
  healed: every node reaches every other
> transfer-leadership 3 9
  error KEEL_TRANSFER_REFUSED: member 9 is not a voter
> assert-error KEEL_TRANSFER_REFUSED
  ok: last error KEEL_TRANSFER_REFUSED

`

exports[`test/raft-interaction.test.ts > TAP > membership > trace 1`] = `
# Single-server membership changes (Raft thesis 4.1/4.2.1): a new node joins as a learner
# (gets the log, does not vote), is promoted to voter once caught up, voters are removed one
# at a time, and a leader that removes itself steps down once the change is applied.
> add-nodes 3
  1: follower term=0 leader=0 commit=1 last=1 voters=1,2,3 learners=-
  2: follower term=0 leader=0 commit=1 last=1 voters=1,2,3 learners=-
  3: follower term=0 leader=0 commit=1 last=1 voters=1,2,3 learners=-
> campaign 1
  1 became pre-candidate at term 0
> stabilize
  > 1 handling Ready
    soft state: role=pre-candidate leader=0
    hard state: term=0 vote=0 commit=1
    entries: 0/1 conf bootstrap voters=1,2,3 learners=-
    committed: 0/1 conf bootstrap voters=1,2,3 learners=-
    must sync
    messages:
      1->2 pre-vote term=1 logTerm=0 index=1
      1->3 pre-vote term=1 logTerm=0 index=1
  > 2 handling Ready
    hard state: term=0 vote=0 commit=1
    entries: 0/1 conf bootstrap voters=1,2,3 learners=-
    committed: 0/1 conf bootstrap voters=1,2,3 learners=-
    must sync
  > 3 handling Ready
    hard state: term=0 vote=0 commit=1
    entries: 0/1 conf bootstrap voters=1,2,3 learners=-
    committed: 0/1 conf bootstrap voters=1,2,3 learners=-
    must sync
  > delivering messages to 2
    1->2 pre-vote term=1 logTerm=0 index=1
  > delivering messages to 3
    1->3 pre-vote term=1 logTerm=0 index=1
  > 2 handling Ready
    messages:
      2->1 pre-vote-resp term=1
  > 3 handling Ready
    messages:
      3->1 pre-vote-resp term=1
  > delivering messages to 1
    2->1 pre-vote-resp term=1
      1 became candidate at term 1
    3->1 pre-vote-resp term=1
  > 1 handling Ready
    soft state: role=candidate leader=0
    hard state: term=1 vote=1 commit=1
    must sync
    messages:
      1->2 vote term=1 logTerm=0 index=1
      1->3 vote term=1 logTerm=0 index=1
  > delivering messages to 2
    1->2 vote term=1 logTerm=0 index=1
      2 moved to term 1 as follower
  > delivering messages to 3
    1->3 vote term=1 logTerm=0 index=1
      3 moved to term 1 as follower
  > 2 handling Ready
    hard state: term=1 vote=1 commit=1
    must sync
    messages:
      2->1 vote-resp term=1
  > 3 handling Ready
    hard state: term=1 vote=1 commit=1
    must sync
    messages:
      3->1 vote-resp term=1
  > delivering messages to 1
    2->1 vote-resp term=1
      1 became leader at term 1
    3->1 vote-resp term=1
  > 1 handling Ready
    soft state: role=leader leader=1
    entries: 1/2 normal ""
    must sync
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
      1->3 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
  > delivering messages to 2
    1->2 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
  > delivering messages to 3
    1->3 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
  > 2 handling Ready
    soft state: role=follower leader=1
    entries: 1/2 normal ""
    must sync
    messages:
      2->1 append-resp term=1 index=2
  > 3 handling Ready
    soft state: role=follower leader=1
    entries: 1/2 normal ""
    must sync
    messages:
      3->1 append-resp term=1 index=2
  > delivering messages to 1
    2->1 append-resp term=1 index=2
    3->1 append-resp term=1 index=2
  > 1 handling Ready
    hard state: term=1 vote=1 commit=2
    committed: 1/2 normal ""
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=1 index=2 commit=2
      1->3 append term=1 logTerm=1 index=2 commit=2
  > delivering messages to 2
    1->2 append term=1 logTerm=1 index=2 commit=2
  > delivering messages to 3
    1->3 append term=1 logTerm=1 index=2 commit=2
  > 2 handling Ready
    hard state: term=1 vote=1 commit=2
    committed: 1/2 normal ""
    messages:
      2->1 append-resp term=1 index=2
  > 3 handling Ready
    hard state: term=1 vote=1 commit=2
    committed: 1/2 normal ""
    messages:
      3->1 append-resp term=1 index=2
  > delivering messages to 1
    2->1 append-resp term=1 index=2
    3->1 append-resp term=1 index=2
> propose 1 a
  proposed "a" at 1/3
> stabilize
  > 1 handling Ready
    entries: 1/3 normal "a"
    must sync
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=1 index=2 commit=2 entries=[1/3 normal "a"]
      1->3 append term=1 logTerm=1 index=2 commit=2 entries=[1/3 normal "a"]
  > delivering messages to 2
    1->2 append term=1 logTerm=1 index=2 commit=2 entries=[1/3 normal "a"]
  > delivering messages to 3
    1->3 append term=1 logTerm=1 index=2 commit=2 entries=[1/3 normal "a"]
  > 2 handling Ready
    entries: 1/3 normal "a"
    must sync
    messages:
      2->1 append-resp term=1 index=3
  > 3 handling Ready
    entries: 1/3 normal "a"
    must sync
    messages:
      3->1 append-resp term=1 index=3
  > delivering messages to 1
    2->1 append-resp term=1 index=3
    3->1 append-resp term=1 index=3
  > 1 handling Ready
    hard state: term=1 vote=1 commit=3
    committed: 1/3 normal "a"
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=1 index=3 commit=3
      1->3 append term=1 logTerm=1 index=3 commit=3
  > delivering messages to 2
    1->2 append term=1 logTerm=1 index=3 commit=3
  > delivering messages to 3
    1->3 append term=1 logTerm=1 index=3 commit=3
  > 2 handling Ready
    hard state: term=1 vote=1 commit=3
    committed: 1/3 normal "a"
    messages:
      2->1 append-resp term=1 index=3
  > 3 handling Ready
    hard state: term=1 vote=1 commit=3
    committed: 1/3 normal "a"
    messages:
      3->1 append-resp term=1 index=3
  > delivering messages to 1
    2->1 append-resp term=1 index=3
    3->1 append-resp term=1 index=3
# Node 4 starts empty, with no membership: it learns it from the leader's log, whose first
# entry is the founding membership. It waits to be contacted.
> add-nodes 1 voters= learners=
  4: follower term=0 leader=0 commit=0 last=0 voters=- learners=-
> propose-conf-change 1 add-learner 4
  proposed add-learner 4 at 1/4
> stabilize
  > 1 handling Ready
    entries: 1/4 conf add-learner 4
    must sync
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=1 index=3 commit=3 entries=[1/4 conf add-learner 4]
      1->3 append term=1 logTerm=1 index=3 commit=3 entries=[1/4 conf add-learner 4]
  > delivering messages to 2
    1->2 append term=1 logTerm=1 index=3 commit=3 entries=[1/4 conf add-learner 4]
  > delivering messages to 3
    1->3 append term=1 logTerm=1 index=3 commit=3 entries=[1/4 conf add-learner 4]
  > 2 handling Ready
    entries: 1/4 conf add-learner 4
    must sync
    messages:
      2->1 append-resp term=1 index=4
  > 3 handling Ready
    entries: 1/4 conf add-learner 4
    must sync
    messages:
      3->1 append-resp term=1 index=4
  > delivering messages to 1
    2->1 append-resp term=1 index=4
    3->1 append-resp term=1 index=4
  > 1 handling Ready
    hard state: term=1 vote=1 commit=4
    committed: 1/4 conf add-learner 4
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=1 index=4 commit=4
      1->3 append term=1 logTerm=1 index=4 commit=4
  > delivering messages to 2
    1->2 append term=1 logTerm=1 index=4 commit=4
  > delivering messages to 3
    1->3 append term=1 logTerm=1 index=4 commit=4
  > 2 handling Ready
    hard state: term=1 vote=1 commit=4
    committed: 1/4 conf add-learner 4
    messages:
      2->1 append-resp term=1 index=4
  > 3 handling Ready
    hard state: term=1 vote=1 commit=4
    committed: 1/4 conf add-learner 4
    messages:
      3->1 append-resp term=1 index=4
  > delivering messages to 1
    2->1 append-resp term=1 index=4
    3->1 append-resp term=1 index=4
# The leader reaches its new learner with its next heartbeat, and catches it up from index 1.
> tick-heartbeat 1
  1 ticked 1 time
> stabilize
  > 1 handling Ready
    leader messages (sent in parallel with the leader's own write):
      1->2 heartbeat term=1 commit=4 readSeq=1
      1->3 heartbeat term=1 commit=4 readSeq=1
      1->4 heartbeat term=1 readSeq=1
  > delivering messages to 2
    1->2 heartbeat term=1 commit=4 readSeq=1
  > delivering messages to 3
    1->3 heartbeat term=1 commit=4 readSeq=1
  > delivering messages to 4
    1->4 heartbeat term=1 readSeq=1
      4 moved to term 1 as follower
  > 2 handling Ready
    messages:
      2->1 heartbeat-resp term=1 readSeq=1
  > 3 handling Ready
    messages:
      3->1 heartbeat-resp term=1 readSeq=1
  > 4 handling Ready
    soft state: role=follower leader=1
    hard state: term=1 vote=0 commit=0
    must sync
    messages:
      4->1 heartbeat-resp term=1 readSeq=1
  > delivering messages to 1
    2->1 heartbeat-resp term=1 readSeq=1
    3->1 heartbeat-resp term=1 readSeq=1
    4->1 heartbeat-resp term=1 readSeq=1
  > 1 handling Ready
    leader messages (sent in parallel with the leader's own write):
      1->4 append term=1 logTerm=1 index=4 commit=4
  > delivering messages to 4
    1->4 append term=1 logTerm=1 index=4 commit=4
  > 4 handling Ready
    messages:
      4->1 append-resp term=1 index=4 reject rejectHint=0
  > delivering messages to 1
    4->1 append-resp term=1 index=4 reject rejectHint=0
  > 1 handling Ready
    leader messages (sent in parallel with the leader's own write):
      1->4 append term=1 logTerm=0 index=0 commit=4 entries=[0/1 conf bootstrap voters=1,2,3 learners=-, 1/2 normal "", 1/3 normal "a", 1/4 conf add-learner 4]
  > delivering messages to 4
    1->4 append term=1 logTerm=0 index=0 commit=4 entries=[0/1 conf bootstrap voters=1,2,3 learners=-, 1/2 normal "", 1/3 normal "a", 1/4 conf add-learner 4]
  > 4 handling Ready
    hard state: term=1 vote=0 commit=4
    entries: 0/1 conf bootstrap voters=1,2,3 learners=-, 1/2 normal "", 1/3 normal "a", 1/4 conf add-learner 4
    committed: 0/1 conf bootstrap voters=1,2,3 learners=-, 1/2 normal "", 1/3 normal "a", 1/4 conf add-learner 4
    must sync
    messages:
      4->1 append-resp term=1 index=4
  > delivering messages to 1
    4->1 append-resp term=1 index=4
> assert-status 1 voters=1,2,3 learners=4
  ok: 1 voters=1,2,3
  ok: 1 learners=4
> assert-status 4 role=follower voters=1,2,3 learners=4 commit=4
  ok: 4 role=follower
  ok: 4 voters=1,2,3
  ok: 4 learners=4
  ok: 4 commit=4
> assert-applied 4 a
  ok: 4 applied: a
# A learner does not campaign.
> campaign 4
> assert-status 4 role=follower term=1
  ok: 4 role=follower
  ok: 4 term=1
> propose-conf-change 1 add-voter 4
  proposed add-voter 4 at 1/5
# One change at a time: the next one is refused until this one is applied.
> propose-conf-change 1 remove 3
  error KEEL_CONF_CHANGE_IN_PROGRESS: a membership change at index 5 is not applied yet; one change at a time
> assert-error KEEL_CONF_CHANGE_IN_PROGRESS
  ok: last error KEEL_CONF_CHANGE_IN_PROGRESS
> stabilize
  > 1 handling Ready
    entries: 1/5 conf add-voter 4
    must sync
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=1 index=4 commit=4 entries=[1/5 conf add-voter 4]
      1->3 append term=1 logTerm=1 index=4 commit=4 entries=[1/5 conf add-voter 4]
      1->4 append term=1 logTerm=1 index=4 commit=4 entries=[1/5 conf add-voter 4]
  > delivering messages to 2
    1->2 append term=1 logTerm=1 index=4 commit=4 entries=[1/5 conf add-voter 4]
  > delivering messages to 3
    1->3 append term=1 logTerm=1 index=4 commit=4 entries=[1/5 conf add-voter 4]
  > delivering messages to 4
    1->4 append term=1 logTerm=1 index=4 commit=4 entries=[1/5 conf add-voter 4]
  > 2 handling Ready
    entries: 1/5 conf add-voter 4
    must sync
    messages:
      2->1 append-resp term=1 index=5
  > 3 handling Ready
    entries: 1/5 conf add-voter 4
    must sync
    messages:
      3->1 append-resp term=1 index=5
  > 4 handling Ready
    entries: 1/5 conf add-voter 4
    must sync
    messages:
      4->1 append-resp term=1 index=5
  > delivering messages to 1
    2->1 append-resp term=1 index=5
    3->1 append-resp term=1 index=5
    4->1 append-resp term=1 index=5
  > 1 handling Ready
    hard state: term=1 vote=1 commit=5
    committed: 1/5 conf add-voter 4
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=1 index=5 commit=5
      1->3 append term=1 logTerm=1 index=5 commit=5
      1->4 append term=1 logTerm=1 index=5 commit=5
  > delivering messages to 2
    1->2 append term=1 logTerm=1 index=5 commit=5
  > delivering messages to 3
    1->3 append term=1 logTerm=1 index=5 commit=5
  > delivering messages to 4
    1->4 append term=1 logTerm=1 index=5 commit=5
  > 2 handling Ready
    hard state: term=1 vote=1 commit=5
    committed: 1/5 conf add-voter 4
    messages:
      2->1 append-resp term=1 index=5
  > 3 handling Ready
    hard state: term=1 vote=1 commit=5
    committed: 1/5 conf add-voter 4
    messages:
      3->1 append-resp term=1 index=5
  > 4 handling Ready
    hard state: term=1 vote=0 commit=5
    committed: 1/5 conf add-voter 4
    messages:
      4->1 append-resp term=1 index=5
  > delivering messages to 1
    2->1 append-resp term=1 index=5
    3->1 append-resp term=1 index=5
    4->1 append-resp term=1 index=5
  > 1 handling Ready
    leader messages (sent in parallel with the leader's own write):
      1->4 append term=1 logTerm=1 index=5 commit=5
  > delivering messages to 4
    1->4 append term=1 logTerm=1 index=5 commit=5
  > 4 handling Ready
    messages:
      4->1 append-resp term=1 index=5
  > delivering messages to 1
    4->1 append-resp term=1 index=5
> assert-status 1 voters=1,2,3,4 learners=
  ok: 1 voters=1,2,3,4
  ok: 1 learners=-
> assert-status 4 voters=1,2,3,4 learners=
  ok: 4 voters=1,2,3,4
  ok: 4 learners=-
> propose-conf-change 1 remove 3
  proposed remove 3 at 1/6
> stabilize
  > 1 handling Ready
    entries: 1/6 conf remove 3
    must sync
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=1 index=5 commit=5 entries=[1/6 conf remove 3]
      1->3 append term=1 logTerm=1 index=5 commit=5 entries=[1/6 conf remove 3]
      1->4 append term=1 logTerm=1 index=5 commit=5 entries=[1/6 conf remove 3]
  > delivering messages to 2
    1->2 append term=1 logTerm=1 index=5 commit=5 entries=[1/6 conf remove 3]
  > delivering messages to 3
    1->3 append term=1 logTerm=1 index=5 commit=5 entries=[1/6 conf remove 3]
  > delivering messages to 4
    1->4 append term=1 logTerm=1 index=5 commit=5 entries=[1/6 conf remove 3]
  > 2 handling Ready
    entries: 1/6 conf remove 3
    must sync
    messages:
      2->1 append-resp term=1 index=6
  > 3 handling Ready
    entries: 1/6 conf remove 3
    must sync
    messages:
      3->1 append-resp term=1 index=6
  > 4 handling Ready
    entries: 1/6 conf remove 3
    must sync
    messages:
      4->1 append-resp term=1 index=6
  > delivering messages to 1
    2->1 append-resp term=1 index=6
    3->1 append-resp term=1 index=6
    4->1 append-resp term=1 index=6
  > 1 handling Ready
    hard state: term=1 vote=1 commit=6
    committed: 1/6 conf remove 3
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=1 index=6 commit=6
      1->3 append term=1 logTerm=1 index=6 commit=6
      1->4 append term=1 logTerm=1 index=6 commit=6
  > delivering messages to 2
    1->2 append term=1 logTerm=1 index=6 commit=6
  > delivering messages to 3
    1->3 append term=1 logTerm=1 index=6 commit=6
  > delivering messages to 4
    1->4 append term=1 logTerm=1 index=6 commit=6
  > 2 handling Ready
    hard state: term=1 vote=1 commit=6
    committed: 1/6 conf remove 3
    messages:
      2->1 append-resp term=1 index=6
  > 3 handling Ready
    hard state: term=1 vote=1 commit=6
    committed: 1/6 conf remove 3
    messages:
      3->1 append-resp term=1 index=6
  > 4 handling Ready
    hard state: term=1 vote=0 commit=6
    committed: 1/6 conf remove 3
    messages:
      4->1 append-resp term=1 index=6
  > delivering messages to 1
    2->1 append-resp term=1 index=6
    3->1 append-resp term=1 index=6
    4->1 append-resp term=1 index=6
> assert-status 1 voters=1,2,4
  ok: 1 voters=1,2,4
> assert-status 2 voters=1,2,4
  ok: 2 voters=1,2,4
> propose 1 b
  proposed "b" at 1/7
> stabilize
  > 1 handling Ready
    entries: 1/7 normal "b"
    must sync
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=1 index=6 commit=6 entries=[1/7 normal "b"]
      1->4 append term=1 logTerm=1 index=6 commit=6 entries=[1/7 normal "b"]
  > delivering messages to 2
    1->2 append term=1 logTerm=1 index=6 commit=6 entries=[1/7 normal "b"]
  > delivering messages to 4
    1->4 append term=1 logTerm=1 index=6 commit=6 entries=[1/7 normal "b"]
  > 2 handling Ready
    entries: 1/7 normal "b"
    must sync
    messages:
      2->1 append-resp term=1 index=7
  > 4 handling Ready
    entries: 1/7 normal "b"
    must sync
    messages:
      4->1 append-resp term=1 index=7
  > delivering messages to 1
    2->1 append-resp term=1 index=7
    4->1 append-resp term=1 index=7
  > 1 handling Ready
    hard state: term=1 vote=1 commit=7
    committed: 1/7 normal "b"
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=1 index=7 commit=7
      1->4 append term=1 logTerm=1 index=7 commit=7
  > delivering messages to 2
    1->2 append term=1 logTerm=1 index=7 commit=7
  > delivering messages to 4
    1->4 append term=1 logTerm=1 index=7 commit=7
  > 2 handling Ready
    hard state: term=1 vote=1 commit=7
    committed: 1/7 normal "b"
    messages:
      2->1 append-resp term=1 index=7
  > 4 handling Ready
    hard state: term=1 vote=0 commit=7
    committed: 1/7 normal "b"
    messages:
      4->1 append-resp term=1 index=7
  > delivering messages to 1
    2->1 append-resp term=1 index=7
    4->1 append-resp term=1 index=7
> assert-applied 4 a b
  ok: 4 applied: a b
# The leader removes itself: it steps down when the change is applied, and 2 and 4 elect a
# new leader among themselves.
> propose-conf-change 1 remove 1
  proposed remove 1 at 1/8
> stabilize
  > 1 handling Ready
    entries: 1/8 conf remove 1
    must sync
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=1 index=7 commit=7 entries=[1/8 conf remove 1]
      1->4 append term=1 logTerm=1 index=7 commit=7 entries=[1/8 conf remove 1]
  > delivering messages to 2
    1->2 append term=1 logTerm=1 index=7 commit=7 entries=[1/8 conf remove 1]
  > delivering messages to 4
    1->4 append term=1 logTerm=1 index=7 commit=7 entries=[1/8 conf remove 1]
  > 2 handling Ready
    entries: 1/8 conf remove 1
    must sync
    messages:
      2->1 append-resp term=1 index=8
  > 4 handling Ready
    entries: 1/8 conf remove 1
    must sync
    messages:
      4->1 append-resp term=1 index=8
  > delivering messages to 1
    2->1 append-resp term=1 index=8
    4->1 append-resp term=1 index=8
  > 1 handling Ready
    hard state: term=1 vote=1 commit=8
    committed: 1/8 conf remove 1
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=1 index=8 commit=8
      1->4 append term=1 logTerm=1 index=8 commit=8
    1 became follower at term 1
  > delivering messages to 2
    1->2 append term=1 logTerm=1 index=8 commit=8
  > delivering messages to 4
    1->4 append term=1 logTerm=1 index=8 commit=8
  > 1 handling Ready
    soft state: role=follower leader=0
  > 2 handling Ready
    hard state: term=1 vote=1 commit=8
    committed: 1/8 conf remove 1
    messages:
      2->1 append-resp term=1 index=8
  > 4 handling Ready
    hard state: term=1 vote=0 commit=8
    committed: 1/8 conf remove 1
    messages:
      4->1 append-resp term=1 index=8
  > delivering messages to 1
    2->1 append-resp term=1 index=8
    4->1 append-resp term=1 index=8
> assert-status 1 role=follower
  ok: 1 role=follower
> assert-status 2 voters=2,4
  ok: 2 voters=2,4
# 4 still counts on 1's lease and ignores 2's pre-vote; 4's own timer then fires and 2, a
# pre-candidate without a leader, grants it.
> tick-election 2
  2 became pre-candidate at term 1
  2 ticked 13 times
> stabilize 2 4
  > 2 handling Ready
    soft state: role=pre-candidate leader=0
    messages:
      2->4 pre-vote term=2 logTerm=1 index=8
  > delivering messages to 4
    2->4 pre-vote term=2 logTerm=1 index=8
> tick-election 4
  4 became pre-candidate at term 1
  4 ticked 10 times
> stabilize 2 4
  > 4 handling Ready
    soft state: role=pre-candidate leader=0
    messages:
      4->2 pre-vote term=2 logTerm=1 index=8
  > delivering messages to 2
    4->2 pre-vote term=2 logTerm=1 index=8
  > 2 handling Ready
    messages:
      2->4 pre-vote-resp term=2
  > delivering messages to 4
    2->4 pre-vote-resp term=2
      4 became candidate at term 2
  > 4 handling Ready
    soft state: role=candidate leader=0
    hard state: term=2 vote=4 commit=8
    must sync
    messages:
      4->2 vote term=2 logTerm=1 index=8
  > delivering messages to 2
    4->2 vote term=2 logTerm=1 index=8
      2 became follower at term 2
  > 2 handling Ready
    soft state: role=follower leader=0
    hard state: term=2 vote=4 commit=8
    must sync
    messages:
      2->4 vote-resp term=2
  > delivering messages to 4
    2->4 vote-resp term=2
      4 became leader at term 2
  > 4 handling Ready
    soft state: role=leader leader=4
    entries: 2/9 normal ""
    must sync
    leader messages (sent in parallel with the leader's own write):
      4->2 append term=2 logTerm=1 index=8 commit=8 entries=[2/9 normal ""]
  > delivering messages to 2
    4->2 append term=2 logTerm=1 index=8 commit=8 entries=[2/9 normal ""]
  > 2 handling Ready
    soft state: role=follower leader=4
    entries: 2/9 normal ""
    must sync
    messages:
      2->4 append-resp term=2 index=9
  > delivering messages to 4
    2->4 append-resp term=2 index=9
  > 4 handling Ready
    hard state: term=2 vote=4 commit=9
    committed: 2/9 normal ""
    leader messages (sent in parallel with the leader's own write):
      4->2 append term=2 logTerm=2 index=9 commit=9
  > delivering messages to 2
    4->2 append term=2 logTerm=2 index=9 commit=9
  > 2 handling Ready
    hard state: term=2 vote=4 commit=9
    committed: 2/9 normal ""
    messages:
      2->4 append-resp term=2 index=9
  > delivering messages to 4
    2->4 append-resp term=2 index=9
> assert-status 4 role=leader term=2 voters=2,4
  ok: 4 role=leader
  ok: 4 term=2
  ok: 4 voters=2,4
> propose 4 c
  proposed "c" at 2/10
> stabilize 2 4
  > 4 handling Ready
    entries: 2/10 normal "c"
    must sync
    leader messages (sent in parallel with the leader's own write):
      4->2 append term=2 logTerm=2 index=9 commit=9 entries=[2/10 normal "c"]
  > delivering messages to 2
    4->2 append term=2 logTerm=2 index=9 commit=9 entries=[2/10 normal "c"]
  > 2 handling Ready
    entries: 2/10 normal "c"
    must sync
    messages:
      2->4 append-resp term=2 index=10
  > delivering messages to 4
    2->4 append-resp term=2 index=10
  > 4 handling Ready
    hard state: term=2 vote=4 commit=10
    committed: 2/10 normal "c"
    leader messages (sent in parallel with the leader's own write):
      4->2 append term=2 logTerm=2 index=10 commit=10
  > delivering messages to 2
    4->2 append term=2 logTerm=2 index=10 commit=10
  > 2 handling Ready
    hard state: term=2 vote=4 commit=10
    committed: 2/10 normal "c"
    messages:
      2->4 append-resp term=2 index=10
  > delivering messages to 4
    2->4 append-resp term=2 index=10
> assert-applied 4 a b c
  ok: 4 applied: a b c

`

exports[`test/raft-interaction.test.ts > TAP > prevote > trace 1`] = `
# PreVote (Raft thesis 9.6): a node cut off from the cluster times out again and again, but its
# pre-votes never win, so its term does not grow; when it rejoins it cannot depose the leader.
> add-nodes 3
  1: follower term=0 leader=0 commit=1 last=1 voters=1,2,3 learners=-
  2: follower term=0 leader=0 commit=1 last=1 voters=1,2,3 learners=-
  3: follower term=0 leader=0 commit=1 last=1 voters=1,2,3 learners=-
> campaign 1
  1 became pre-candidate at term 0
> stabilize
  > 1 handling Ready
    soft state: role=pre-candidate leader=0
    hard state: term=0 vote=0 commit=1
    entries: 0/1 conf bootstrap voters=1,2,3 learners=-
    committed: 0/1 conf bootstrap voters=1,2,3 learners=-
    must sync
    messages:
      1->2 pre-vote term=1 logTerm=0 index=1
      1->3 pre-vote term=1 logTerm=0 index=1
  > 2 handling Ready
    hard state: term=0 vote=0 commit=1
    entries: 0/1 conf bootstrap voters=1,2,3 learners=-
    committed: 0/1 conf bootstrap voters=1,2,3 learners=-
    must sync
  > 3 handling Ready
    hard state: term=0 vote=0 commit=1
    entries: 0/1 conf bootstrap voters=1,2,3 learners=-
    committed: 0/1 conf bootstrap voters=1,2,3 learners=-
    must sync
  > delivering messages to 2
    1->2 pre-vote term=1 logTerm=0 index=1
  > delivering messages to 3
    1->3 pre-vote term=1 logTerm=0 index=1
  > 2 handling Ready
    messages:
      2->1 pre-vote-resp term=1
  > 3 handling Ready
    messages:
      3->1 pre-vote-resp term=1
  > delivering messages to 1
    2->1 pre-vote-resp term=1
      1 became candidate at term 1
    3->1 pre-vote-resp term=1
  > 1 handling Ready
    soft state: role=candidate leader=0
    hard state: term=1 vote=1 commit=1
    must sync
    messages:
      1->2 vote term=1 logTerm=0 index=1
      1->3 vote term=1 logTerm=0 index=1
  > delivering messages to 2
    1->2 vote term=1 logTerm=0 index=1
      2 moved to term 1 as follower
  > delivering messages to 3
    1->3 vote term=1 logTerm=0 index=1
      3 moved to term 1 as follower
  > 2 handling Ready
    hard state: term=1 vote=1 commit=1
    must sync
    messages:
      2->1 vote-resp term=1
  > 3 handling Ready
    hard state: term=1 vote=1 commit=1
    must sync
    messages:
      3->1 vote-resp term=1
  > delivering messages to 1
    2->1 vote-resp term=1
      1 became leader at term 1
    3->1 vote-resp term=1
  > 1 handling Ready
    soft state: role=leader leader=1
    entries: 1/2 normal ""
    must sync
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
      1->3 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
  > delivering messages to 2
    1->2 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
  > delivering messages to 3
    1->3 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
  > 2 handling Ready
    soft state: role=follower leader=1
    entries: 1/2 normal ""
    must sync
    messages:
      2->1 append-resp term=1 index=2
  > 3 handling Ready
    soft state: role=follower leader=1
    entries: 1/2 normal ""
    must sync
    messages:
      3->1 append-resp term=1 index=2
  > delivering messages to 1
    2->1 append-resp term=1 index=2
    3->1 append-resp term=1 index=2
  > 1 handling Ready
    hard state: term=1 vote=1 commit=2
    committed: 1/2 normal ""
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=1 index=2 commit=2
      1->3 append term=1 logTerm=1 index=2 commit=2
  > delivering messages to 2
    1->2 append term=1 logTerm=1 index=2 commit=2
  > delivering messages to 3
    1->3 append term=1 logTerm=1 index=2 commit=2
  > 2 handling Ready
    hard state: term=1 vote=1 commit=2
    committed: 1/2 normal ""
    messages:
      2->1 append-resp term=1 index=2
  > 3 handling Ready
    hard state: term=1 vote=1 commit=2
    committed: 1/2 normal ""
    messages:
      3->1 append-resp term=1 index=2
  > delivering messages to 1
    2->1 append-resp term=1 index=2
    3->1 append-resp term=1 index=2
> assert-status 1 role=leader term=1
  ok: 1 role=leader
  ok: 1 term=1
> partition 1 2 | 3
  partitioned: {1 2} {3}
> propose 1 during-partition
  proposed "during-partition" at 1/3
> stabilize
  > 1 handling Ready
    entries: 1/3 normal "during-partition"
    must sync
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=1 index=2 commit=2 entries=[1/3 normal "during-partition"]
      1->3 append term=1 logTerm=1 index=2 commit=2 entries=[1/3 normal "during-partition"] DROPPED (partition)
  > delivering messages to 2
    1->2 append term=1 logTerm=1 index=2 commit=2 entries=[1/3 normal "during-partition"]
  > 2 handling Ready
    entries: 1/3 normal "during-partition"
    must sync
    messages:
      2->1 append-resp term=1 index=3
  > delivering messages to 1
    2->1 append-resp term=1 index=3
  > 1 handling Ready
    hard state: term=1 vote=1 commit=3
    committed: 1/3 normal "during-partition"
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=1 index=3 commit=3
  > delivering messages to 2
    1->2 append term=1 logTerm=1 index=3 commit=3
  > 2 handling Ready
    hard state: term=1 vote=1 commit=3
    committed: 1/3 normal "during-partition"
    messages:
      2->1 append-resp term=1 index=3
  > delivering messages to 1
    2->1 append-resp term=1 index=3
> assert-status 1 commit=3
  ok: 1 commit=3
> assert-status 3 last=2
  ok: 3 last=2
# Node 3 times out twice: each time a pre-candidate at term 1, never a candidate.
> tick-election 3
  3 became pre-candidate at term 1
  3 ticked 17 times
> stabilize
  > 3 handling Ready
    soft state: role=pre-candidate leader=0
    messages:
      3->1 pre-vote term=2 logTerm=1 index=2 DROPPED (partition)
      3->2 pre-vote term=2 logTerm=1 index=2 DROPPED (partition)
> tick-election 3
  3 ticked 20 times
> stabilize
  > 3 handling Ready
    messages:
      3->1 pre-vote term=2 logTerm=1 index=2 DROPPED (partition)
      3->2 pre-vote term=2 logTerm=1 index=2 DROPPED (partition)
> assert-status 3 role=pre-candidate term=1
  ok: 3 role=pre-candidate
  ok: 3 term=1
# It rejoins and times out once more: 1 and 2 refuse its pre-vote (its log is behind, and
# they hear from their leader), so nobody's term moves.
> heal
  healed: every node reaches every other
> tick-election 3
  3 ticked 20 times
> stabilize
  > 3 handling Ready
    messages:
      3->1 pre-vote term=2 logTerm=1 index=2
      3->2 pre-vote term=2 logTerm=1 index=2
  > delivering messages to 1
    3->1 pre-vote term=2 logTerm=1 index=2
  > delivering messages to 2
    3->2 pre-vote term=2 logTerm=1 index=2
> assert-status 1 role=leader term=1
  ok: 1 role=leader
  ok: 1 term=1
> assert-status 2 role=follower term=1 leader=1
  ok: 2 role=follower
  ok: 2 term=1
  ok: 2 leader=1
# The leader's next heartbeat brings 3 back as a follower and catches it up.
> tick-heartbeat 1
  1 ticked 1 time
> stabilize
  > 1 handling Ready
    leader messages (sent in parallel with the leader's own write):
      1->2 heartbeat term=1 commit=3 readSeq=1
      1->3 heartbeat term=1 commit=2 readSeq=1
  > delivering messages to 2
    1->2 heartbeat term=1 commit=3 readSeq=1
  > delivering messages to 3
    1->3 heartbeat term=1 commit=2 readSeq=1
      3 became follower at term 1
  > 2 handling Ready
    messages:
      2->1 heartbeat-resp term=1 readSeq=1
  > 3 handling Ready
    soft state: role=follower leader=1
    messages:
      3->1 heartbeat-resp term=1 readSeq=1
  > delivering messages to 1
    2->1 heartbeat-resp term=1 readSeq=1
    3->1 heartbeat-resp term=1 readSeq=1
  > 1 handling Ready
    leader messages (sent in parallel with the leader's own write):
      1->3 append term=1 logTerm=1 index=3 commit=3
  > delivering messages to 3
    1->3 append term=1 logTerm=1 index=3 commit=3
  > 3 handling Ready
    messages:
      3->1 append-resp term=1 logTerm=1 index=3 reject rejectHint=2
  > delivering messages to 1
    3->1 append-resp term=1 logTerm=1 index=3 reject rejectHint=2
  > 1 handling Ready
    leader messages (sent in parallel with the leader's own write):
      1->3 append term=1 logTerm=1 index=2 commit=3 entries=[1/3 normal "during-partition"]
  > delivering messages to 3
    1->3 append term=1 logTerm=1 index=2 commit=3 entries=[1/3 normal "during-partition"]
  > 3 handling Ready
    hard state: term=1 vote=1 commit=3
    entries: 1/3 normal "during-partition"
    committed: 1/3 normal "during-partition"
    must sync
    messages:
      3->1 append-resp term=1 index=3
  > delivering messages to 1
    3->1 append-resp term=1 index=3
> assert-status 3 role=follower term=1 leader=1 commit=3
  ok: 3 role=follower
  ok: 3 term=1
  ok: 3 leader=1
  ok: 3 commit=3
> assert-applied 3 during-partition
  ok: 3 applied: during-partition

`

exports[`test/raft-interaction.test.ts > TAP > prevote-off > trace 1`] = `
# The same story with PreVote and CheckQuorum off, for contrast: the cut-off node bumps its
# term every time it times out, and when it rejoins its vote request deposes the healthy
# leader, which costs the cluster an election.
> add-nodes 3 prevote=false checkquorum=false
  1: follower term=0 leader=0 commit=1 last=1 voters=1,2,3 learners=-
  2: follower term=0 leader=0 commit=1 last=1 voters=1,2,3 learners=-
  3: follower term=0 leader=0 commit=1 last=1 voters=1,2,3 learners=-
> campaign 1
  1 became candidate at term 1
> stabilize
  > 1 handling Ready
    soft state: role=candidate leader=0
    hard state: term=1 vote=1 commit=1
    entries: 0/1 conf bootstrap voters=1,2,3 learners=-
    committed: 0/1 conf bootstrap voters=1,2,3 learners=-
    must sync
    messages:
      1->2 vote term=1 logTerm=0 index=1
      1->3 vote term=1 logTerm=0 index=1
  > 2 handling Ready
    hard state: term=0 vote=0 commit=1
    entries: 0/1 conf bootstrap voters=1,2,3 learners=-
    committed: 0/1 conf bootstrap voters=1,2,3 learners=-
    must sync
  > 3 handling Ready
    hard state: term=0 vote=0 commit=1
    entries: 0/1 conf bootstrap voters=1,2,3 learners=-
    committed: 0/1 conf bootstrap voters=1,2,3 learners=-
    must sync
  > delivering messages to 2
    1->2 vote term=1 logTerm=0 index=1
      2 moved to term 1 as follower
  > delivering messages to 3
    1->3 vote term=1 logTerm=0 index=1
      3 moved to term 1 as follower
  > 2 handling Ready
    hard state: term=1 vote=1 commit=1
    must sync
    messages:
      2->1 vote-resp term=1
  > 3 handling Ready
    hard state: term=1 vote=1 commit=1
    must sync
    messages:
      3->1 vote-resp term=1
  > delivering messages to 1
    2->1 vote-resp term=1
      1 became leader at term 1
    3->1 vote-resp term=1
  > 1 handling Ready
    soft state: role=leader leader=1
    entries: 1/2 normal ""
    must sync
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
      1->3 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
  > delivering messages to 2
    1->2 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
  > delivering messages to 3
    1->3 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
  > 2 handling Ready
    soft state: role=follower leader=1
    entries: 1/2 normal ""
    must sync
    messages:
      2->1 append-resp term=1 index=2
  > 3 handling Ready
    soft state: role=follower leader=1
    entries: 1/2 normal ""
    must sync
    messages:
      3->1 append-resp term=1 index=2
  > delivering messages to 1
    2->1 append-resp term=1 index=2
    3->1 append-resp term=1 index=2
  > 1 handling Ready
    hard state: term=1 vote=1 commit=2
    committed: 1/2 normal ""
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=1 index=2 commit=2
      1->3 append term=1 logTerm=1 index=2 commit=2
  > delivering messages to 2
    1->2 append term=1 logTerm=1 index=2 commit=2
  > delivering messages to 3
    1->3 append term=1 logTerm=1 index=2 commit=2
  > 2 handling Ready
    hard state: term=1 vote=1 commit=2
    committed: 1/2 normal ""
    messages:
      2->1 append-resp term=1 index=2
  > 3 handling Ready
    hard state: term=1 vote=1 commit=2
    committed: 1/2 normal ""
    messages:
      3->1 append-resp term=1 index=2
  > delivering messages to 1
    2->1 append-resp term=1 index=2
    3->1 append-resp term=1 index=2
> assert-status 1 role=leader term=1
  ok: 1 role=leader
  ok: 1 term=1
> partition 1 2 | 3
  partitioned: {1 2} {3}
> tick-election 3
  3 became candidate at term 2
  3 ticked 17 times
> stabilize
  > 3 handling Ready
    soft state: role=candidate leader=0
    hard state: term=2 vote=3 commit=2
    must sync
    messages:
      3->1 vote term=2 logTerm=1 index=2 DROPPED (partition)
      3->2 vote term=2 logTerm=1 index=2 DROPPED (partition)
> tick-election 3
  3 moved to term 3 as candidate
  3 ticked 19 times
> stabilize
  > 3 handling Ready
    hard state: term=3 vote=3 commit=2
    must sync
    messages:
      3->1 vote term=3 logTerm=1 index=2 DROPPED (partition)
      3->2 vote term=3 logTerm=1 index=2 DROPPED (partition)
> assert-status 3 role=candidate term=3
  ok: 3 role=candidate
  ok: 3 term=3
> heal
  healed: every node reaches every other
> tick-election 3
  3 moved to term 4 as candidate
  3 ticked 14 times
> stabilize
  > 3 handling Ready
    hard state: term=4 vote=3 commit=2
    must sync
    messages:
      3->1 vote term=4 logTerm=1 index=2
      3->2 vote term=4 logTerm=1 index=2
  > delivering messages to 1
    3->1 vote term=4 logTerm=1 index=2
      1 became follower at term 4
  > delivering messages to 2
    3->2 vote term=4 logTerm=1 index=2
      2 moved to term 4 as follower
  > 1 handling Ready
    soft state: role=follower leader=0
    hard state: term=4 vote=3 commit=2
    must sync
    messages:
      1->3 vote-resp term=4
  > 2 handling Ready
    soft state: role=follower leader=0
    hard state: term=4 vote=3 commit=2
    must sync
    messages:
      2->3 vote-resp term=4
  > delivering messages to 3
    1->3 vote-resp term=4
      3 became leader at term 4
    2->3 vote-resp term=4
  > 3 handling Ready
    soft state: role=leader leader=3
    entries: 4/3 normal ""
    must sync
    leader messages (sent in parallel with the leader's own write):
      3->1 append term=4 logTerm=1 index=2 commit=2 entries=[4/3 normal ""]
      3->2 append term=4 logTerm=1 index=2 commit=2 entries=[4/3 normal ""]
  > delivering messages to 1
    3->1 append term=4 logTerm=1 index=2 commit=2 entries=[4/3 normal ""]
  > delivering messages to 2
    3->2 append term=4 logTerm=1 index=2 commit=2 entries=[4/3 normal ""]
  > 1 handling Ready
    soft state: role=follower leader=3
    entries: 4/3 normal ""
    must sync
    messages:
      1->3 append-resp term=4 index=3
  > 2 handling Ready
    soft state: role=follower leader=3
    entries: 4/3 normal ""
    must sync
    messages:
      2->3 append-resp term=4 index=3
  > delivering messages to 3
    1->3 append-resp term=4 index=3
    2->3 append-resp term=4 index=3
  > 3 handling Ready
    hard state: term=4 vote=3 commit=3
    committed: 4/3 normal ""
    leader messages (sent in parallel with the leader's own write):
      3->1 append term=4 logTerm=4 index=3 commit=3
      3->2 append term=4 logTerm=4 index=3 commit=3
  > delivering messages to 1
    3->1 append term=4 logTerm=4 index=3 commit=3
  > delivering messages to 2
    3->2 append term=4 logTerm=4 index=3 commit=3
  > 1 handling Ready
    hard state: term=4 vote=3 commit=3
    committed: 4/3 normal ""
    messages:
      1->3 append-resp term=4 index=3
  > 2 handling Ready
    hard state: term=4 vote=3 commit=3
    committed: 4/3 normal ""
    messages:
      2->3 append-resp term=4 index=3
  > delivering messages to 3
    1->3 append-resp term=4 index=3
    2->3 append-resp term=4 index=3
# Node 1 saw term 4 and stepped down; 3's log was not behind, so a new election follows.
> assert-status 1 term=4
  ok: 1 term=4
> raft-state
  1: follower term=4 leader=3 commit=3 last=3 voters=1,2,3 learners=-
  2: follower term=4 leader=3 commit=3 last=3 voters=1,2,3 learners=-
  3: leader term=4 leader=3 commit=3 last=3 voters=1,2,3 learners=-

`

exports[`test/raft-interaction.test.ts > TAP > prevote-vote-respects-lease > trace 1`] = `
# After winning a pre-vote, a candidate's real vote requests are ordinary ones: only a
# leadership transfer's override CheckQuorum's lease. So a member that granted the pre-vote but
# has since heard from the leader again, and the healthy leader itself, ignore them, and the
# leader stays. (Found by this script: the vote after a pre-vote used to carry \`transfer\`.)
> add-nodes 3
  1: follower term=0 leader=0 commit=1 last=1 voters=1,2,3 learners=-
  2: follower term=0 leader=0 commit=1 last=1 voters=1,2,3 learners=-
  3: follower term=0 leader=0 commit=1 last=1 voters=1,2,3 learners=-
> campaign 1
  1 became pre-candidate at term 0
> stabilize
  > 1 handling Ready
    soft state: role=pre-candidate leader=0
    hard state: term=0 vote=0 commit=1
    entries: 0/1 conf bootstrap voters=1,2,3 learners=-
    committed: 0/1 conf bootstrap voters=1,2,3 learners=-
    must sync
    messages:
      1->2 pre-vote term=1 logTerm=0 index=1
      1->3 pre-vote term=1 logTerm=0 index=1
  > 2 handling Ready
    hard state: term=0 vote=0 commit=1
    entries: 0/1 conf bootstrap voters=1,2,3 learners=-
    committed: 0/1 conf bootstrap voters=1,2,3 learners=-
    must sync
  > 3 handling Ready
    hard state: term=0 vote=0 commit=1
    entries: 0/1 conf bootstrap voters=1,2,3 learners=-
    committed: 0/1 conf bootstrap voters=1,2,3 learners=-
    must sync
  > delivering messages to 2
    1->2 pre-vote term=1 logTerm=0 index=1
  > delivering messages to 3
    1->3 pre-vote term=1 logTerm=0 index=1
  > 2 handling Ready
    messages:
      2->1 pre-vote-resp term=1
  > 3 handling Ready
    messages:
      3->1 pre-vote-resp term=1
  > delivering messages to 1
    2->1 pre-vote-resp term=1
      1 became candidate at term 1
    3->1 pre-vote-resp term=1
  > 1 handling Ready
    soft state: role=candidate leader=0
    hard state: term=1 vote=1 commit=1
    must sync
    messages:
      1->2 vote term=1 logTerm=0 index=1
      1->3 vote term=1 logTerm=0 index=1
  > delivering messages to 2
    1->2 vote term=1 logTerm=0 index=1
      2 moved to term 1 as follower
  > delivering messages to 3
    1->3 vote term=1 logTerm=0 index=1
      3 moved to term 1 as follower
  > 2 handling Ready
    hard state: term=1 vote=1 commit=1
    must sync
    messages:
      2->1 vote-resp term=1
  > 3 handling Ready
    hard state: term=1 vote=1 commit=1
    must sync
    messages:
      3->1 vote-resp term=1
  > delivering messages to 1
    2->1 vote-resp term=1
      1 became leader at term 1
    3->1 vote-resp term=1
  > 1 handling Ready
    soft state: role=leader leader=1
    entries: 1/2 normal ""
    must sync
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
      1->3 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
  > delivering messages to 2
    1->2 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
  > delivering messages to 3
    1->3 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
  > 2 handling Ready
    soft state: role=follower leader=1
    entries: 1/2 normal ""
    must sync
    messages:
      2->1 append-resp term=1 index=2
  > 3 handling Ready
    soft state: role=follower leader=1
    entries: 1/2 normal ""
    must sync
    messages:
      3->1 append-resp term=1 index=2
  > delivering messages to 1
    2->1 append-resp term=1 index=2
    3->1 append-resp term=1 index=2
  > 1 handling Ready
    hard state: term=1 vote=1 commit=2
    committed: 1/2 normal ""
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=1 index=2 commit=2
      1->3 append term=1 logTerm=1 index=2 commit=2
  > delivering messages to 2
    1->2 append term=1 logTerm=1 index=2 commit=2
  > delivering messages to 3
    1->3 append term=1 logTerm=1 index=2 commit=2
  > 2 handling Ready
    hard state: term=1 vote=1 commit=2
    committed: 1/2 normal ""
    messages:
      2->1 append-resp term=1 index=2
  > 3 handling Ready
    hard state: term=1 vote=1 commit=2
    committed: 1/2 normal ""
    messages:
      3->1 append-resp term=1 index=2
  > delivering messages to 1
    2->1 append-resp term=1 index=2
    3->1 append-resp term=1 index=2
> assert-status 1 role=leader term=1
  ok: 1 role=leader
  ok: 1 term=1
> assert-status 2 role=follower term=1 leader=1
  ok: 2 role=follower
  ok: 2 term=1
  ok: 2 leader=1
# 2 and 3 miss the leader's heartbeats for an election timeout (their leases on it run out).
> tick 2 10
  2 ticked 10 times
> tick-election 3
  3 became pre-candidate at term 1
  3 ticked 17 times
# 3's pre-vote: 2 grants (lease over, log as good); the one to 1 is lost.
> process-ready 3
  > 3 handling Ready
    soft state: role=pre-candidate leader=0
    messages:
      3->1 pre-vote term=2 logTerm=1 index=2
      3->2 pre-vote term=2 logTerm=1 index=2
> deliver-msgs 2 drop=1
  3->1 pre-vote term=2 logTerm=1 index=2 DROPPED (by the script)
  3->2 pre-vote term=2 logTerm=1 index=2
> process-ready 2
  > 2 handling Ready
    messages:
      2->3 pre-vote-resp term=2
> deliver-msgs 3
  2->3 pre-vote-resp term=2
    3 became candidate at term 2
> assert-status 3 role=candidate term=2
  ok: 3 role=candidate
  ok: 3 term=2
# Before 3's vote requests arrive, the leader's heartbeat reaches 2: 2 hears from its leader
# again and is inside its lease.
> tick-heartbeat 1
  1 ticked 1 time
> process-ready 1
  > 1 handling Ready
    leader messages (sent in parallel with the leader's own write):
      1->2 heartbeat term=1 commit=2 readSeq=1
      1->3 heartbeat term=1 commit=2 readSeq=1
> deliver-msgs 2 drop=3
  1->2 heartbeat term=1 commit=2 readSeq=1
  1->3 heartbeat term=1 commit=2 readSeq=1 DROPPED (by the script)
> process-ready 2
  > 2 handling Ready
    messages:
      2->1 heartbeat-resp term=1 readSeq=1
> deliver-msgs 1
  2->1 heartbeat-resp term=1 readSeq=1
> assert-status 2 leader=1
  ok: 2 leader=1
# Now 3's vote requests arrive at the leader and at 2.
> process-ready 3
  > 3 handling Ready
    soft state: role=candidate leader=0
    hard state: term=2 vote=3 commit=2
    must sync
    messages:
      3->1 vote term=2 logTerm=1 index=2
      3->2 vote term=2 logTerm=1 index=2
> deliver-msgs 1 2
  3->1 vote term=2 logTerm=1 index=2
  3->2 vote term=2 logTerm=1 index=2
> stabilize
# 1 and 2 ignore a vote request inside their lease; 1 stays leader.
> assert-status 1 role=leader term=1
  ok: 1 role=leader
  ok: 1 term=1
> assert-status 2 role=follower term=1 leader=1
  ok: 2 role=follower
  ok: 2 term=1
  ok: 2 leader=1

`

exports[`test/raft-interaction.test.ts > TAP > restart-compacted-leader > trace 1`] = `
# A leader restarted from a compacted log has its snapshot's meta but not the snapshot itself.
# When a follower needs one, the core asks for it (Ready.snapshotWanted) and the driver makes
# one from its state machine with createSnapshot; the follower is then caught up with it.
# (Found by this script: the core used to crash on an assertion here.)
> add-nodes 3
  1: follower term=0 leader=0 commit=1 last=1 voters=1,2,3 learners=-
  2: follower term=0 leader=0 commit=1 last=1 voters=1,2,3 learners=-
  3: follower term=0 leader=0 commit=1 last=1 voters=1,2,3 learners=-
> campaign 1
  1 became pre-candidate at term 0
> stabilize
  > 1 handling Ready
    soft state: role=pre-candidate leader=0
    hard state: term=0 vote=0 commit=1
    entries: 0/1 conf bootstrap voters=1,2,3 learners=-
    committed: 0/1 conf bootstrap voters=1,2,3 learners=-
    must sync
    messages:
      1->2 pre-vote term=1 logTerm=0 index=1
      1->3 pre-vote term=1 logTerm=0 index=1
  > 2 handling Ready
    hard state: term=0 vote=0 commit=1
    entries: 0/1 conf bootstrap voters=1,2,3 learners=-
    committed: 0/1 conf bootstrap voters=1,2,3 learners=-
    must sync
  > 3 handling Ready
    hard state: term=0 vote=0 commit=1
    entries: 0/1 conf bootstrap voters=1,2,3 learners=-
    committed: 0/1 conf bootstrap voters=1,2,3 learners=-
    must sync
  > delivering messages to 2
    1->2 pre-vote term=1 logTerm=0 index=1
  > delivering messages to 3
    1->3 pre-vote term=1 logTerm=0 index=1
  > 2 handling Ready
    messages:
      2->1 pre-vote-resp term=1
  > 3 handling Ready
    messages:
      3->1 pre-vote-resp term=1
  > delivering messages to 1
    2->1 pre-vote-resp term=1
      1 became candidate at term 1
    3->1 pre-vote-resp term=1
  > 1 handling Ready
    soft state: role=candidate leader=0
    hard state: term=1 vote=1 commit=1
    must sync
    messages:
      1->2 vote term=1 logTerm=0 index=1
      1->3 vote term=1 logTerm=0 index=1
  > delivering messages to 2
    1->2 vote term=1 logTerm=0 index=1
      2 moved to term 1 as follower
  > delivering messages to 3
    1->3 vote term=1 logTerm=0 index=1
      3 moved to term 1 as follower
  > 2 handling Ready
    hard state: term=1 vote=1 commit=1
    must sync
    messages:
      2->1 vote-resp term=1
  > 3 handling Ready
    hard state: term=1 vote=1 commit=1
    must sync
    messages:
      3->1 vote-resp term=1
  > delivering messages to 1
    2->1 vote-resp term=1
      1 became leader at term 1
    3->1 vote-resp term=1
  > 1 handling Ready
    soft state: role=leader leader=1
    entries: 1/2 normal ""
    must sync
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
      1->3 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
  > delivering messages to 2
    1->2 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
  > delivering messages to 3
    1->3 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
  > 2 handling Ready
    soft state: role=follower leader=1
    entries: 1/2 normal ""
    must sync
    messages:
      2->1 append-resp term=1 index=2
  > 3 handling Ready
    soft state: role=follower leader=1
    entries: 1/2 normal ""
    must sync
    messages:
      3->1 append-resp term=1 index=2
  > delivering messages to 1
    2->1 append-resp term=1 index=2
    3->1 append-resp term=1 index=2
  > 1 handling Ready
    hard state: term=1 vote=1 commit=2
    committed: 1/2 normal ""
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=1 index=2 commit=2
      1->3 append term=1 logTerm=1 index=2 commit=2
  > delivering messages to 2
    1->2 append term=1 logTerm=1 index=2 commit=2
  > delivering messages to 3
    1->3 append term=1 logTerm=1 index=2 commit=2
  > 2 handling Ready
    hard state: term=1 vote=1 commit=2
    committed: 1/2 normal ""
    messages:
      2->1 append-resp term=1 index=2
  > 3 handling Ready
    hard state: term=1 vote=1 commit=2
    committed: 1/2 normal ""
    messages:
      3->1 append-resp term=1 index=2
  > delivering messages to 1
    2->1 append-resp term=1 index=2
    3->1 append-resp term=1 index=2
> partition 1 2 | 3
  partitioned: {1 2} {3}
> propose 1 a
  proposed "a" at 1/3
> stabilize 1 2
  > 1 handling Ready
    entries: 1/3 normal "a"
    must sync
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=1 index=2 commit=2 entries=[1/3 normal "a"]
      1->3 append term=1 logTerm=1 index=2 commit=2 entries=[1/3 normal "a"] DROPPED (partition)
  > delivering messages to 2
    1->2 append term=1 logTerm=1 index=2 commit=2 entries=[1/3 normal "a"]
  > 2 handling Ready
    entries: 1/3 normal "a"
    must sync
    messages:
      2->1 append-resp term=1 index=3
  > delivering messages to 1
    2->1 append-resp term=1 index=3
  > 1 handling Ready
    hard state: term=1 vote=1 commit=3
    committed: 1/3 normal "a"
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=1 index=3 commit=3
  > delivering messages to 2
    1->2 append term=1 logTerm=1 index=3 commit=3
  > 2 handling Ready
    hard state: term=1 vote=1 commit=3
    committed: 1/3 normal "a"
    messages:
      2->1 append-resp term=1 index=3
  > delivering messages to 1
    2->1 append-resp term=1 index=3
> compact 1 3
  1: snapshot index=3 term=1 voters=1,2,3 learners=- values=[a]; log compacted through 3
> compact 2 3
  2: snapshot index=3 term=1 voters=1,2,3 learners=- values=[a]; log compacted through 3
> crash 1
  1 crashed: its unpersisted state is lost; messages to it will be dropped
> restart 1
  1 restarts from disk: term=1 vote=1 commit=3 snapshot=1/3 entries=none applied=3
  1: follower term=1 leader=0 commit=3 last=3 voters=1,2,3 learners=-
# 2 stops counting on 1's old lease, 1 is elected again in term 2.
> tick 2 10
  2 ticked 10 times
> campaign 1
  1 became pre-candidate at term 1
> stabilize 1 2
  > 1 handling Ready
    soft state: role=pre-candidate leader=0
    messages:
      1->2 pre-vote term=2 logTerm=1 index=3
      1->3 pre-vote term=2 logTerm=1 index=3 DROPPED (partition)
  > delivering messages to 2
    1->2 pre-vote term=2 logTerm=1 index=3
  > 2 handling Ready
    messages:
      2->1 pre-vote-resp term=2
  > delivering messages to 1
    2->1 pre-vote-resp term=2
      1 became candidate at term 2
  > 1 handling Ready
    soft state: role=candidate leader=0
    hard state: term=2 vote=1 commit=3
    must sync
    messages:
      1->2 vote term=2 logTerm=1 index=3
      1->3 vote term=2 logTerm=1 index=3 DROPPED (partition)
  > delivering messages to 2
    1->2 vote term=2 logTerm=1 index=3
      2 moved to term 2 as follower
  > 2 handling Ready
    soft state: role=follower leader=0
    hard state: term=2 vote=1 commit=3
    must sync
    messages:
      2->1 vote-resp term=2
  > delivering messages to 1
    2->1 vote-resp term=2
      1 became leader at term 2
  > 1 handling Ready
    soft state: role=leader leader=1
    entries: 2/4 normal ""
    must sync
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=2 logTerm=1 index=3 commit=3 entries=[2/4 normal ""]
      1->3 append term=2 logTerm=1 index=3 commit=3 entries=[2/4 normal ""] DROPPED (partition)
  > delivering messages to 2
    1->2 append term=2 logTerm=1 index=3 commit=3 entries=[2/4 normal ""]
  > 2 handling Ready
    soft state: role=follower leader=1
    entries: 2/4 normal ""
    must sync
    messages:
      2->1 append-resp term=2 index=4
  > delivering messages to 1
    2->1 append-resp term=2 index=4
  > 1 handling Ready
    hard state: term=2 vote=1 commit=4
    committed: 2/4 normal ""
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=2 logTerm=2 index=4 commit=4
  > delivering messages to 2
    1->2 append term=2 logTerm=2 index=4 commit=4
  > 2 handling Ready
    hard state: term=2 vote=1 commit=4
    committed: 2/4 normal ""
    messages:
      2->1 append-resp term=2 index=4
  > delivering messages to 1
    2->1 append-resp term=2 index=4
> assert-status 1 role=leader term=2
  ok: 1 role=leader
  ok: 1 term=2
> heal
  healed: every node reaches every other
> tick-heartbeat 1
  1 ticked 1 time
> stabilize
  > 1 handling Ready
    leader messages (sent in parallel with the leader's own write):
      1->2 heartbeat term=2 commit=4 readSeq=1
      1->3 heartbeat term=2 readSeq=1
  > delivering messages to 2
    1->2 heartbeat term=2 commit=4 readSeq=1
  > delivering messages to 3
    1->3 heartbeat term=2 readSeq=1
      3 moved to term 2 as follower
  > 2 handling Ready
    messages:
      2->1 heartbeat-resp term=2 readSeq=1
  > 3 handling Ready
    hard state: term=2 vote=0 commit=2
    must sync
    messages:
      3->1 heartbeat-resp term=2 readSeq=1
  > delivering messages to 1
    2->1 heartbeat-resp term=2 readSeq=1
    3->1 heartbeat-resp term=2 readSeq=1
  > 1 handling Ready
    leader messages (sent in parallel with the leader's own write):
      1->3 append term=2 logTerm=1 index=3 commit=4 entries=[2/4 normal ""]
  > delivering messages to 3
    1->3 append term=2 logTerm=1 index=3 commit=4 entries=[2/4 normal ""]
  > 3 handling Ready
    messages:
      3->1 append-resp term=2 logTerm=1 index=3 reject rejectHint=2
  > delivering messages to 1
    3->1 append-resp term=2 logTerm=1 index=3 reject rejectHint=2
  > 1 handling Ready
    snapshot wanted: made index=4 term=2 voters=1,2,3 learners=- values=[a]
# The snapshot made on request goes out with the next heartbeat round.
> tick-heartbeat 1
  1 ticked 1 time
> stabilize
  > 1 handling Ready
    leader messages (sent in parallel with the leader's own write):
      1->2 heartbeat term=2 commit=4 readSeq=2
      1->3 heartbeat term=2 readSeq=2
  > delivering messages to 2
    1->2 heartbeat term=2 commit=4 readSeq=2
  > delivering messages to 3
    1->3 heartbeat term=2 readSeq=2
  > 2 handling Ready
    messages:
      2->1 heartbeat-resp term=2 readSeq=2
  > 3 handling Ready
    messages:
      3->1 heartbeat-resp term=2 readSeq=2
  > delivering messages to 1
    2->1 heartbeat-resp term=2 readSeq=2
    3->1 heartbeat-resp term=2 readSeq=2
  > 1 handling Ready
    leader messages (sent in parallel with the leader's own write):
      1->3 snapshot term=2 snapshot=[index=4 term=2 voters=1,2,3 learners=- values=[a]]
  > delivering messages to 3
    1->3 snapshot term=2 snapshot=[index=4 term=2 voters=1,2,3 learners=- values=[a]]
      1 told: snapshot to 3 delivered
  > 3 handling Ready
    hard state: term=2 vote=0 commit=4
    snapshot: index=4 term=2 voters=1,2,3 learners=- values=[a]
    must sync
    messages:
      3->1 append-resp term=2 index=4
  > delivering messages to 1
    3->1 append-resp term=2 index=4
> assert-status 3 term=2 leader=1 commit=4 first=5
  ok: 3 term=2
  ok: 3 leader=1
  ok: 3 commit=4
  ok: 3 first=5
> assert-applied 3 a
  ok: 3 applied: a

`

exports[`test/raft-interaction.test.ts > TAP > snapshot > trace 1`] = `
# Snapshot catch-up: a follower that is behind the leader's compacted log receives a snapshot
# of the state machine instead of entries, then goes on with normal appends. A restart
# recovers from the persisted snapshot plus the entries after it.
> add-nodes 3
  1: follower term=0 leader=0 commit=1 last=1 voters=1,2,3 learners=-
  2: follower term=0 leader=0 commit=1 last=1 voters=1,2,3 learners=-
  3: follower term=0 leader=0 commit=1 last=1 voters=1,2,3 learners=-
> campaign 1
  1 became pre-candidate at term 0
> stabilize
  > 1 handling Ready
    soft state: role=pre-candidate leader=0
    hard state: term=0 vote=0 commit=1
    entries: 0/1 conf bootstrap voters=1,2,3 learners=-
    committed: 0/1 conf bootstrap voters=1,2,3 learners=-
    must sync
    messages:
      1->2 pre-vote term=1 logTerm=0 index=1
      1->3 pre-vote term=1 logTerm=0 index=1
  > 2 handling Ready
    hard state: term=0 vote=0 commit=1
    entries: 0/1 conf bootstrap voters=1,2,3 learners=-
    committed: 0/1 conf bootstrap voters=1,2,3 learners=-
    must sync
  > 3 handling Ready
    hard state: term=0 vote=0 commit=1
    entries: 0/1 conf bootstrap voters=1,2,3 learners=-
    committed: 0/1 conf bootstrap voters=1,2,3 learners=-
    must sync
  > delivering messages to 2
    1->2 pre-vote term=1 logTerm=0 index=1
  > delivering messages to 3
    1->3 pre-vote term=1 logTerm=0 index=1
  > 2 handling Ready
    messages:
      2->1 pre-vote-resp term=1
  > 3 handling Ready
    messages:
      3->1 pre-vote-resp term=1
  > delivering messages to 1
    2->1 pre-vote-resp term=1
      1 became candidate at term 1
    3->1 pre-vote-resp term=1
  > 1 handling Ready
    soft state: role=candidate leader=0
    hard state: term=1 vote=1 commit=1
    must sync
    messages:
      1->2 vote term=1 logTerm=0 index=1
      1->3 vote term=1 logTerm=0 index=1
  > delivering messages to 2
    1->2 vote term=1 logTerm=0 index=1
      2 moved to term 1 as follower
  > delivering messages to 3
    1->3 vote term=1 logTerm=0 index=1
      3 moved to term 1 as follower
  > 2 handling Ready
    hard state: term=1 vote=1 commit=1
    must sync
    messages:
      2->1 vote-resp term=1
  > 3 handling Ready
    hard state: term=1 vote=1 commit=1
    must sync
    messages:
      3->1 vote-resp term=1
  > delivering messages to 1
    2->1 vote-resp term=1
      1 became leader at term 1
    3->1 vote-resp term=1
  > 1 handling Ready
    soft state: role=leader leader=1
    entries: 1/2 normal ""
    must sync
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
      1->3 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
  > delivering messages to 2
    1->2 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
  > delivering messages to 3
    1->3 append term=1 logTerm=0 index=1 commit=1 entries=[1/2 normal ""]
  > 2 handling Ready
    soft state: role=follower leader=1
    entries: 1/2 normal ""
    must sync
    messages:
      2->1 append-resp term=1 index=2
  > 3 handling Ready
    soft state: role=follower leader=1
    entries: 1/2 normal ""
    must sync
    messages:
      3->1 append-resp term=1 index=2
  > delivering messages to 1
    2->1 append-resp term=1 index=2
    3->1 append-resp term=1 index=2
  > 1 handling Ready
    hard state: term=1 vote=1 commit=2
    committed: 1/2 normal ""
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=1 index=2 commit=2
      1->3 append term=1 logTerm=1 index=2 commit=2
  > delivering messages to 2
    1->2 append term=1 logTerm=1 index=2 commit=2
  > delivering messages to 3
    1->3 append term=1 logTerm=1 index=2 commit=2
  > 2 handling Ready
    hard state: term=1 vote=1 commit=2
    committed: 1/2 normal ""
    messages:
      2->1 append-resp term=1 index=2
  > 3 handling Ready
    hard state: term=1 vote=1 commit=2
    committed: 1/2 normal ""
    messages:
      3->1 append-resp term=1 index=2
  > delivering messages to 1
    2->1 append-resp term=1 index=2
    3->1 append-resp term=1 index=2
> partition 1 2 | 3
  partitioned: {1 2} {3}
> propose 1 a
  proposed "a" at 1/3
> propose 1 b
  proposed "b" at 1/4
> propose 1 c
  proposed "c" at 1/5
> stabilize 1 2
  > 1 handling Ready
    entries: 1/3 normal "a", 1/4 normal "b", 1/5 normal "c"
    must sync
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=1 index=2 commit=2 entries=[1/3 normal "a", 1/4 normal "b", 1/5 normal "c"]
      1->3 append term=1 logTerm=1 index=2 commit=2 entries=[1/3 normal "a", 1/4 normal "b", 1/5 normal "c"] DROPPED (partition)
  > delivering messages to 2
    1->2 append term=1 logTerm=1 index=2 commit=2 entries=[1/3 normal "a", 1/4 normal "b", 1/5 normal "c"]
  > 2 handling Ready
    entries: 1/3 normal "a", 1/4 normal "b", 1/5 normal "c"
    must sync
    messages:
      2->1 append-resp term=1 index=5
  > delivering messages to 1
    2->1 append-resp term=1 index=5
  > 1 handling Ready
    hard state: term=1 vote=1 commit=5
    committed: 1/3 normal "a", 1/4 normal "b", 1/5 normal "c"
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=1 index=5 commit=5
  > delivering messages to 2
    1->2 append term=1 logTerm=1 index=5 commit=5
  > 2 handling Ready
    hard state: term=1 vote=1 commit=5
    committed: 1/3 normal "a", 1/4 normal "b", 1/5 normal "c"
    messages:
      2->1 append-resp term=1 index=5
  > delivering messages to 1
    2->1 append-resp term=1 index=5
> assert-status 1 commit=5 applied=5
  ok: 1 commit=5
  ok: 1 applied=5
> assert-status 3 last=2
  ok: 3 last=2
# The leader and 2 snapshot their state at index 5 and drop the log through it.
> compact 1 5
  1: snapshot index=5 term=1 voters=1,2,3 learners=- values=[a b c]; log compacted through 5
> compact 2 5
  2: snapshot index=5 term=1 voters=1,2,3 learners=- values=[a b c]; log compacted through 5
> assert-status 1 first=6
  ok: 1 first=6
# 3 rejoins: the log it needs is gone, so the leader sends the snapshot.
> heal
  healed: every node reaches every other
> tick-heartbeat 1
  1 ticked 1 time
> stabilize
  > 1 handling Ready
    leader messages (sent in parallel with the leader's own write):
      1->2 heartbeat term=1 commit=5 readSeq=1
      1->3 heartbeat term=1 commit=2 readSeq=1
  > delivering messages to 2
    1->2 heartbeat term=1 commit=5 readSeq=1
  > delivering messages to 3
    1->3 heartbeat term=1 commit=2 readSeq=1
  > 2 handling Ready
    messages:
      2->1 heartbeat-resp term=1 readSeq=1
  > 3 handling Ready
    messages:
      3->1 heartbeat-resp term=1 readSeq=1
  > delivering messages to 1
    2->1 heartbeat-resp term=1 readSeq=1
    3->1 heartbeat-resp term=1 readSeq=1
  > 1 handling Ready
    leader messages (sent in parallel with the leader's own write):
      1->3 append term=1 logTerm=1 index=5 commit=5
  > delivering messages to 3
    1->3 append term=1 logTerm=1 index=5 commit=5
  > 3 handling Ready
    messages:
      3->1 append-resp term=1 logTerm=1 index=5 reject rejectHint=2
  > delivering messages to 1
    3->1 append-resp term=1 logTerm=1 index=5 reject rejectHint=2
  > 1 handling Ready
    leader messages (sent in parallel with the leader's own write):
      1->3 snapshot term=1 snapshot=[index=5 term=1 voters=1,2,3 learners=- values=[a b c]]
  > delivering messages to 3
    1->3 snapshot term=1 snapshot=[index=5 term=1 voters=1,2,3 learners=- values=[a b c]]
      1 told: snapshot to 3 delivered
  > 3 handling Ready
    hard state: term=1 vote=1 commit=5
    snapshot: index=5 term=1 voters=1,2,3 learners=- values=[a b c]
    must sync
    messages:
      3->1 append-resp term=1 index=5
  > delivering messages to 1
    3->1 append-resp term=1 index=5
> assert-status 3 commit=5 applied=5 first=6 last=5
  ok: 3 commit=5
  ok: 3 applied=5
  ok: 3 first=6
  ok: 3 last=5
> assert-applied 3 a b c
  ok: 3 applied: a b c
# Replication continues with appends after the snapshot.
> propose 1 d
  proposed "d" at 1/6
> stabilize
  > 1 handling Ready
    entries: 1/6 normal "d"
    must sync
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=1 index=5 commit=5 entries=[1/6 normal "d"]
      1->3 append term=1 logTerm=1 index=5 commit=5 entries=[1/6 normal "d"]
  > delivering messages to 2
    1->2 append term=1 logTerm=1 index=5 commit=5 entries=[1/6 normal "d"]
  > delivering messages to 3
    1->3 append term=1 logTerm=1 index=5 commit=5 entries=[1/6 normal "d"]
  > 2 handling Ready
    entries: 1/6 normal "d"
    must sync
    messages:
      2->1 append-resp term=1 index=6
  > 3 handling Ready
    entries: 1/6 normal "d"
    must sync
    messages:
      3->1 append-resp term=1 index=6
  > delivering messages to 1
    2->1 append-resp term=1 index=6
    3->1 append-resp term=1 index=6
  > 1 handling Ready
    hard state: term=1 vote=1 commit=6
    committed: 1/6 normal "d"
    leader messages (sent in parallel with the leader's own write):
      1->2 append term=1 logTerm=1 index=6 commit=6
      1->3 append term=1 logTerm=1 index=6 commit=6
  > delivering messages to 2
    1->2 append term=1 logTerm=1 index=6 commit=6
  > delivering messages to 3
    1->3 append term=1 logTerm=1 index=6 commit=6
  > 2 handling Ready
    hard state: term=1 vote=1 commit=6
    committed: 1/6 normal "d"
    messages:
      2->1 append-resp term=1 index=6
  > 3 handling Ready
    hard state: term=1 vote=1 commit=6
    committed: 1/6 normal "d"
    messages:
      3->1 append-resp term=1 index=6
  > delivering messages to 1
    2->1 append-resp term=1 index=6
    3->1 append-resp term=1 index=6
> assert-status 3 commit=6 applied=6 last=6
  ok: 3 commit=6
  ok: 3 applied=6
  ok: 3 last=6
> assert-applied 3 a b c d
  ok: 3 applied: a b c d
# 3 restarts from its disk: the snapshot (a b c) and entry 6 (d), applied state included.
> crash 3
  3 crashed: its unpersisted state is lost; messages to it will be dropped
> restart 3
  3 restarts from disk: term=1 vote=1 commit=6 snapshot=1/5 entries=6..6 applied=6
  3: follower term=1 leader=0 commit=6 last=6 voters=1,2,3 learners=-
> assert-status 3 role=follower term=1 commit=6 applied=6 first=6 last=6
  ok: 3 role=follower
  ok: 3 term=1
  ok: 3 commit=6
  ok: 3 applied=6
  ok: 3 first=6
  ok: 3 last=6
> assert-applied 3 a b c d
  ok: 3 applied: a b c d
> tick-heartbeat 1
  1 ticked 1 time
> stabilize
  > 1 handling Ready
    leader messages (sent in parallel with the leader's own write):
      1->2 heartbeat term=1 commit=6 readSeq=2
      1->3 heartbeat term=1 commit=6 readSeq=2
  > delivering messages to 2
    1->2 heartbeat term=1 commit=6 readSeq=2
  > delivering messages to 3
    1->3 heartbeat term=1 commit=6 readSeq=2
  > 2 handling Ready
    messages:
      2->1 heartbeat-resp term=1 readSeq=2
  > 3 handling Ready
    soft state: role=follower leader=1
    messages:
      3->1 heartbeat-resp term=1 readSeq=2
  > delivering messages to 1
    2->1 heartbeat-resp term=1 readSeq=2
    3->1 heartbeat-resp term=1 readSeq=2
> assert-status 3 leader=1
  ok: 3 leader=1

`
