// The streaming watch routes on a real node:http server (port 0) over the in-memory source:
// keel's NDJSON stream, etcd's grpc-gateway JSON (base64 bytes, int64 as strings, zero fields
// omitted), 400s before streaming, a disconnect cancels the watcher, a client that stops reading
// loses nothing.
import t from 'tap';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClusterHeader } from '../store/api/context.ts';
import { WatchHub, type WatchHubOptions, type WatchTimers } from '../store/watch/hub.ts';
import { handleEtcdWatch, handleNativeWatch } from '../store/watch/http.ts';
import { MemoryWatchSource } from '../store/watch/memory-source.ts';

const b64 = (text: string) => Buffer.from(text).toString('base64');

class FakeTimers implements WatchTimers {
  callback: (() => void) | null = null;
  setInterval(callback: () => void): unknown {
    this.callback = callback;
    return 1;
  }
  clearInterval(): void {}
  tick(): void {
    this.callback?.();
  }
}

interface Fixture {
  source: MemoryWatchSource;
  hub: WatchHub;
  timers: FakeTimers;
  port: number;
  close(): Promise<void>;
}

async function start(options: WatchHubOptions = {}): Promise<Fixture> {
  const source = new MemoryWatchSource();
  const timers = new FakeTimers();
  const hub = new WatchHub(source, { timers, ...options });
  const header = (): ClusterHeader => ({ clusterId: 12585971608760269493n, memberId: 7, revision: source.currentRevision, raftTerm: 2 });
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://keel');
    if (url.pathname === '/v1/watch') return handleNativeWatch(req, res, url, hub, header);
    if (url.pathname === '/v3/watch') return void handleEtcdWatch(req, res, hub, header);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    source,
    hub,
    timers,
    port,
    async close() {
      hub.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A streaming response read line by line. */
class LineStream {
  readonly response: IncomingMessage;
  readonly #lines: string[] = [];
  #partial = '';
  #raw = '';
  #ended = false;
  #wake: (() => void) | null = null;

  constructor(response: IncomingMessage) {
    this.response = response;
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      this.#raw += chunk;
      const parts = (this.#partial + chunk).split('\n');
      this.#partial = parts.pop()!;
      this.#lines.push(...parts.filter((line) => line !== ''));
      this.#wake?.();
    });
    response.on('end', () => {
      this.#ended = true;
      this.#wake?.();
    });
  }

  /** The next line as JSON, or null at the end of the stream. */
  async next(timeoutMs = 10_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    while (this.#lines.length === 0 && !this.#ended) {
      if (Date.now() > deadline) throw new Error('no line within the deadline');
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        setTimeout(resolve, 50);
      });
    }
    const line = this.#lines.shift();
    return line === undefined ? null : JSON.parse(line);
  }

  /** The whole body, once the response ended. */
  async text(): Promise<string> {
    while (!this.#ended) await this.next().catch(() => null);
    return this.#raw;
  }

  close(): void {
    this.response.destroy();
  }
}

function open(port: number, path: string, body?: string): Promise<LineStream> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: body === undefined ? 'GET' : 'POST', headers: body === undefined ? {} : { 'content-type': 'application/json' } }, (res) =>
      resolve(new LineStream(res)),
    );
    req.on('error', reject);
    req.end(body);
  });
}

function readAll(stream: LineStream): Promise<string> {
  return stream.text();
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

t.test('GET /v1/watch streams NDJSON: history, live events, progress', async (t) => {
  const f = await start();
  t.teardown(() => f.close());
  f.source.put('app/a', 'one');
  f.source.put('other', 'x');
  f.source.put('app/a', 'two');
  const stream = await open(f.port, '/v1/watch?key=app/&prefix=true&startRevision=1&prevKv=true&progressNotify=true');
  t.equal(stream.response.statusCode, 200);
  t.equal(stream.response.headers['content-type'], 'application/x-ndjson');
  t.equal(stream.response.headers['x-keel-revision'], '3');
  t.same(await stream.next(), {
    revision: 3,
    events: [
      { type: 'put', kv: { key: 'app/a', value: 'one', createRevision: 1, modRevision: 1, version: 1, lease: 0 } },
      {
        type: 'put',
        kv: { key: 'app/a', value: 'two', createRevision: 1, modRevision: 3, version: 2, lease: 0 },
        prevKv: { key: 'app/a', value: 'one', createRevision: 1, modRevision: 1, version: 1, lease: 0 },
      },
    ],
  });
  f.source.delete('app/a');
  t.same(await stream.next(), {
    revision: 4,
    events: [{ type: 'delete', kv: { key: 'app/a', value: '', createRevision: 0, modRevision: 4, version: 0, lease: 0 }, prevKv: { key: 'app/a', value: 'two', createRevision: 1, modRevision: 3, version: 2, lease: 0 } }],
  });
  f.timers.tick();
  f.timers.tick();
  t.same(await stream.next(), { revision: 4, progress: true });
  stream.close();
});

t.test('GET /v1/watch from a compacted revision: one KEEL_COMPACTED line, then the end', async (t) => {
  const f = await start();
  t.teardown(() => f.close());
  for (let i = 0; i < 5; i++) f.source.put('k', `${i}`);
  f.source.compact(3);
  const stream = await open(f.port, '/v1/watch?key=k&startRevision=2');
  t.equal(stream.response.statusCode, 200);
  const line = await stream.next();
  t.equal(line.code, 'KEEL_COMPACTED');
  t.equal(line.compactRevision, 3);
  t.match(line.message, /compacted/);
  t.equal(await stream.next(), null, 'the stream ends');
  t.equal(f.hub.size, 0);
});

t.test('GET /v1/watch: bad parameters answer 400 with a code before streaming', async (t) => {
  const f = await start();
  t.teardown(() => f.close());
  const cases = [
    '/v1/watch',
    '/v1/watch?key=',
    '/v1/watch?key=a&prefix=true&rangeEnd=b',
    '/v1/watch?key=a&startRevision=-1',
    '/v1/watch?key=a&startRevision=1.5',
    '/v1/watch?key=a&prevKv=yes',
    '/v1/watch?key=a&progressNotify=1',
    '/v1/watch?key=a&filters=noput,nothing',
    `/v1/watch?key=${'k'.repeat(5000)}`,
  ];
  for (const path of cases) {
    const stream = await open(f.port, path);
    t.equal(stream.response.statusCode, 400, path.slice(0, 60));
    const body = JSON.parse(await readAll(stream));
    t.equal(body.code, 'KEEL_BAD_REQUEST');
    t.type(body.message, 'string');
  }
  t.equal(f.hub.size, 0, 'no watcher was created');
});

t.test('a client that disconnects cancels its watcher', async (t) => {
  const f = await start();
  t.teardown(() => f.close());
  const native = await open(f.port, '/v1/watch?key=k');
  const etcd = await open(f.port, '/v3/watch', JSON.stringify({ create_request: { key: b64('k') } }));
  await etcd.next();
  t.equal(f.hub.size, 2);
  native.close();
  etcd.close();
  await until(() => f.hub.size === 0, 'the watchers to be cancelled');
  t.equal(f.hub.size, 0);
});

t.test('the watcher limit answers 429 with KEEL_TOO_MANY_WATCHES', async (t) => {
  const f = await start({ watchersMax: 1 });
  t.teardown(() => f.close());
  const first = await open(f.port, '/v1/watch?key=k');
  const second = await open(f.port, '/v1/watch?key=k');
  t.equal(second.response.statusCode, 429);
  t.equal(JSON.parse(await readAll(second)).code, 'KEEL_TOO_MANY_WATCHES');
  const third = await open(f.port, '/v3/watch', JSON.stringify({ create_request: { key: b64('k') } }));
  t.equal(third.response.statusCode, 429);
  t.same(JSON.parse(await readAll(third)).error.grpc_code, 8);
  first.close();
});

t.test('a client that stops reading stalls only its own watcher, and gets every event once it reads again', async (t) => {
  const f = await start({ bufferBytesMax: 64 * 1024 });
  t.teardown(() => f.close());
  const stream = await open(f.port, '/v1/watch?key=big/&prefix=true');
  stream.response.pause();
  const value = 'v'.repeat(32 * 1024);
  const total = 400; // ~13 MiB: far beyond the socket buffers
  for (let i = 0; i < total; i++) {
    f.source.put(`big/${i % 10}`, value);
    if (i % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  const before = f.source.historyCalls;
  stream.response.resume();
  const revisions: number[] = [];
  while (revisions.length < total) {
    const line = await stream.next();
    if (line === null) break;
    for (const event of line.events) revisions.push(event.kv.modRevision);
  }
  t.same(revisions, Array.from({ length: total }, (_, i) => i + 1), 'every revision once, in order');
  t.ok(f.source.historyCalls > before, `the stalled watcher read ${f.source.historyCalls - before} chunks from history`);
  stream.close();
});

t.test('POST /v3/watch speaks etcd grpc-gateway JSON', async (t) => {
  const f = await start();
  t.teardown(() => f.close());
  f.source.put('foo', 'bar');
  const stream = await open(
    f.port,
    '/v3/watch',
    JSON.stringify({ create_request: { key: b64('foo'), range_end: b64('fop'), start_revision: '1', prev_kv: true, progress_notify: true } }),
  );
  t.equal(stream.response.statusCode, 200);
  t.equal(stream.response.headers['content-type'], 'application/json');
  const header = { cluster_id: '12585971608760269493', member_id: '7', raft_term: '2' };
  t.same(await stream.next(), { result: { header: { ...header, revision: '1' }, created: true } }, 'created: watch_id 0 omitted');
  t.same(await stream.next(), { result: { header: { ...header, revision: '1' }, events: [{ kv: { key: b64('foo'), create_revision: '1', mod_revision: '1', version: '1', value: b64('bar') } }] } }, 'a PUT has no type, zero lease omitted');
  f.source.apply([[{ key: 'foo', value: '', lease: 42 }]]);
  f.source.delete('foo');
  t.same(await stream.next(), {
    result: {
      header: { ...header, revision: '2' },
      events: [{ kv: { key: b64('foo'), create_revision: '1', mod_revision: '2', version: '2', lease: '42' }, prev_kv: { key: b64('foo'), create_revision: '1', mod_revision: '1', version: '1', value: b64('bar') } }],
    },
  }, 'an empty value is omitted, a lease is a string');
  t.same(await stream.next(), {
    result: {
      header: { ...header, revision: '3' },
      events: [{ type: 'DELETE', kv: { key: b64('foo'), mod_revision: '3' }, prev_kv: { key: b64('foo'), create_revision: '1', mod_revision: '2', version: '2', lease: '42' } }],
    },
  }, 'a DELETE carries the key and its revision alone');
  f.source.put('zzz', 'other key');
  f.timers.tick();
  f.timers.tick();
  t.same(await stream.next(), { result: { header: { ...header, revision: '4' } } }, 'progress: a header alone');
  stream.close();
});

t.test('POST /v3/watch: numbers for int64, filters, prev_kv off', async (t) => {
  const f = await start();
  t.teardown(() => f.close());
  f.source.put('a', '1');
  f.source.delete('a');
  const stream = await open(f.port, '/v3/watch', `${JSON.stringify({ create_request: { key: b64('a'), start_revision: 1, filters: ['NOPUT'] } })}\n{"progress_request":{}}`);
  t.same((await stream.next()).result.created, true);
  t.same((await stream.next()).result.events, [{ type: 'DELETE', kv: { key: b64('a'), mod_revision: '2' } }], 'prev_kv left out unless asked');
  stream.close();
});

t.test('POST /v3/watch from a compacted revision: canceled with compact_revision', async (t) => {
  const f = await start();
  t.teardown(() => f.close());
  for (let i = 0; i < 5; i++) f.source.put('k', `${i}`);
  f.source.compact(4);
  const stream = await open(f.port, '/v3/watch', JSON.stringify({ create_request: { key: b64('k'), start_revision: '2' } }));
  const header = { cluster_id: '12585971608760269493', member_id: '7', raft_term: '2' };
  t.same(await stream.next(), { result: { header: { ...header, revision: '5' }, created: true } });
  t.same(await stream.next(), { result: { header, canceled: true, compact_revision: '4' } }, "etcd's compaction response has revision 0 in its header");
  t.equal(await stream.next(), null);

  const negative = await open(f.port, '/v3/watch', JSON.stringify({ create_request: { key: b64('k'), start_revision: '-1' } }));
  t.same(await negative.next(), {
    result: { header: { ...header, revision: '5' }, watch_id: '-1', created: true, canceled: true, cancel_reason: 'etcdserver: mvcc: required revision has been compacted' },
  });
  t.equal(await negative.next(), null);
});

t.test('POST /v3/watch: bad requests answer 400 in the gateway error shape', async (t) => {
  const f = await start();
  t.teardown(() => f.close());
  const bodies = ['', 'not json', '{}', '{"create_request":{"key":"***"}}', '{"create_request":{"key":"Zm9v","start_revision":"x"}}', '{"create_request":{"key":"Zm9v","filters":["NOTHING"]}}', '{"create_request":{"key":"Zm9v","prev_kv":"yes"}}'];
  for (const body of bodies) {
    const stream = await open(f.port, '/v3/watch', body);
    t.equal(stream.response.statusCode, 400, body);
    const error = JSON.parse(await readAll(stream)).error;
    t.equal(error.grpc_code, 3);
    t.equal(error.http_code, 400);
    t.type(error.message, 'string');
  }
  t.equal(f.hub.size, 0);
});
