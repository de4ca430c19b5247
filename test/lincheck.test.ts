// The linearizability checker on small hand-written histories, one model at a time, then the
// property that separates a checker from a stub: histories produced by running a model
// sequentially and blurring every operation's interval around its linearization point are
// always linearizable, and the same history with one read corrupted to a value nobody wrote
// never is. A property failure prints its seed; FC_SEED=<seed> replays it.
import t from 'tap';
import fc from 'fast-check';
import {
  casOutput,
  casRequest,
  check,
  checkAsync,
  deleteOutput,
  getOutput,
  putOutput,
  keelModel,
  kvModel,
  registerModel,
  type History,
  type KeelInput,
  type KeelOutput,
  type KvInput,
  type KvOutput,
  type Model,
  type ModelState,
  type Operation,
  type RegisterInput,
  type RegisterOutput,
} from '../lab/lincheck/index.ts';

const seed = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };

/** An operation of process `process` over [call, ret]; `ret` null for an indeterminate one. */
function op<I, O>(process: number, call: number, ret: number | null, input: I, output?: O): Operation<I, O> {
  return { process, call, return: ret ?? Infinity, input, output: ret === null ? undefined : output, line: 0 };
}

type Reg = Operation<RegisterInput, RegisterOutput>;
const write = (p: number, call: number, ret: number | null, value: number): Reg => op(p, call, ret, { op: 'write', value }, {});
const read = (p: number, call: number, ret: number | null, value: number | null): Reg => op(p, call, ret, { op: 'read' }, { value });
const cas = (p: number, call: number, ret: number | null, from: number, to: number, ok: boolean): Reg => op(p, call, ret, { op: 'cas', from, to }, { ok });

t.test('register: overlapping operations may take effect in either order', async (t) => {
  // write 1 and read run concurrently; the read may see the value before or after.
  t.equal(check(registerModel, [write(0, 0, 10, 1), read(1, 5, 15, null)]).verdict, 'linearizable');
  t.equal(check(registerModel, [write(0, 0, 10, 1), read(1, 5, 15, 1)]).verdict, 'linearizable');
  // Intervals that touch (return at the instant of the next call) are still concurrent.
  t.equal(check(registerModel, [read(1, 0, 5, 1), write(0, 5, 10, 1)]).verdict, 'linearizable');
});

t.test('register: a stale read after a completed write is not linearizable', async (t) => {
  const result = check(registerModel, [write(0, 0, 10, 1), write(0, 20, 30, 2), read(1, 40, 50, 1)]);
  t.equal(result.verdict, 'not-linearizable');
  t.equal(result.reason, null);
  t.equal(result.partitions.length, 1);
  t.equal(result.partitions[0].key, '');
});

t.test('register: cas succeeds only on the value it expects, and a failed cas is an observation', async (t) => {
  t.equal(check(registerModel, [write(0, 0, 1, 1), cas(0, 2, 3, 1, 2, true), read(0, 4, 5, 2)]).verdict, 'linearizable');
  t.equal(check(registerModel, [write(0, 0, 1, 1), cas(0, 2, 3, 3, 2, true)]).verdict, 'not-linearizable');
  t.equal(check(registerModel, [write(0, 0, 1, 1), cas(0, 2, 3, 1, 2, false)]).verdict, 'not-linearizable', 'it could not fail on 1');
  t.equal(check(registerModel, [write(0, 0, 1, 1), cas(0, 2, 3, 4, 2, false), read(0, 4, 5, 1)]).verdict, 'linearizable');
});

t.test('indeterminate operations may take effect at any time after their call, or never', async (t) => {
  // A timed-out write that a later read observes: it happened.
  t.equal(check(registerModel, [write(0, 0, null, 1), read(1, 10, 20, 1)]).verdict, 'linearizable');
  // One that nobody observes: it may never have happened.
  t.equal(check(registerModel, [write(0, 0, null, 1), read(1, 10, 20, null)]).verdict, 'linearizable');
  // Read, then (much later) an observation of the old value again: still fine, it took effect last.
  t.equal(check(registerModel, [write(0, 0, null, 1), read(1, 10, 20, 1), write(2, 30, 40, 2), read(1, 50, 60, 2)]).verdict, 'linearizable');
  // But not before its call.
  t.equal(check(registerModel, [read(1, 0, 5, 1), write(0, 10, null, 1)]).verdict, 'not-linearizable');
  // An indeterminate cas is legal whether or not its compare holds.
  t.equal(check(registerModel, [write(0, 0, 1, 1), op(1, 2, null, { op: 'cas', from: 7, to: 8 }), read(0, 10, 11, 1)]).verdict, 'linearizable');
  const result = check(registerModel, [write(0, 0, null, 1), read(1, 10, 20, 1)]);
  t.equal(result.partitions[0].indeterminate, 1);
});

t.test('a violation names its partition, the longest linearizable prefix and the operation that cannot be placed', async (t) => {
  const history: History<KvInput, KvOutput> = [
    op(0, 0, 10, { op: 'put', key: 'a', value: 'x' }, {}),
    op(1, 20, 30, { op: 'get', key: 'a' }, { value: 'x' }),
    op(0, 0, 10, { op: 'put', key: 'b', value: '1' }, {}),
    op(1, 12, 14, { op: 'append', key: 'b', value: '2' }, {}),
    op(2, 20, 30, { op: 'get', key: 'b' }, { value: '12' }),
    op(2, 40, 50, { op: 'get', key: 'b' }, { value: '1' }),
  ];
  const result = check(kvModel, history);
  t.equal(result.verdict, 'not-linearizable');
  t.same(result.partitions.map((p) => [p.key, p.operations]), [['a', 2], ['b', 4]]);
  const violation = result.violation!;
  t.equal(violation.key, 'b');
  t.same(violation.prefix, [history[2], history[3], history[4]]);
  t.equal(violation.state, '"12"');
  t.equal(violation.culprit, history[5]);
  t.equal(kvModel.describeOperation(violation.culprit.input, violation.culprit.output), 'get "b" -> "1"');
});

t.test('kv: each key is its own partition', async (t) => {
  const history: History<KvInput, KvOutput> = [
    op(0, 0, 10, { op: 'append', key: 'a', value: 'x' }, {}),
    op(1, 0, 10, { op: 'append', key: 'a', value: 'y' }, {}),
    op(2, 0, 10, { op: 'get', key: 'b' }, { value: '' }),
    op(2, 11, 12, { op: 'get', key: 'a' }, { value: 'yx' }),
  ];
  const result = check(kvModel, history);
  t.equal(result.verdict, 'linearizable');
  t.same(result.partitions.map((p) => [p.key, p.verdict]), [['a', 'linearizable'], ['b', 'linearizable']]);
  history.push(op(2, 13, 14, { op: 'get', key: 'a' }, { value: 'xy' }));
  t.equal(check(kvModel, history).violation?.key, 'a');
});

t.test('keel: prevValue, deleted and a cas that reports the current value all constrain', async (t) => {
  type K = Operation<KeelInput, KeelOutput>;
  const h = (...ops: K[]) => check(keelModel, ops).verdict;
  const put = (call: number, value: string, prevValue?: string | null): K => op(0, call, call + 1, { op: 'put', key: 'k', value }, prevValue === undefined ? {} : { prevValue });
  const get = (call: number, value: string | null): K => op(0, call, call + 1, { op: 'get', key: 'k' }, { value });
  const del = (call: number, output: KeelOutput): K => op(0, call, call + 1, { op: 'delete', key: 'k' }, output);
  const kcas = (call: number, expected: string | null, value: string | null, output: KeelOutput): K => op(0, call, call + 1, { op: 'cas', key: 'k', expected, value }, output);
  t.equal(h(get(0, null), put(2, 'a', null), put(4, 'b', 'a'), get(6, 'b')), 'linearizable');
  t.equal(h(put(0, 'a'), put(2, 'b', null)), 'not-linearizable', 'prevValue null, but the key existed');
  t.equal(h(put(0, 'a'), del(2, { deleted: 1, prevValue: 'a' }), get(4, null), del(6, { deleted: 0 })), 'linearizable');
  t.equal(h(put(0, 'a'), del(2, { deleted: 0 })), 'not-linearizable', 'deleted 0, but the key existed');
  t.equal(h(kcas(0, null, 'a', { succeeded: true }), kcas(2, null, 'b', { succeeded: false, current: 'a' }), kcas(4, 'a', null, { succeeded: true }), get(6, null)), 'linearizable');
  t.equal(h(put(0, 'a'), kcas(2, 'b', 'c', { succeeded: false, current: 'z' })), 'not-linearizable', 'the failed cas saw a value that was never there');
  t.equal(h(put(0, 'a'), kcas(2, 'a', 'c', { succeeded: false })), 'not-linearizable', 'the compare held, yet it failed');
  t.equal(h(put(0, 'a'), op(1, 2, null, { op: 'cas', key: 'k', expected: 'a', value: 'c' }), get(10, 'c')), 'linearizable', 'an indeterminate cas that happened');
});

t.test("the client library's answers map onto the keel model's outputs", async (t) => {
  const kv = (value: string) => ({ key: Buffer.from('k'), value: Buffer.from(value), createRevision: 1, modRevision: 2, version: 1, lease: 0 });
  t.same(getOutput(kv('a')), { value: 'a' });
  t.same(getOutput(null), { value: null });
  t.same(putOutput({ revision: 3 }, false), {}, 'no prevKv asked: nothing known');
  t.same(putOutput({ revision: 3 }, true), { prevValue: null }, 'asked, and none: the key did not exist');
  t.same(putOutput({ revision: 3, prevKv: kv('a') }, true), { prevValue: 'a' });
  t.same(deleteOutput({ revision: 4, deleted: 0 }, false), { deleted: 0 });
  t.same(deleteOutput({ revision: 4, deleted: 1, prevKvs: [kv('a')] }, true), { deleted: 1, prevValue: 'a' });
  t.same(casRequest('k', null, 'a').compare, [{ key: 'k', target: 'version', result: 'equal', number: 0 }], 'absent: version 0, since a value compare fails on a missing key');
  t.same(casRequest('k', 'a', null), {
    compare: [{ key: 'k', target: 'value', result: 'equal', value: 'a' }],
    success: [{ delete: { key: 'k' } }],
    failure: [{ range: { key: 'k' } }],
  });
  t.same(casOutput({ revision: 5, succeeded: true, responses: [{ put: { revision: 5 } }] }), { succeeded: true });
  t.same(casOutput({ revision: 5, succeeded: false, responses: [{ range: { revision: 5, count: 1, more: false, kvs: [kv('b')] } }] }), { succeeded: false, current: 'b' });
  t.same(casOutput({ revision: 5, succeeded: false, responses: [{ range: { revision: 5, count: 0, more: false, kvs: [] } }] }), { succeeded: false, current: null });
});

/** Many concurrent writes of distinct values and a read of a value none of them wrote: 2^n configurations to refute. */
function hardHistory(writes: number): Reg[] {
  const history = Array.from({ length: writes }, (_, i) => write(i, 0, 100, i));
  history.push(read(writes, 0, 100, -1));
  return history;
}

t.test('a check that runs out of time, is aborted or runs out of memory says unknown', async (t) => {
  const timedOut = check(registerModel, hardHistory(24), { timeoutMs: 0 });
  t.equal(timedOut.verdict, 'unknown');
  t.equal(timedOut.reason, 'timeout');
  t.equal(timedOut.violation, null);
  t.equal(timedOut.partitions[0].verdict, 'unknown');
  t.ok(timedOut.steps > 0);
  t.equal(check(registerModel, hardHistory(24), { signal: { aborted: true } }).reason, 'aborted');
  t.equal(check(registerModel, hardHistory(24), { memoryBytesMax: 1024 }).reason, 'memory');
  t.equal(check(registerModel, hardHistory(8)).verdict, 'not-linearizable', 'a small one finishes');
});

t.test('checkAsync yields to the event loop, so an AbortSignal can stop it', async (t) => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 30);
  const startMs = performance.now();
  const result = await checkAsync(registerModel, hardHistory(40), { signal: controller.signal, timeoutMs: 60_000 });
  t.equal(result.verdict, 'unknown');
  t.equal(result.reason, 'aborted');
  t.ok(performance.now() - startMs < 10_000, 'stopped soon after the abort');
  t.equal((await checkAsync(registerModel, [write(0, 0, 1, 1), read(1, 2, 3, 1)])).verdict, 'linearizable');
});

t.test('one hard partition does not hide a violation in another', async (t) => {
  // Key "hard" would take 2^30 steps to refute; key "easy" fails at once. Partitions are interleaved.
  const history: History<KvInput, KvOutput> = [];
  for (let i = 0; i < 30; i++) history.push(op(i, 0, 100, { op: 'put', key: 'hard', value: `v${i}` }, {}));
  history.push(op(30, 0, 100, { op: 'get', key: 'hard' }, { value: 'nobody' }));
  history.push(op(31, 0, 1, { op: 'put', key: 'easy', value: 'a' }, {}), op(31, 2, 3, { op: 'get', key: 'easy' }, { value: 'b' }));
  const result = check(kvModel, history, { timeoutMs: 30_000 });
  t.equal(result.verdict, 'not-linearizable');
  t.equal(result.violation?.key, 'easy');
  t.same(result.partitions.map((p) => [p.key, p.verdict]), [['easy', 'not-linearizable'], ['hard', 'unknown']]);
});

t.test('histories that make no sense are refused with a code', async (t) => {
  t.throws(() => check(registerModel, [write(0, 10, 5, 1)]), { code: 'KEEL_BAD_HISTORY', message: /returns \(5\) before it is called \(10\)/ });
  t.throws(() => check(registerModel, [{ ...read(0, 0, 1, 1), return: Infinity }]), { code: 'KEEL_BAD_HISTORY', message: /cannot have an output/ });
  t.equal(check(registerModel, []).verdict, 'linearizable', 'an empty history is linearizable');
});

// ---- the property ----

/** A model's operation and its sequential meaning: the simple implementation the checker must agree with. */
interface Subject<I, O, S extends ModelState> {
  model: Model<I, O, S>;
  input: fc.Arbitrary<I>;
  run(state: S, input: I): { state: S; output: O };
  isRead(input: I): boolean;
  /** A read's output with a value nobody writes. */
  corrupt(input: I): O;
}

const register: Subject<RegisterInput, RegisterOutput, number | string | null> = {
  model: registerModel,
  input: fc.oneof(
    fc.constant<RegisterInput>({ op: 'read' }),
    fc.integer({ min: 0, max: 3 }).map((value): RegisterInput => ({ op: 'write', value })),
    fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })).map(([from, to]): RegisterInput => ({ op: 'cas', from, to })),
  ),
  run(state, input) {
    if (input.op === 'read') return { state, output: { value: state } };
    if (input.op === 'write') return { state: input.value, output: {} };
    return state === input.from ? { state: input.to, output: { ok: true } } : { state, output: { ok: false } };
  },
  isRead: (input) => input.op === 'read',
  corrupt: () => ({ value: 99 }),
};

const keys = fc.constantFrom('a', 'b', 'c');
const words = fc.constantFrom('x', 'y', 'z');

const kv: Subject<KvInput, KvOutput, string> = {
  model: kvModel,
  input: fc.oneof(
    keys.map((key): KvInput => ({ op: 'get', key })),
    fc.tuple(keys, words).map(([key, value]): KvInput => ({ op: 'put', key, value })),
    fc.tuple(keys, words).map(([key, value]): KvInput => ({ op: 'append', key, value })),
  ),
  run(state, input) {
    if (input.op === 'get') return { state, output: { value: state } };
    return { state: input.op === 'put' ? input.value : state + input.value, output: {} };
  },
  isRead: (input) => input.op === 'get',
  corrupt: () => ({ value: 'never-written' }),
};

const maybeWord = fc.option(words, { nil: null });
const keel: Subject<KeelInput, KeelOutput, string | null> = {
  model: keelModel,
  input: fc.oneof(
    keys.map((key): KeelInput => ({ op: 'get', key })),
    fc.tuple(keys, words).map(([key, value]): KeelInput => ({ op: 'put', key, value })),
    keys.map((key): KeelInput => ({ op: 'delete', key })),
    fc.tuple(keys, maybeWord, maybeWord).map(([key, expected, value]): KeelInput => ({ op: 'cas', key, expected, value })),
  ),
  run(state, input) {
    switch (input.op) {
      case 'get':
        return { state, output: { value: state } };
      case 'put':
        return { state: input.value, output: { prevValue: state } };
      case 'delete':
        return { state: null, output: { deleted: state === null ? 0 : 1, prevValue: state } };
      case 'cas':
        return state === input.expected ? { state: input.value, output: { succeeded: true } } : { state, output: { succeeded: false, current: state } };
    }
  },
  isRead: (input) => input.op === 'get',
  corrupt: () => ({ value: 'never-written' }),
};

/** How an operation's interval sits around its linearization point, and whether its answer was lost. */
interface Blur {
  before: number;
  after: number;
  fate: 'answered' | 'lost-applied' | 'lost-dropped';
}
const blur: fc.Arbitrary<Blur> = fc.record({
  before: fc.nat(25),
  after: fc.nat(25),
  fate: fc.constantFrom<Blur['fate']>('answered', 'answered', 'answered', 'answered', 'lost-applied', 'lost-dropped'),
});

/**
 * Runs the inputs in order, one every 10 time units, each over an interval around its point. A
 * lost operation returns at +infinity; 'lost-dropped' never takes effect (nobody can tell).
 */
function sequentialHistory<I, O, S extends ModelState>(subject: Subject<I, O, S>, steps: { input: I; blur: Blur }[]): History<I, O> {
  const states = new Map<string, S>();
  return steps.map(({ input, blur: b }, i) => {
    const key = subject.model.partitionKey?.(input) ?? '';
    const point = 10 * i + 100;
    if (b.fate === 'lost-dropped') return op(i, point - b.before, null, input);
    const { state, output } = subject.run(states.get(key) ?? subject.model.initial, input);
    states.set(key, state);
    return op(i, point - b.before, b.fate === 'lost-applied' ? null : point + b.after, input, output);
  });
}

function propertyFor<I, O, S extends ModelState>(name: string, subject: Subject<I, O, S>): void {
  t.test(`${name}: a sequential run with blurred intervals is linearizable; with one read corrupted it is not`, async (t) => {
    const property = fc.property(fc.array(fc.record({ input: subject.input, blur }), { minLength: 1, maxLength: 40 }), fc.nat(), (steps, pick) => {
      const history = sequentialHistory(subject, steps);
      const good = check(subject.model, history, { timeoutMs: 10_000 });
      if (good.verdict !== 'linearizable') throw new Error(`expected linearizable, got ${good.verdict}`);
      const reads = history.map((o, i) => (subject.isRead(o.input) && o.output !== undefined ? i : -1)).filter((i) => i >= 0);
      if (reads.length === 0) return;
      const victim = reads[pick % reads.length];
      const corrupted = history.map((o, i) => (i === victim ? { ...o, output: subject.corrupt(o.input) } : o));
      const bad = check(subject.model, corrupted, { timeoutMs: 10_000 });
      if (bad.verdict !== 'not-linearizable') throw new Error(`expected not-linearizable after corrupting operation ${victim}, got ${bad.verdict}`);
      if (bad.violation!.prefix.includes(corrupted[victim])) throw new Error('the corrupted read was placed in the linearizable prefix');
    });
    fc.assert(property, { numRuns: 300, ...seed });
    t.pass('300 random histories');
  });
}

propertyFor('register', register);
propertyFor('kv', kv);
propertyFor('keel', keel);
