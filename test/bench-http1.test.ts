// The load generator's lean HTTP/1.1 client against real servers: node:http for what a server
// sends of its own accord (lengths, chunks, keep-alive), and a raw TCP server for responses
// written byte by byte, split anywhere, malformed, or cut off.
import t, { type Test } from 'tap';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { once } from 'node:events';
import fc from 'fast-check';
import { Http1Connection, Http1Error } from '../bench/http1.ts';

async function httpServer(t: Test, handler: Parameters<typeof createHttpServer>[1]): Promise<{ url: string; sockets: () => number }> {
  const server = createHttpServer(handler);
  let sockets = 0;
  server.on('connection', () => sockets++);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sockets: () => sockets };
}

/** A TCP server that answers every request head it reads with `reply(requestText, socket)`. */
async function rawServer(t: Test, reply: (request: string, socket: Socket) => void): Promise<{ url: string; requests: string[]; connections: () => number }> {
  const requests: string[] = [];
  const open = new Set<Socket>();
  let connections = 0;
  const server = createNetServer((socket) => {
    connections++;
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    let text = '';
    socket.on('data', (data) => {
      text += data.toString('latin1');
      for (;;) {
        const end = text.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/\r\ncontent-length: (\d+)/i.exec(text.slice(0, end))?.[1] ?? 0);
        if (text.length < end + 4 + length) return;
        const request = text.slice(0, end + 4 + length);
        text = text.slice(end + 4 + length);
        requests.push(request);
        reply(request, socket);
      }
    });
    socket.on('error', () => {}); // a client that drops the connection is part of some tests
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    for (const socket of open) socket.destroy();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, connections: () => connections };
}

/** Writes `text` in pieces cut at `cuts` (offsets), one event-loop turn apart. */
async function writeInPieces(socket: Socket, text: string, cuts: number[]): Promise<void> {
  const at = [...new Set(cuts.filter((c) => c > 0 && c < text.length))].sort((a, b) => a - b);
  let from = 0;
  for (const cut of [...at, text.length]) {
    socket.write(text.slice(from, cut));
    from = cut;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return String((error as { code?: unknown }).code);
  }
  return 'no failure';
}

t.test('requests on one keep-alive connection: method, path, headers and body arrive, lengths and chunks come back', async (t) => {
  const seen: string[] = [];
  const server = await httpServer(t, (req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      seen.push(`${req.method} ${req.url} ${req.headers['content-type'] ?? '-'} ${req.headers['content-length'] ?? '-'} ${body}`);
      if (req.url === '/chunked') {
        res.write('first,');
        setTimeout(() => res.end('second'), 5);
      } else if (req.url === '/empty') {
        res.writeHead(204).end();
      } else {
        res.writeHead(req.url === '/missing' ? 404 : 200, { 'x-term': '7' }).end(`echo:${body}`);
      }
    });
  });
  const connection = new Http1Connection(server.url, { timeoutMs: 5_000 });
  t.teardown(() => connection.close());
  const put = await connection.request('PUT', '/v1/kv/a', undefined, Buffer.from('value-a'));
  t.equal(put.status, 200);
  t.equal(put.headers.get('x-term'), '7');
  t.equal(put.body.toString(), 'echo:value-a');
  const post = await connection.request('POST', '/v3/kv/put', { 'content-type': 'application/json' }, '{"key":"ä"}');
  t.equal(post.body.toString(), 'echo:{"key":"ä"}', 'a string body is sent as UTF-8 with its byte length');
  const chunked = await connection.request('GET', '/chunked', undefined);
  t.equal(chunked.body.toString(), 'first,second');
  t.equal((await connection.request('GET', '/missing', undefined)).status, 404);
  const empty = await connection.request('GET', '/empty', undefined);
  t.equal(empty.status, 204);
  t.equal(empty.body.length, 0);
  t.equal((await connection.request('GET', '/after', undefined)).status, 200);
  t.same(seen, [
    'PUT /v1/kv/a - 7 value-a',
    'POST /v3/kv/put application/json 12 {"key":"ä"}',
    'GET /chunked - - ',
    'GET /missing - - ',
    'GET /empty - - ',
    'GET /after - - ',
  ]);
  t.equal(server.sockets(), 1, 'every request went over the one connection');
});

t.test('a second request while one is in flight is refused', async (t) => {
  const server = await httpServer(t, (_req, res) => setTimeout(() => res.end('ok'), 20));
  const connection = new Http1Connection(server.url, { timeoutMs: 5_000 });
  t.teardown(() => connection.close());
  const first = connection.request('GET', '/', undefined);
  t.equal(await failure(connection.request('GET', '/', undefined)), 'HTTP1_BUSY');
  t.equal((await first).body.toString(), 'ok');
});

t.test('responses split at any byte, with interim responses, chunk extensions and trailers, read whole', async (t) => {
  const responses = [
    'HTTP/1.1 200 OK\r\nContent-Length: 11\r\nX-A: b\r\n\r\nhello world',
    'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\ncontent-length: 3\r\n\r\nabc',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: yes\r\n\r\n',
    'HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n',
  ];
  const bodies = ['hello world', 'abc', 'hello 0123456789', ''];
  const statuses = [200, 201, 200, 503];
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: responses.length - 1 }), fc.array(fc.nat({ max: 200 }), { maxLength: 6 }), async (which, cuts) => {
      const server = await rawServer(t, (_request, socket) => void writeInPieces(socket, responses[which], cuts));
      const connection = new Http1Connection(server.url, { timeoutMs: 5_000 });
      try {
        for (let i = 0; i < 2; i++) {
          const response = await connection.request('GET', '/', undefined);
          if (response.status !== statuses[which] || response.body.toString() !== bodies[which]) return false;
        }
        return server.requests.length === 2 && server.connections() === 1;
      } finally {
        connection.close();
      }
    }),
    { numRuns: 40 },
  );
});

t.test('a body to the end of the connection, and Connection: close, end the connection; the next request opens another', async (t) => {
  let connections = 0;
  const server = await rawServer(t, (request, socket) => {
    if (request.startsWith('GET /eof')) socket.end('HTTP/1.1 200 OK\r\n\r\nuntil the end');
    else socket.write('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok');
  });
  const connection = new Http1Connection(server.url, { timeoutMs: 5_000 });
  t.teardown(() => connection.close());
  t.equal((await connection.request('GET', '/eof', undefined)).body.toString(), 'until the end');
  t.equal((await connection.request('GET', '/close', undefined)).body.toString(), 'ok');
  t.equal((await connection.request('GET', '/eof', undefined)).body.toString(), 'until the end');
  t.equal(server.requests.length, 3);
  t.equal(server.connections(), 3, 'each response ended its connection');
});

t.test('failures carry codes, and the connection recovers from each', async (t) => {
  let mode = 'cut';
  const server = await rawServer(t, (_request, socket) => {
    if (mode === 'cut') socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf');
    else if (mode === 'garbage') socket.write('SMTP ready\r\n\r\n');
    else if (mode === 'bad-length') socket.write('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n');
    else if (mode === 'bad-chunk') socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n');
    else if (mode === 'silent') return;
    else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  });
  const connection = new Http1Connection(server.url, { timeoutMs: 200 });
  t.teardown(() => connection.close());
  const expected: Record<string, string> = { cut: 'HTTP1_CLOSED', garbage: 'HTTP1_BAD_RESPONSE', 'bad-length': 'HTTP1_BAD_RESPONSE', 'bad-chunk': 'HTTP1_BAD_RESPONSE', silent: 'HTTP1_TIMEOUT' };
  for (const [which, code] of Object.entries(expected)) {
    mode = which;
    t.equal(await failure(connection.request('GET', '/', undefined)), code, which);
    mode = 'ok';
    t.equal((await connection.request('GET', '/', undefined)).body.toString(), 'ok', `a request after ${which} succeeds`);
  }
});

t.test('a refused connection fails with the socket error code; close() fails a request in flight', async (t) => {
  const server = createNetServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  server.close();
  await once(server, 'close');
  const refused = new Http1Connection(`http://127.0.0.1:${port}`, { timeoutMs: 2_000 });
  t.equal(await failure(refused.request('GET', '/', undefined)), 'ECONNREFUSED');
  refused.close();

  const silent = await rawServer(t, () => {});
  const connection = new Http1Connection(silent.url, { timeoutMs: 5_000 });
  const inFlight = connection.request('GET', '/', undefined);
  setTimeout(() => connection.close(), 20);
  t.equal(await failure(inFlight), 'HTTP1_CLOSED');
  t.equal(await failure(connection.request('GET', '/', undefined)), 'HTTP1_CLOSED', 'a closed connection takes no more requests');
  t.ok(new Http1Error('HTTP1_TIMEOUT', 'x') instanceof Error);
});

t.test('bad URLs and timeouts are refused at construction', async (t) => {
  t.throws(() => new Http1Connection('https://127.0.0.1:1', { timeoutMs: 1 }), /only http/);
  t.throws(() => new Http1Connection('http://127.0.0.1:1', { timeoutMs: 0 }), /timeoutMs/);
});
