// The watch hub against the in-memory source: etcd's watch guarantees (ordered, unique, complete
// from the start revision, revisions never split), compaction, progress notifications on a fake
// timer, backpressure with bounded memory, prevKv, filters and the watcher limit. The property
// test draws random interleavings of writes, history reads and a sink that stalls and drains;
// FC_SEED=<seed> replays a failure.
import t from 'tap';
import fc from 'fast-check';
import type { WatchEvent } from '../store/mvcc/types.ts';
import { WatchHub, type WatchHubOptions } from '../store/watch/hub.ts';
import { keyInRange, prefixEnd } from '../store/watch/key-range.ts';
import { MemoryWatchSource, type MemoryOp } from '../store/watch/memory-source.ts';
import type { SourceEvent, WatchRequest, WatchSink, Watcher } from '../store/watch/types.ts';
import type { ActiveWatcher } from '../store/watch/watcher.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const text = (bytes: Uint8Array) => decoder.decode(bytes);

type Call = { kind: 'events'; events: WatchEvent[]; revision: number } | { kind: 'progress'; revision: number } | { kind: 'compacted'; compactRevision: number } | { kind: 'failed'; error: Error };

/** A sink that records every call; `accept` decides what events() answers. */
class RecordingSink implements WatchSink {
  readonly calls: Call[] = [];
  accept = true;
  events(events: WatchEvent[], revision: number): boolean {
    this.calls.push({ kind: 'events', events, revision });
    return this.accept;
  }
  progress(revision: number): void {
    this.calls.push({ kind: 'progress', revision });
  }
  compacted(compactRevision: number): void {
    this.calls.push({ kind: 'compacted', compactRevision });
  }
  failed(error: Error): void {
    this.calls.push({ kind: 'failed', error });
  }
  get delivered(): WatchEvent[] {
    return this.calls.flatMap((call) => (call.kind === 'events' ? call.events : []));
  }
  /** Compact view of delivered events: type, key, mod revision. */
  get summary(): string[] {
    return this.delivered.map((event) => `${event.type} ${text(event.kv.key)}@${event.kv.modRevision}`);
  }
}

class FakeTimers {
  callback: (() => void) | null = null;
  intervalMs = 0;
  cleared = false;
  setInterval(callback: () => void, ms: number): unknown {
    this.callback = callback;
    this.intervalMs = ms;
    return 1;
  }
  clearInterval(): void {
    this.cleared = true;
  }
  tick(): void {
    this.callback?.();
  }
}

function request(key: string, options: Partial<WatchRequest> & { prefix?: boolean } = {}): WatchRequest {
  const bytes = encoder.encode(key);
  return {
    range: options.range ?? (options.prefix ? { key: bytes, rangeEnd: prefixEnd(bytes) } : { key: bytes }),
    startRevision: options.startRevision ?? 0,
    prevKv: options.prevKv ?? false,
    progressNotify: options.progressNotify ?? false,
    filters: options.filters ?? [],
  };
}

function makeHub(source: MemoryWatchSource, options: WatchHubOptions = {}): { hub: WatchHub; timers: FakeTimers } {
  const timers = new FakeTimers();
  return { hub: new WatchHub(source, { timers, ...options }), timers };
}

/** Lets held-free history reads and the catch-up loops run to rest. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

t.test('catch-up from history, then live: every event once, in order', async (t) => {
  const source = new MemoryWatchSource();
  source.put('a/1', 'x');
  source.put('b/1', 'y');
  source.put('a/2', 'z');
  const { hub } = makeHub(source, { historyChunkEvents: 1 });
  const sink = new RecordingSink();
  hub.watch(request('a/', { prefix: true, startRevision: 1 }), sink);
  t.same(sink.calls, [], 'nothing is delivered before watch() returns');
  source.put('a/3', 'w');
  await settle();
  source.delete('a/1');
  t.same(sink.summary, ['put a/1@1', 'put a/2@3', 'put a/3@4', 'delete a/1@5']);
  const revisions = sink.calls.map((call) => (call.kind === 'events' ? call.revision : -1));
  t.same(revisions, [1, 3, 4, 5], 'each delivery says through which revision the watch is complete');
  t.equal(hub.size, 1);
  hub.close();
  t.equal(hub.size, 0);
});

t.test('startRevision 0 watches from now; a future start revision waits for it', async (t) => {
  const source = new MemoryWatchSource();
  source.put('k', '1');
  const { hub } = makeHub(source);
  const now = new RecordingSink();
  const future = new RecordingSink();
  hub.watch(request('k'), now);
  hub.watch(request('k', { startRevision: 4 }), future);
  await settle();
  source.put('k', '2');
  source.put('k', '3');
  source.put('k', '4');
  t.same(now.summary, ['put k@2', 'put k@3', 'put k@4']);
  t.same(future.summary, ['put k@4']);
  hub.close();
});

t.test('a revision with more events than a history chunk is delivered whole', async (t) => {
  const source = new MemoryWatchSource();
  source.put('p/0', '0');
  source.apply([[1, 2, 3, 4, 5].map((i) => ({ key: `p/${i}`, value: `${i}` }))]);
  source.put('p/6', '6');
  const { hub } = makeHub(source, { historyChunkEvents: 2 });
  const sink = new RecordingSink();
  hub.watch(request('p/', { prefix: true, startRevision: 1 }), sink);
  await settle();
  const perCall = sink.calls.map((call) => (call.kind === 'events' ? call.events.map((event) => event.kv.modRevision) : []));
  t.same(perCall, [[1], [2, 2, 2, 2, 2], [3]]);
  hub.close();
});

t.test('a start revision at or below the compact revision gets compacted() and ends', async (t) => {
  const source = new MemoryWatchSource();
  for (let i = 0; i < 6; i++) source.put('k', `${i}`);
  source.compact(4);
  const { hub } = makeHub(source);
  const old = new RecordingSink();
  const edge = new RecordingSink();
  const fine = new RecordingSink();
  hub.watch(request('k', { startRevision: 3 }), old);
  hub.watch(request('k', { startRevision: 4 }), edge);
  hub.watch(request('k', { startRevision: 5 }), fine);
  t.same(old.calls, [], 'not synchronously');
  await settle();
  t.same(old.calls, [{ kind: 'compacted', compactRevision: 4 }]);
  t.same(edge.calls, [{ kind: 'compacted', compactRevision: 4 }]);
  t.same(fine.summary, ['put k@5', 'put k@6']);
  t.equal(hub.size, 1, 'the compacted watches ended');
  source.put('k', 'later');
  t.equal(old.calls.length, 1);
  hub.close();
});

t.test('compaction while a read is in flight, or while the sink is stalled, ends the watch with compacted()', async (t) => {
  const source = new MemoryWatchSource();
  for (let i = 0; i < 4; i++) source.put('k', `${i}`);
  const { hub } = makeHub(source);
  source.holdReads = true;
  const reading = new RecordingSink();
  hub.watch(request('k', { startRevision: 1 }), reading);
  await settle();
  t.equal(source.heldReads, 1);
  source.compact(2);
  source.release();
  await settle();
  t.same(reading.calls, [{ kind: 'compacted', compactRevision: 2 }]);

  source.holdReads = false;
  const stalled = new RecordingSink();
  stalled.accept = false;
  const watcher = hub.watch(request('k', { startRevision: 3 }), stalled);
  await settle();
  t.same(stalled.summary, ['put k@3', 'put k@4'], 'the first delivery is refused: the sink stalls');
  source.put('k', 'a');
  source.put('k', 'b');
  source.compact(5);
  stalled.accept = true;
  watcher.resume();
  await settle();
  t.same(stalled.calls.at(-1), { kind: 'compacted', compactRevision: 5 }, 'it missed revision 5, now compacted');
  t.equal(hub.size, 0);
  hub.close();
});

t.test('a history read that fails for another reason ends the watch with failed()', async (t) => {
  const source = new MemoryWatchSource();
  source.put('k', '1');
  source.history = () => Promise.reject(Object.assign(new Error('disk on fire'), { code: 'KEEL_STORAGE_READ' }));
  const { hub } = makeHub(source);
  const sink = new RecordingSink();
  hub.watch(request('k', { startRevision: 1 }), sink);
  await settle();
  t.equal(sink.calls.length, 1);
  t.equal(sink.calls[0].kind, 'failed');
  t.equal(hub.size, 0);
  hub.close();
});

t.test('progress notifications: only to quiet, live watchers that asked', async (t) => {
  const source = new MemoryWatchSource();
  source.put('k', '1');
  const { hub, timers } = makeHub(source, { progressIntervalMs: 250 });
  t.equal(timers.intervalMs, 250);
  const asked = new RecordingSink();
  const silent = new RecordingSink();
  hub.watch(request('k', { progressNotify: true }), asked);
  hub.watch(request('k'), silent);
  timers.tick();
  t.same(asked.calls, [{ kind: 'progress', revision: 1 }], 'a quiet interval');
  source.put('other', 'x');
  source.put('k', '2');
  timers.tick();
  t.same(asked.calls.slice(1).map((call) => call.kind), ['events'], 'an interval with events gets no progress');
  source.put('other', 'y');
  timers.tick();
  t.same(asked.calls.at(-1), { kind: 'progress', revision: 4 }, 'progress carries the current revision, past events of other keys');
  t.same(silent.calls.map((call) => call.kind), ['events'], 'no progress without progressNotify');

  source.holdReads = true;
  const catching = new RecordingSink();
  hub.watch(request('k', { startRevision: 1, progressNotify: true }), catching);
  await settle();
  timers.tick();
  t.same(catching.calls, [], 'a watcher still catching up gets no progress: it has not delivered up to the current revision');
  source.release();
  await settle();
  timers.tick();
  timers.tick();
  t.same(catching.calls.map((call) => call.kind), ['events', 'progress']);
  hub.close();
  t.ok(timers.cleared, 'close() stops the ticker');
});

t.test('a slow sink falls back to history and loses nothing, with bounded memory', async (t) => {
  const source = new MemoryWatchSource();
  const bufferBytesMax = 1024;
  const { hub } = makeHub(source, { bufferBytesMax, historyChunkEvents: 7 });
  const sink = new RecordingSink();
  const watcher = hub.watch(request('k/', { prefix: true }), sink) as ActiveWatcher;
  source.put('k/0', 'v');
  t.equal(sink.calls.length, 1);
  sink.accept = false;
  source.put('k/1', 'v');
  t.equal(watcher.state, 'paused', 'the refused delivery pauses the watcher');
  const before = source.historyCalls;
  for (let i = 2; i < 200; i++) source.put(`k/${i}`, 'v'.repeat(100));
  t.equal(watcher.bufferedBytes, 0, 'a paused watcher holds nothing');
  t.equal(sink.calls.length, 2, 'and sends nothing');
  sink.accept = true;
  source.holdReads = true;
  watcher.resume();
  t.equal(watcher.state, 'catching-up');
  // Writes keep coming during the catch-up: the buffer overflows and is dropped, never held past its bound.
  let maxBuffered = 0;
  for (let round = 0; source.heldReads > 0 || watcher.state !== 'live'; round++) {
    for (let i = 0; i < 3 && round < 20; i++) {
      source.put(`k/x${round}-${i}`, 'w'.repeat(200));
      maxBuffered = Math.max(maxBuffered, watcher.bufferedBytes);
    }
    source.release();
    await settle();
  }
  t.ok(maxBuffered <= bufferBytesMax, `buffer peaked at ${maxBuffered} bytes <= ${bufferBytesMax}`);
  t.ok(source.historyCalls > before, 'the missed events came from history');
  const expected = source.log.map((event) => `${event.type} ${text(event.kv.key)}@${event.revision}`);
  t.same(sink.summary, expected, 'every event, once, in order');
  hub.close();
});

t.test('prevKv is delivered only when asked', async (t) => {
  const source = new MemoryWatchSource();
  const { hub } = makeHub(source);
  const withPrev = new RecordingSink();
  const without = new RecordingSink();
  hub.watch(request('k', { prevKv: true }), withPrev);
  hub.watch(request('k'), without);
  source.put('k', 'one');
  source.put('k', 'two');
  source.delete('k');
  t.same(withPrev.delivered.map((event) => (event.prevKv === undefined ? null : text(event.prevKv.value))), [null, 'one', 'two']);
  t.ok(without.delivered.every((event) => !('prevKv' in event)), 'no prevKv field at all');
  t.ok(source.log[1].prevKv !== undefined, 'the source objects are not touched');
  hub.close();
});

t.test('filters drop puts or deletes, history and live alike', async (t) => {
  const source = new MemoryWatchSource();
  source.put('k', '1');
  source.delete('k');
  const { hub } = makeHub(source);
  const noPut = new RecordingSink();
  const noDelete = new RecordingSink();
  hub.watch(request('k', { startRevision: 1, filters: ['noput'] }), noPut);
  hub.watch(request('k', { startRevision: 1, filters: ['nodelete'] }), noDelete);
  await settle();
  source.put('k', '2');
  source.delete('k');
  t.same(noPut.summary, ['delete k@2', 'delete k@4']);
  t.same(noDelete.summary, ['put k@1', 'put k@3']);
  hub.close();
});

t.test('the watcher limit refuses with KEEL_TOO_MANY_WATCHES', async (t) => {
  const source = new MemoryWatchSource();
  const { hub } = makeHub(source, { watchersMax: 2 });
  const first = hub.watch(request('a'), new RecordingSink());
  hub.watch(request('b'), new RecordingSink());
  t.throws(() => hub.watch(request('c'), new RecordingSink()), { code: 'KEEL_TOO_MANY_WATCHES', watchersMax: 2 });
  first.cancel();
  first.cancel();
  t.equal(hub.size, 1, 'cancel is idempotent');
  t.doesNotThrow(() => hub.watch(request('c'), new RecordingSink()));
  hub.close();
});

t.test('a cancelled watcher hears nothing more, even from a read in flight', async (t) => {
  const source = new MemoryWatchSource();
  source.put('k', '1');
  const { hub } = makeHub(source);
  source.holdReads = true;
  const sink = new RecordingSink();
  const watcher = hub.watch(request('k', { startRevision: 1 }), sink);
  await settle();
  watcher.cancel();
  source.release();
  source.put('k', '2');
  await settle();
  t.same(sink.calls, []);
  t.equal(hub.size, 0);
  hub.close();
});

// ---- the property -----------------------------------------------------------------------------

const keys = ['a', 'a/1', 'a/2', 'b', 'c'];
const op = fc.record({ key: fc.constantFrom(...keys), del: fc.boolean(), size: fc.nat(120) });
const revisionOps = fc.uniqueArray(op, { minLength: 1, maxLength: 3, selector: (o) => o.key });
const command = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('write' as const), revisions: fc.array(revisionOps, { minLength: 1, maxLength: 3 }) }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'read' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'stall' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'drain' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'flush' as const }) },
);
const ranges = [
  { name: 'one key a', range: { key: encoder.encode('a') } },
  { name: 'prefix a', range: { key: encoder.encode('a'), rangeEnd: prefixEnd(encoder.encode('a')) } },
  { name: '[a/1, c)', range: { key: encoder.encode('a/1'), rangeEnd: encoder.encode('c') } },
  { name: 'every key', range: { key: new Uint8Array([0]), rangeEnd: new Uint8Array([0]) } },
];

function toOps(revisions: Array<Array<{ key: string; del: boolean; size: number }>>): MemoryOp[][] {
  return revisions.map((ops) => ops.map((o) => (o.del ? { key: o.key, delete: true as const } : { key: o.key, value: 'v'.repeat(o.size) })));
}

t.test('property: any interleaving of writes, reads and a stalling sink delivers exactly the source events of the range from the start revision', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.array(revisionOps, { minLength: 1, maxLength: 2 }), { maxLength: 6 }),
      fc.nat(ranges.length - 1),
      fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 10 })),
      fc.subarray(['noput', 'nodelete'] as const, { maxLength: 1 }),
      fc.boolean(),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 100, max: 800 }),
      fc.array(command, { maxLength: 40 }),
      async (before, rangeIndex, startRevision, filters, prevKv, historyChunkEvents, bufferBytesMax, commands) => {
        const source = new MemoryWatchSource();
        for (const batch of before) source.apply(toOps(batch));
        const { hub } = makeHub(source, { historyChunkEvents, bufferBytesMax });
        source.holdReads = true;
        const { range } = ranges[rangeIndex];
        const sink = new RecordingSink();
        const effectiveStart = startRevision === 0 ? source.currentRevision + 1 : startRevision;
        const watcher = hub.watch({ range, startRevision, prevKv, progressNotify: false, filters: [...filters] }, sink) as ActiveWatcher & Watcher;
        for (const c of commands) {
          if (c.kind === 'write') source.apply(toOps(c.revisions));
          else if (c.kind === 'read') source.release();
          else if (c.kind === 'stall') sink.accept = false;
          else if (c.kind === 'drain') {
            sink.accept = true;
            watcher.resume();
          } else await settle();
          if (watcher.bufferedBytes > bufferBytesMax) throw new Error(`buffer at ${watcher.bufferedBytes} bytes over ${bufferBytesMax}`);
        }
        // Quiesce: the sink drains and every read is answered.
        sink.accept = true;
        for (let guard = 0; watcher.state !== 'live'; guard++) {
          if (guard > 10_000) throw new Error(`watcher stuck in ${watcher.state}`);
          watcher.resume();
          source.release();
          await settle();
        }
        const wanted = (event: SourceEvent) =>
          event.revision >= effectiveStart && keyInRange(event.kv.key, range) && !(filters.includes('noput') && event.type === 'put') && !(filters.includes('nodelete') && event.type === 'delete');
        const describe = (event: WatchEvent) =>
          `${event.type} ${text(event.kv.key)}@${event.kv.modRevision} v${event.kv.version} ${event.kv.value.length}B prev=${event.prevKv === undefined ? '-' : event.prevKv.modRevision}`;
        const expected = source.log.filter(wanted).map((event) => describe(prevKv ? event : { type: event.type, kv: event.kv }));
        const got = sink.delivered.map(describe);
        if (JSON.stringify(got) !== JSON.stringify(expected)) throw new Error(`delivered\n  ${got.join('\n  ')}\nexpected\n  ${expected.join('\n  ')}`);
        // A revision is never split, and each call's revision covers its events.
        let lastRevision = 0;
        for (const call of sink.calls) {
          if (call.kind !== 'events') throw new Error(`unexpected ${call.kind}`);
          if (call.events.length === 0) throw new Error('empty delivery');
          if (call.events[0].kv.modRevision <= lastRevision) throw new Error(`revision ${call.events[0].kv.modRevision} split or repeated after ${lastRevision}`);
          lastRevision = call.events.at(-1)!.kv.modRevision;
          if (call.revision < lastRevision) throw new Error(`delivery says ${call.revision} but holds ${lastRevision}`);
        }
        hub.close();
      },
    ),
    { numRuns: Number(process.env.FC_RUNS ?? 300), seed: process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED) },
  );
  t.pass('the delivered sequence equals the source events filtered by range from the start revision');
});
