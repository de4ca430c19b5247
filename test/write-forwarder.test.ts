// WriteForwarder on its own: which commands share a request, what each command gets back, and
// how a failed or refused request fails its commands. `post` stands in for the leader here; the
// cluster test (test/cluster-forward.test.ts) runs the real path between masters.
import t from 'tap';
import { setImmediate as turn } from 'node:timers/promises';
import { noNode } from '../raft/core/index.ts';
import { ApiError } from '../store/api/v1.ts';
import { decodeEnvelope, packr } from '../store/mvcc/codec.ts';
import type { Envelope } from '../store/mvcc/types.ts';
import {
  WriteForwarder, decodeForwardBody, encodeForwardAnswer, forwardMac, forwardMacValid, forwardsInFlightMax, type ForwardItem,
} from '../store/write-forwarder.ts';

const secret = 'cluster-secret';
const put = (key: string): Envelope => ({ command: { op: 'put', request: { key: new TextEncoder().encode(key), value: new Uint8Array([1, 2]), lease: 0, prevKv: false } } });
const keyOf = (envelope: Envelope): string => new TextDecoder().decode((envelope.command as { request: { key: Uint8Array } }).request.key);

interface Sent {
  leader: number;
  keys: string[];
  macOk: boolean;
  answer: (items: ForwardItem[] | { status: number; body: Uint8Array }) => void;
  fail: (error: Error) => void;
}

function harness(options: { leader?: () => number; heldMax?: number } = {}) {
  const sent: Sent[] = [];
  const local: string[] = [];
  const observed: number[] = [];
  const forwarder = new WriteForwarder({
    self: 1,
    leader: options.leader ?? (() => 2),
    secret,
    heldMax: options.heldMax ?? 1000,
    tooMany: () => new Error('too many'),
    observe: (n) => observed.push(n),
    local: async (envelope) => {
      local.push(keyOf(envelope));
      return { revision: 99 };
    },
    post: (leader, body, mac) =>
      new Promise((resolve, reject) => {
        const keys = decodeForwardBody(body).map(keyOf);
        sent.push({
          leader,
          keys,
          macOk: forwardMacValid(secret, body, mac),
          answer: (items) => resolve(Array.isArray(items) ? { status: 200, body: encodeForwardAnswer(items) } : items),
          fail: reject,
        });
      }),
  });
  return { forwarder, sent, local, observed };
}

const settle = <T>(promise: Promise<T>): Promise<{ ok: T } | { code: string; status: number }> =>
  promise.then(
    (ok) => ({ ok }),
    (error: ApiError) => ({ code: error.code, status: error.status }),
  );

t.test('commands of one turn go in one request, authenticated; each gets its own result, in order', async (t) => {
  const { forwarder, sent, observed } = harness();
  const answers = ['a', 'b', 'c'].map((key) => forwarder.propose(put(key)));
  await turn();
  t.equal(sent.length, 1, 'one request');
  t.same(sent[0].keys, ['a', 'b', 'c']);
  t.equal(sent[0].leader, 2);
  t.ok(sent[0].macOk, 'the body carries its HMAC under the cluster secret');
  t.same(observed, [3]);
  sent[0].answer([{ r: { revision: 7 } }, { r: { error: { code: 'KEEL_LEASE_NOT_FOUND', message: 'no lease' } } }, { r: { revision: 8 } }]);
  t.same(await Promise.all(answers), [{ revision: 7 }, { error: { code: 'KEEL_LEASE_NOT_FOUND', message: 'no lease' } }, { revision: 8 }]);
});

t.test('with every request slot taken, commands wait and then share the next request', async (t) => {
  const { forwarder, sent } = harness();
  const first: Array<Promise<unknown>> = [];
  for (let i = 0; i < forwardsInFlightMax; i++) {
    first.push(forwarder.propose(put(`slot${i}`)));
    await turn();
  }
  t.equal(sent.length, forwardsInFlightMax, 'one request per turn while slots are free');
  const waiting = ['w1', 'w2', 'w3'].map((key) => forwarder.propose(put(key)));
  await turn();
  await turn();
  t.equal(sent.length, forwardsInFlightMax, 'nothing more goes out while every slot is taken');
  sent[0].answer([{ r: { revision: 1 } }]);
  await first[0];
  await turn();
  t.equal(sent.length, forwardsInFlightMax + 1);
  t.same(sent[forwardsInFlightMax].keys, ['w1', 'w2', 'w3'], 'the waiting commands share the freed slot');
  sent[forwardsInFlightMax].answer([{ r: { revision: 2 } }, { r: { revision: 3 } }, { r: { revision: 4 } }]);
  t.same(await Promise.all(waiting), [{ revision: 2 }, { revision: 3 }, { revision: 4 }]);
  for (let i = 1; i < forwardsInFlightMax; i++) sent[i].answer([{ r: { revision: 10 + i } }]);
  await Promise.all(first);
});

t.test('a command the leader failed fails alone, with the leader\'s status and code', async (t) => {
  const { forwarder, sent } = harness();
  const answers = ['a', 'b'].map((key) => settle(forwarder.propose(put(key))));
  await turn();
  sent[0].answer([{ e: { status: 504, code: 'KEEL_TIMEOUT', message: 'did not commit' } }, { r: { revision: 5 } }]);
  t.same(await Promise.all(answers), [{ code: 'KEEL_TIMEOUT', status: 504 }, { ok: { revision: 5 } }]);
});

t.test('a refused, failed or unreadable request fails all its commands', async (t) => {
  const cases: Array<[string, (s: Sent) => void, string, number]> = [
    ['refused', (s) => s.answer({ status: 503, body: Buffer.from(JSON.stringify({ code: 'KEEL_NOT_LEADER', message: 'not me' })) }), 'KEEL_NOT_LEADER', 503],
    ['not JSON', (s) => s.answer({ status: 502, body: Buffer.from('<html>') }), 'KEEL_LEADER_UNREACHABLE', 503],
    ['no answer', (s) => s.fail(new Error('ECONNRESET')), 'KEEL_LEADER_UNREACHABLE', 503],
    ['too few items', (s) => s.answer([{ r: { revision: 1 } }]), 'KEEL_LEADER_UNREACHABLE', 503],
    ['not msgpack', (s) => s.answer({ status: 200, body: Uint8Array.of(0xc1) }), 'KEEL_LEADER_UNREACHABLE', 503],
  ];
  for (const [name, respond, code, status] of cases) {
    const { forwarder, sent } = harness();
    const answers = ['a', 'b'].map((key) => settle(forwarder.propose(put(key))));
    await turn();
    respond(sent[0]);
    t.same(await Promise.all(answers), [{ code, status }, { code, status }], name);
  }
});

t.test('a member that is the leader, or knows none, proposes itself', async (t) => {
  let leader = 1;
  const { forwarder, sent, local } = harness({ leader: () => leader });
  t.same(await forwarder.propose(put('mine')), { revision: 99 });
  leader = noNode;
  await forwarder.propose(put('none'));
  t.same(local, ['mine', 'none']);
  t.equal(sent.length, 0);
});

t.test('more commands than heldMax are refused', async (t) => {
  const { forwarder, sent } = harness({ heldMax: 2 });
  const held = [forwarder.propose(put('a')), forwarder.propose(put('b'))];
  await t.rejects(forwarder.propose(put('c')), /too many/);
  await turn();
  sent[0].answer([{ r: { revision: 1 } }, { r: { revision: 2 } }]);
  await Promise.all(held);
  const again = forwarder.propose(put('d'));
  await turn();
  sent[1].answer([{ r: { revision: 3 } }]);
  t.same(await again, { revision: 3 }, 'answered commands free their place');
});

t.test('the HMAC and the body are checked on the leader\'s side', async (t) => {
  const body = packr.pack([packr.pack(put('a'))]);
  const mac = forwardMac(secret, body);
  t.ok(forwardMacValid(secret, body, mac));
  t.notOk(forwardMacValid('another-secret', body, mac), 'another secret');
  t.notOk(forwardMacValid(secret, Buffer.concat([body, Uint8Array.of(0)]), mac), 'another body');
  t.notOk(forwardMacValid(secret, body, undefined), 'none');
  t.notOk(forwardMacValid(secret, body, 'zz'), 'not hex');
  t.same(decodeForwardBody(body).map(keyOf), ['a']);
  t.same(decodeEnvelope(packr.pack(put('a'))), decodeForwardBody(body)[0]);
  for (const bad of [packr.pack([]), packr.pack({ batch: [] }), packr.pack(['text']), packr.pack([packr.pack({ not: 'a command' })]), Uint8Array.of(0xc1)]) {
    t.throws(() => decodeForwardBody(bad), { code: 'KEEL_BAD_REQUEST', status: 400 });
  }
});
