// readBody on a real HTTP server: what it reads, what it refuses, and that a read body leaves
// no listeners behind (a finished request's 'close' must not build an error per request).
import t, { type Test } from 'tap';
import { createServer, type IncomingMessage } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { readBody } from '../store/http-api.ts';

interface Seen {
  body?: string;
  error?: string;
  listenersAfter?: Record<string, number>;
}

const watched = ['data', 'end', 'error', 'close'] as const;
const counts = (req: IncomingMessage): Record<string, number> => Object.fromEntries(watched.map((name) => [name, req.listenerCount(name)]));

async function serve(t: Test, bytesMax: number): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer(async (req, res) => {
    const before = counts(req);
    const entry: Seen = {};
    seen.push(entry);
    try {
      entry.body = Buffer.from(await readBody(req, bytesMax)).toString();
    } catch (error) {
      entry.error = (error as { code?: string }).code;
    }
    const after = counts(req);
    entry.listenersAfter = Object.fromEntries(watched.map((name) => [name, after[name] - before[name]]));
    res.end('ok');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

t.test('a body is read whole, and readBody leaves none of its listeners on the request', async (t) => {
  const { url, seen } = await serve(t, 1024);
  for (const body of ['hello', 'x'.repeat(1000)]) {
    const res = await request(url, { method: 'POST', body });
    await res.body.dump();
  }
  t.same(seen.map((s) => s.body?.length), [5, 1000]);
  for (const s of seen) t.same(s.listenersAfter, { data: 0, end: 0, error: 0, close: 0 }, 'no listener added by readBody remains');
});

t.test('an over-long body is refused with KEEL_VALUE_TOO_LARGE, declared or streamed', async (t) => {
  const { url, seen } = await serve(t, 10);
  const declared = await request(url, { method: 'POST', body: 'x'.repeat(100) });
  await declared.body.dump();
  const streamed = await request(url, { method: 'POST', body: Readable.from([Buffer.from('x'.repeat(8)), Buffer.from('x'.repeat(8))]) });
  await streamed.body.dump();
  t.same(seen.map((s) => s.error), ['KEEL_VALUE_TOO_LARGE', 'KEEL_VALUE_TOO_LARGE']);
  t.same(seen[1].listenersAfter, { data: 0, end: 0, error: 0, close: 0 }, 'a refused body leaves no listener either');
});
