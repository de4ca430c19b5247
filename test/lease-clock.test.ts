// The leader's lease timers, on a fake clock: expiry only on the leader, keepalives reset it,
// a new leader adds an election timeout, a failed expiry is tried again.
import t from 'tap';
import { LeaderLeaseClock } from '../store/lease-clock.ts';
import type { LeaseInfo } from '../store/mvcc/types.ts';

function setup(leader = true) {
  const state = { now: 0, leader, leases: [] as LeaseInfo[], expired: [] as number[][], failNext: false };
  const clock = new LeaderLeaseClock({
    leases: () => state.leases,
    isLeader: () => state.leader,
    expire: async (ids) => {
      if (state.failNext) {
        state.failNext = false;
        throw Object.assign(new Error('not leader'), { code: 'KEEL_NOT_LEADER' });
      }
      state.expired.push(ids);
      state.leases = state.leases.filter((l) => !ids.includes(l.id));
    },
    electionTimeoutMs: 2000,
    now: () => state.now,
  });
  return { state, clock };
}

const lease = (id: number, ttl: number): LeaseInfo => ({ id, grantedTtl: ttl, keys: [] });

t.test('a follower never expires a lease', async (t) => {
  const { state, clock } = setup(false);
  state.leases = [lease(1, 1)];
  state.now = 1_000_000;
  await clock.check();
  t.same(state.expired, []);
  t.equal(clock.keepAlive(1), null);
  t.equal(clock.remaining(1), null);
});

t.test('a lease granted under this leader expires after its TTL, not before', async (t) => {
  const { state, clock } = setup();
  await clock.check(); // leading, no leases yet
  state.leases = [lease(7, 5)];
  await clock.check();
  t.equal(clock.remaining(7), 5);
  state.now = 4999;
  await clock.check();
  t.same(state.expired, []);
  state.now = 5000;
  await clock.check();
  t.same(state.expired, [[7]]);
});

t.test('a keepalive resets the timer', async (t) => {
  const { state, clock } = setup();
  await clock.check();
  state.leases = [lease(1, 3)];
  await clock.check();
  state.now = 2500;
  t.equal(clock.keepAlive(1), 3);
  state.now = 5000;
  await clock.check();
  t.same(state.expired, [], 'alive: 2.5 s after the keepalive');
  state.now = 5500;
  await clock.check();
  t.same(state.expired, [[1]]);
  t.equal(clock.keepAlive(1), null, 'a gone lease cannot be kept alive');
});

t.test('a new leader gives live leases an extra election timeout', async (t) => {
  const { state, clock } = setup(false);
  state.leases = [lease(1, 3)];
  await clock.check();
  state.leader = true;
  await clock.check();
  state.now = 3000;
  await clock.check();
  t.same(state.expired, [], 'not at the TTL: the old leader may have renewed it just before it died');
  state.now = 5000;
  await clock.check();
  t.same(state.expired, [[1]]);
});

t.test('losing leadership forgets the timers; a failed expiry is tried again', async (t) => {
  const { state, clock } = setup();
  await clock.check();
  state.leases = [lease(1, 1)];
  await clock.check();
  state.now = 1000;
  state.failNext = true;
  await clock.check();
  t.same(state.expired, []);
  await clock.check();
  t.same(state.expired, [[1]], 'tried again at the next check');
});

t.test('an expiry that fails with an uncoded error (a bug) is not swallowed', async (t) => {
  let now = 0;
  const clock = new LeaderLeaseClock({
    leases: () => [lease(1, 1)],
    isLeader: () => true,
    expire: async () => {
      throw new TypeError('broken');
    },
    electionTimeoutMs: 0,
    now: () => now,
  });
  await clock.check(); // tracks the lease: it expires at 1000
  now = 1000;
  await t.rejects(clock.check(), { name: 'TypeError' });
});
