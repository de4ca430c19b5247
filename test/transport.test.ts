// The TCP peer transport on real sockets (127.0.0.1, OS-picked ports): messages round-trip,
// batching, the mutual handshake refuses strangers, hostile bytes close only their own
// connection, queues stay bounded, connections come back after a peer restarts.
import t, { type Test } from 'tap';
import { connect, createServer, type Socket } from 'node:net';
import { emptyMessage, type Message, type NodeId } from '../raft/core/index.ts';
import { PeerTransport, type PeerAddress, type TransportOptions } from '../raft/transport.ts';
import { decodeBody, encodeFrame, FrameDecoder, FrameKind } from '../raft/transport/frame.ts';
import { clientMac, parseClientHello, parseServerNonce, protocolVersion, newNonce, serverMac } from '../raft/transport/handshake.ts';

const host = '127.0.0.1';
const clusterId = 'cluster-test';
const secret = 'correct horse battery staple';

/** Polls `condition` until it holds; fails the test with `what` after the deadline. */
async function waitFor(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

interface Member {
  id: NodeId;
  transport: PeerTransport;
  address: PeerAddress;
  received: Message[];
  frames: number;
  unreachable: NodeId[];
  logs: string[];
}

async function startMember(id: NodeId, overrides: Partial<TransportOptions> = {}): Promise<Member> {
  const member: Member = { id, transport: null!, address: null!, received: [], frames: 0, unreachable: [], logs: [] };
  member.transport = new PeerTransport({
    id,
    clusterId,
    secret,
    listen: { host, port: 0 },
    peers: new Map(),
    onMessages: (messages) => {
      member.frames++;
      member.received.push(...messages);
    },
    onUnreachable: (peer) => member.unreachable.push(peer),
    log: (line) => member.logs.push(line),
    ...overrides,
  });
  member.address = await member.transport.start();
  return member;
}

/** Two members that know each other. */
async function startPair(t: Test, overrides: Partial<TransportOptions> = {}): Promise<[Member, Member]> {
  const a = await startMember(1, overrides);
  const b = await startMember(2, overrides);
  a.transport.setPeer(2, b.address);
  b.transport.setPeer(1, a.address);
  t.teardown(() => Promise.all([a.transport.stop(), b.transport.stop()]).then(() => undefined));
  return [a, b];
}

function heartbeat(from: NodeId, to: NodeId, term = 1): Message {
  return { ...emptyMessage('heartbeat', from, to, term), commit: term };
}

function append(from: NodeId, to: NodeId): Message {
  return {
    ...emptyMessage('append', from, to, 3),
    logTerm: 2,
    index: 7,
    commit: 6,
    entries: [
      { term: 3, index: 8, kind: 'normal', data: new Uint8Array([1, 2, 3, 255]) },
      { term: 3, index: 9, kind: 'normal', data: new Uint8Array(0) },
      { term: 3, index: 10, kind: 'conf', data: new Uint8Array([9]), change: { type: 'add-voter', node: 4 } },
    ],
  };
}

function snapshotMessage(from: NodeId, to: NodeId): Message {
  const data = new Uint8Array(200_000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
  return {
    ...emptyMessage('snapshot', from, to, 4),
    snapshot: { meta: { index: 100, term: 4, conf: { voters: [1, 2, 3], learners: [5] } }, data },
  };
}

t.test('two transports exchange batches both ways; entries and snapshots decode deep-equal', async (t) => {
  const [a, b] = await startPair(t);
  const toB = [append(1, 2), snapshotMessage(1, 2), { ...heartbeat(1, 2), readSeq: 5, context: 'r1' }];
  const toA = [{ ...emptyMessage('append-resp', 2, 1, 3), index: 10, reject: true, rejectHint: 4 }, { ...emptyMessage('vote', 2, 1, 5), transfer: true }];
  a.transport.send(toB);
  b.transport.send(toA);
  await waitFor(() => b.received.length === 3 && a.received.length === 2, 'both batches delivered');
  t.same(b.received, toB, 'A -> B deep-equal');
  t.same(a.received, toA, 'B -> A deep-equal');
  const data = b.received[0]!.entries[0]!.data;
  t.equal(Object.getPrototypeOf(data), Uint8Array.prototype, 'Entry.data is a plain Uint8Array, not a Buffer');
  t.equal(Object.getPrototypeOf(b.received[1]!.snapshot!.data), Uint8Array.prototype, 'Snapshot.data is a plain Uint8Array');
  t.strictSame(b.received[1]!.snapshot!.data, toB[1]!.snapshot!.data, 'snapshot bytes intact');
  t.equal(b.frames, 1, 'one send -> one frame');
  await waitFor(() => a.transport.stats().get(2)!.rttMs !== null, 'a ping measured the RTT');
  const stats = a.transport.stats().get(2)!;
  t.ok(stats.connected, 'A is connected to B');
  t.equal(stats.queued, 0);
  t.equal(stats.droppedMessages, 0);
  t.ok(stats.rttMs! >= 0 && stats.rttMs! < 1000, `rtt ${stats.rttMs} ms is plausible`);
  t.same(a.logs, [], 'nothing to report');
  t.same(b.logs, []);
});

t.test('messages sent during one event-loop turn leave as one frame per peer', async (t) => {
  const [a, b] = await startPair(t);
  const c = await startMember(3);
  t.teardown(() => c.transport.stop());
  a.transport.setPeer(3, c.address);
  c.transport.setPeer(1, a.address);
  // Connect first, so that the batch is not merely the queue of a connection being opened.
  a.transport.send([heartbeat(1, 2), heartbeat(1, 3)]);
  await waitFor(() => b.received.length === 1 && c.received.length === 1, 'first heartbeats');
  const framesBefore = a.transport.stats().get(2)!.sentFrames;
  for (let i = 0; i < 100; i++) a.transport.send([heartbeat(1, 2, i + 2), heartbeat(1, 3, i + 2)]);
  await waitFor(() => b.received.length === 101 && c.received.length === 101, 'all 100 per peer delivered');
  t.equal(a.transport.stats().get(2)!.sentFrames - framesBefore, 1, '100 sends to B in one turn -> one frame');
  t.equal(b.frames, 2, 'B got them in one onMessages call');
  t.equal(c.frames, 2, 'C too');
  t.same(
    b.received.map((m) => m.term),
    Array.from({ length: 101 }, (_, i) => i + 1),
    'in order',
  );
});

t.test('a batch over the frame limit is split; a single message over it is dropped and reported', async (t) => {
  const [a, b] = await startPair(t, { frameBytesMax: 64 * 1024 });
  const big = (term: number): Message => ({
    ...emptyMessage('append', 1, 2, term),
    entries: [{ term, index: term, kind: 'normal', data: new Uint8Array(20_000) }],
  });
  a.transport.send([big(1), big(2), big(3), big(4), big(5)]);
  await waitFor(() => b.received.length === 5, 'five 20 KB messages under a 64 KB frame limit');
  t.ok(b.frames >= 2, `split into ${b.frames} frames`);
  a.transport.send([{ ...big(6), entries: [{ term: 6, index: 6, kind: 'normal', data: new Uint8Array(100_000) }] }]);
  await waitFor(() => a.unreachable.includes(2), 'oversized message reported');
  t.equal(a.transport.stats().get(2)!.droppedMessages, 1);
  t.match(a.logs.join('\n'), /over the frame limit/);
  a.transport.send([heartbeat(1, 2, 7)]);
  await waitFor(() => b.received.length === 6, 'the connection still works');
});

async function refusedCase(t: Test, client: Partial<TransportOptions>, clientId: NodeId, why: RegExp): Promise<void> {
  const server = await startMember(2);
  const stranger = await startMember(clientId, client);
  t.teardown(() => Promise.all([server.transport.stop(), stranger.transport.stop()]).then(() => undefined));
  server.transport.setPeer(1, { host, port: 1 }); // member 1 is known (the address is not used here)
  stranger.transport.setPeer(2, server.address);
  stranger.transport.send([heartbeat(clientId, 2)]);
  await waitFor(() => server.logs.length > 0 && stranger.logs.length > 0, 'both sides log the refusal');
  t.match(server.logs[0], why, `server says why: ${server.logs[0]}`);
  t.match(server.logs[0], /127\.0\.0\.1/, 'and names the peer address');
  t.match(stranger.logs[0], why, `client says why: ${stranger.logs[0]}`);
  t.same(server.received, [], 'no message delivered');
  t.notOk(stranger.transport.stats().get(2)!.connected);
}

t.test('handshake: a wrong secret is refused', (t) => refusedCase(t, { secret: 'wrong' }, 1, /bad secret/));
t.test('handshake: a wrong cluster id is refused', (t) => refusedCase(t, { clusterId: 'other' }, 1, /wrong cluster id/));
t.test('handshake: an unknown member id is refused', (t) => refusedCase(t, {}, 9, /unknown member/));

t.test('handshake: a server with the wrong secret is not trusted by the client (mutual)', async (t) => {
  // A fake server that accepts any client mac and answers with a mac made from a wrong secret.
  const fake = createServer((socket) => {
    const decoder = new FrameDecoder(4096);
    const nonceServer = newNonce();
    socket.write(encodeFrame([FrameKind.serverNonce, nonceServer]));
    socket.on('data', (chunk) => {
      for (const body of decoder.push(chunk)) {
        const hello = (decodeBody(body) as [number, { from: number }])[1];
        socket.write(encodeFrame([FrameKind.serverWelcome, { mac: clientMac('wrong', nonceServer, clusterId, hello.from, 2) }]));
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => fake.listen(0, host, resolve));
  t.teardown(() => new Promise<void>((resolve) => fake.close(() => resolve())));
  const a = await startMember(1);
  t.teardown(() => a.transport.stop());
  a.transport.setPeer(2, { host, port: (fake.address() as { port: number }).port });
  a.transport.send([heartbeat(1, 2)]);
  await waitFor(() => a.logs.length > 0, 'client logs the failure');
  t.match(a.logs[0], /bad secret/);
  t.notOk(a.transport.stats().get(2)!.connected);
});

/** A raw client socket that collects what it receives and tells when it is closed. */
async function rawClient(address: PeerAddress): Promise<{ socket: Socket; frames: unknown[]; closed: () => boolean }> {
  const socket = connect(address.port, address.host);
  const decoder = new FrameDecoder(1 << 20);
  const frames: unknown[] = [];
  let closed = false;
  socket.on('data', (chunk) => frames.push(...decoder.push(chunk).map(decodeBody)));
  socket.on('close', () => (closed = true));
  socket.on('error', () => {});
  await waitFor(() => frames.length >= 1, 'server nonce');
  return { socket, frames, closed: () => closed };
}

async function authenticatedRawClient(address: PeerAddress, from: NodeId, to: NodeId): Promise<ReturnType<typeof rawClient>> {
  const client = await rawClient(address);
  const nonceServer = parseServerNonce(client.frames[0]);
  if (nonceServer === null) throw new Error('no server nonce');
  const mac = clientMac(secret, nonceServer, clusterId, from, to);
  client.socket.write(encodeFrame([FrameKind.clientHello, { version: protocolVersion, clusterId, from, to, nonce: newNonce(), mac }]));
  await waitFor(() => client.frames.length >= 2, 'server welcome');
  if ((client.frames[1] as unknown[])[0] !== FrameKind.serverWelcome) throw new Error('not welcomed');
  return client;
}

t.test('hostile bytes close only their own connection; the transport keeps serving good peers', async (t) => {
  const [a, b] = await startPair(t, { frameBytesMax: 1 << 20 });
  const garbage = await rawClient(b.address);
  garbage.socket.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
  await waitFor(garbage.closed, 'garbage closed');
  t.match(b.logs.at(-1), /protocol error.*over the limit/, `garbage: ${b.logs.at(-1)}`);

  const notMsgpack = await rawClient(b.address);
  notMsgpack.socket.write(Buffer.from([0, 0, 0, 3, 0xc1, 0xc1, 0xc1]));
  await waitFor(notMsgpack.closed, 'malformed handshake closed');
  t.match(b.logs.at(-1), /protocol error: undecodable/);

  const oversized = await authenticatedRawClient(b.address, 1, 2);
  oversized.socket.write(Buffer.from([0x7f, 0xff, 0xff, 0xff]));
  await waitFor(oversized.closed, 'oversized length prefix closed');
  t.match(b.logs.at(-1), /over the limit/);

  const undecodable = await authenticatedRawClient(b.address, 1, 2);
  undecodable.socket.write(Buffer.from([0, 0, 0, 2, 0x92, 0xc1]));
  await waitFor(undecodable.closed, 'undecodable body closed');
  t.match(b.logs.at(-1), /undecodable/);

  const bad: [string, unknown[]][] = [
    ['not a message array', [FrameKind.messages, 'hello']],
    ['unknown type', [FrameKind.messages, [{ ...heartbeat(1, 2), type: 'steal-leadership' }]]],
    ['term not a number', [FrameKind.messages, [{ ...heartbeat(1, 2), term: '7' }]]],
    ['forged from', [FrameKind.messages, [heartbeat(3, 2)]]],
    ['wrong to', [FrameKind.messages, [heartbeat(1, 3)]]],
    ['entry data not binary', [FrameKind.messages, [{ ...append(1, 2), entries: [{ term: 1, index: 1, kind: 'normal', data: 'x' }] }]]],
    ['unknown frame kind', [42, []]],
    ['not a pair', [FrameKind.messages]],
  ];
  for (const [what, body] of bad) {
    const client = await authenticatedRawClient(b.address, 1, 2);
    client.socket.write(encodeFrame(body));
    await waitFor(client.closed, `${what}: closed`);
    t.match(b.logs.at(-1), /invalid frame/, `${what}: ${b.logs.at(-1)}`);
  }
  t.same(b.received, [], 'nothing hostile was delivered');

  a.transport.send([append(1, 2)]);
  b.transport.send([heartbeat(2, 1)]);
  await waitFor(() => b.received.length === 1 && a.received.length === 1, 'good peers still talk');
  t.same(b.received, [append(1, 2)]);
});

t.test('handshake timeouts: a silent server, a silent client (both at once: each takes 5 s)', async (t) => {
  const sockets: Socket[] = [];
  const silent = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, host, resolve));
  t.teardown(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => silent.close(() => resolve()));
  });
  const a = await startMember(1);
  const b = await startMember(2);
  t.teardown(() => Promise.all([a.transport.stop(), b.transport.stop()]).then(() => undefined));
  a.transport.setPeer(2, { host, port: (silent.address() as { port: number }).port });
  a.transport.send([heartbeat(1, 2)]);
  const idle = await rawClient(b.address);
  await waitFor(() => a.logs.length > 0 && idle.closed(), 'both time out', 20_000);
  t.match(a.logs[0], /handshake timeout/, `client: ${a.logs[0]}`);
  t.match(b.logs.at(-1), /handshake timeout/, `server: ${b.logs.at(-1)}`);
  await waitFor(() => a.unreachable.includes(2), 'the client reports the peer unreachable');
});

t.test('bounded queue: a peer that is down gets at most sendQueueMax messages queued', async (t) => {
  // A port that nobody listens on: take one from the OS, then close it.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, host, resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const a = await startMember(1, { sendQueueMax: 10 });
  t.teardown(() => a.transport.stop());
  a.transport.setPeer(2, { host, port });
  for (let i = 0; i < 25; i++) a.transport.send([heartbeat(1, 2, i + 1)]);
  const stats = a.transport.stats().get(2)!;
  t.equal(stats.queued, 10, 'the queue holds sendQueueMax');
  t.equal(stats.droppedMessages, 15, 'the rest are dropped and counted');
  t.same(a.unreachable, [], 'onUnreachable is not called from inside send()');
  await new Promise((resolve) => setImmediate(resolve)); // the end of the turn
  t.same(a.unreachable, [2], 'called once for the turn');
  await waitFor(() => a.logs.some((line) => /ECONNREFUSED/.test(line)), 'the refused connection is logged');
  for (let i = 0; i < 1000; i++) a.transport.send([heartbeat(1, 2)]);
  t.equal(a.transport.stats().get(2)!.queued, 10, 'still bounded');
  t.equal(a.transport.stats().get(2)!.droppedMessages, 1015);
});

t.test('backpressure: a peer that stops reading fills the bounded queue, not the socket buffer', async (t) => {
  // A server that completes the handshake as member 2, then reads nothing more.
  const sockets: Socket[] = [];
  const stalled = createServer((socket) => {
    sockets.push(socket);
    const decoder = new FrameDecoder(4096);
    const nonceServer = newNonce();
    socket.write(encodeFrame([FrameKind.serverNonce, nonceServer]));
    socket.on('data', (chunk) => {
      const hello = parseClientHello(decodeBody(decoder.push(chunk)[0]!));
      if (hello === null) return void socket.destroy();
      socket.write(encodeFrame([FrameKind.serverWelcome, { mac: serverMac(secret, hello.nonce, nonceServer, clusterId, hello.from, 2) }]));
      socket.pause();
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => stalled.listen(0, host, resolve));
  t.teardown(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => stalled.close(() => resolve()));
  });
  const a = await startMember(1, { sendQueueMax: 16 });
  t.teardown(() => a.transport.stop());
  a.transport.setPeer(2, { host, port: (stalled.address() as { port: number }).port });
  const chunk = (): Message => ({ ...snapshotMessage(1, 2), snapshot: { meta: { index: 1, term: 1, conf: { voters: [1, 2], learners: [] } }, data: new Uint8Array(1 << 20) } });
  a.transport.send([heartbeat(1, 2)]);
  await waitFor(() => a.transport.stats().get(2)!.connected, 'connected to the stalled peer');
  // One 1 MiB message per turn, as a driver streaming a snapshot would.
  for (let i = 0; i < 200 && a.transport.stats().get(2)!.droppedMessages === 0; i++) {
    a.transport.send([chunk()]);
    await new Promise((resolve) => setImmediate(resolve));
  }
  const stats = a.transport.stats().get(2)!;
  t.ok(stats.droppedMessages > 0, `messages dropped (${stats.droppedMessages}) once the kernel buffers were full`);
  t.equal(stats.queued, 16, 'the queue is at its bound');
  t.ok(stats.sentFrames < 200, `only ${stats.sentFrames} frames written to the socket`);
  t.ok(a.unreachable.includes(2), 'reported unreachable');
});

t.test('reconnection: B restarts on the same port and messages flow again', async (t) => {
  const [a, b] = await startPair(t);
  a.transport.send([heartbeat(1, 2, 1)]);
  await waitFor(() => b.received.length === 1, 'first delivery');
  await b.transport.stop();
  await waitFor(() => !a.transport.stats().get(2)!.connected, 'A notices B is gone');
  await waitFor(() => a.unreachable.includes(2), 'A reports B unreachable');
  a.transport.send([heartbeat(1, 2, 2)]); // waits in the queue while B is down
  const b2 = await startMember(2, { listen: { host, port: b.address.port } });
  t.teardown(() => b2.transport.stop());
  b2.transport.setPeer(1, a.address);
  await waitFor(() => b2.received.length >= 1, 'the queued message reaches the new B');
  t.equal(b2.received[0]!.term, 2);
  a.transport.send([heartbeat(1, 2, 3)]);
  await waitFor(() => b2.received.length === 2, 'and new ones too');
  t.ok(a.transport.stats().get(2)!.connected);
  b2.transport.send([heartbeat(2, 1, 9)]);
  await waitFor(() => a.received.length === 1, 'the new B reaches A');
});

t.test('setPeer moves a peer to a new address; removePeer forgets it', async (t) => {
  const [a, b] = await startPair(t);
  a.transport.send([heartbeat(1, 2)]);
  await waitFor(() => b.received.length === 1, 'delivered');
  const b2 = await startMember(2);
  t.teardown(() => b2.transport.stop());
  b2.transport.setPeer(1, a.address);
  a.transport.setPeer(2, b2.address);
  a.transport.send([heartbeat(1, 2, 2)]);
  await waitFor(() => b2.received.length === 1, 'delivered at the new address');
  t.equal(b.received.length, 1, 'not at the old one');
  a.transport.removePeer(2);
  t.notOk(a.transport.stats().has(2));
  a.transport.send([heartbeat(1, 2, 3)]);
  await waitFor(() => a.unreachable.includes(2), 'a removed peer is unreachable');
  // B2 no longer counts A's peer 2... and A no longer accepts 2:
  b2.transport.send([heartbeat(2, 1)]);
  await waitFor(() => a.logs.some((line) => /unknown member/.test(line)), 'A refuses the removed member');
  t.same(a.received, []);
});

t.test('stop closes everything and no callback follows', async (t) => {
  const [a, b] = await startPair(t);
  a.transport.send([heartbeat(1, 2)]);
  b.transport.send([heartbeat(2, 1)]);
  await waitFor(() => a.received.length === 1 && b.received.length === 1, 'both connected');
  await a.transport.stop();
  const before = { received: a.received.length, unreachable: a.unreachable.length };
  a.transport.send([heartbeat(1, 2)]);
  b.transport.send([heartbeat(2, 1)]);
  await waitFor(() => !b.transport.stats().get(1)!.connected, 'B sees A gone');
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(a.received.length, before.received);
  t.equal(a.unreachable.length, before.unreachable);
});
