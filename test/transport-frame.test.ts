// The frame codec and message validation without sockets: any split of a byte stream into
// chunks yields the same frames; every Message the core can produce survives encode + validate
// deep-equal; a mutated body is refused or decodes to a valid Message, never throws anything else.
// A property failure prints its seed; FC_SEED=<seed> replays it.
import t from 'tap';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import type { Message } from '../raft/core/index.ts';
import { decodeBody, encodeFrame, FrameDecoder, FrameError, FrameKind } from '../raft/transport/frame.ts';
import { InvalidMessageError, parseMessages } from '../raft/transport/validate.ts';

const seed = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };

const count = fc.nat({ max: 1_000_000 });
// Plain objects, so that a strict deep equality (prototypes included) can tell a Buffer from a Uint8Array.
const rec = <T,>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> => fc.record(model, { noNullPrototype: true }) as fc.Arbitrary<T>;
const bytes = fc.uint8Array({ maxLength: 64 });
const confChange = rec({ type: fc.constantFrom('add-learner' as const, 'add-voter' as const, 'remove' as const), node: fc.integer({ min: 1, max: 9 }) });
const entry = fc.oneof(
  rec({ term: count, index: count, kind: fc.constant('normal' as const), data: bytes }),
  rec({ term: count, index: count, kind: fc.constant('conf' as const), data: bytes, change: confChange }),
);
const ids = fc.array(fc.integer({ min: 1, max: 9 }), { maxLength: 5 });
const snapshot = rec({ meta: rec({ index: count, term: count, conf: rec({ voters: ids, learners: ids }) }), data: bytes });
const message = (from: number, to: number): fc.Arbitrary<Message> =>
  rec({
    type: fc.constantFrom('pre-vote', 'pre-vote-resp', 'vote', 'vote-resp', 'append', 'append-resp', 'heartbeat', 'heartbeat-resp', 'snapshot', 'timeout-now', 'read-index', 'read-index-resp'),
    from: fc.constant(from),
    to: fc.constant(to),
    term: count,
    logTerm: count,
    index: count,
    entries: fc.array(entry, { maxLength: 4 }),
    commit: count,
    reject: fc.boolean(),
    rejectHint: count,
    readSeq: count,
    context: fc.string({ maxLength: 8 }),
    snapshot: fc.option(snapshot, { nil: null }),
    transfer: fc.boolean(),
  });

t.test('any chunking of a frame stream yields the same frames, in order', async (t) => {
  const property = fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1 }), (payloads, cuts) => {
    const stream = Buffer.concat(payloads.map((p) => encodeFrame([FrameKind.messages, p])));
    const decoder = new FrameDecoder(1 << 16);
    const bodies: Buffer[] = [];
    for (let at = 0, i = 0; at < stream.length; i++) {
      const size = cuts[i % cuts.length]!;
      bodies.push(...decoder.push(stream.subarray(at, at + size)));
      at += size;
    }
    const decoded = bodies.map((b) => Buffer.from((decodeBody(b) as [number, Uint8Array])[1]));
    return decoder.buffered === 0 && isDeepStrictEqual(decoded, payloads.map((p) => Buffer.from(p)));
  });
  fc.assert(property, { numRuns: 200, ...seed });
  t.pass('200 random streams and chunkings');
});

t.test('a length prefix over the limit, or zero, is a FrameError before any body is read', async (t) => {
  t.throws(() => new FrameDecoder(1000).push(Buffer.from([0, 0, 0x03, 0xe9])), FrameError);
  t.throws(() => new FrameDecoder(1000).push(Buffer.from([0, 0, 0, 0])), FrameError);
  const decoder = new FrameDecoder(1000);
  t.same(decoder.push(Buffer.from([0, 0, 0x03])), [], 'a partial header waits');
  t.throws(() => decoder.push(Buffer.from([0xe9])), FrameError, 'and is checked once complete');
});

t.test('every Message round-trips encode -> decode -> validate deep-equal, bytes as plain Uint8Array', async (t) => {
  const property = fc.property(fc.array(message(3, 1), { minLength: 1, maxLength: 4 }), (messages) => {
    const frame = encodeFrame([FrameKind.messages, messages]);
    const [body] = new FrameDecoder(1 << 20).push(frame);
    const decoded = parseMessages((decodeBody(body!) as unknown[])[1], 3, 1);
    return isDeepStrictEqual(decoded, messages);
  });
  fc.assert(property, { numRuns: 300, ...seed });
  t.pass('300 random batches round-trip strictly deep-equal (a Buffer would not equal a Uint8Array)');
});

t.test('a corrupted body is refused with FrameError or InvalidMessageError, never anything else', async (t) => {
  let refused = 0;
  const property = fc.property(message(3, 1), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 4 }), (m, flips) => {
    const body = encodeFrame([FrameKind.messages, [m]]).subarray(4);
    for (const [at, value] of flips) body[at % body.length] = value;
    try {
      const decoded = decodeBody(body);
      if (!Array.isArray(decoded) || decoded[0] !== FrameKind.messages) throw new InvalidMessageError('not a messages frame');
      parseMessages(decoded[1], 3, 1);
    } catch (error) {
      if (!(error instanceof FrameError) && !(error instanceof InvalidMessageError)) throw error;
      refused++;
    }
  });
  fc.assert(property, { numRuns: 500, ...seed });
  t.ok(refused > 0, `${refused} of 500 corrupted bodies refused, the rest still valid messages`);
});
