// The nemesis proxy's links against an echo server on loopback: forwarding, cut and heal,
// latency, drops; and which links each partition cuts.
import t from 'tap';
import type { Test } from 'tap';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { ProxyLink } from '../lab/nemesis/link.ts';
import { PeerProxy } from '../lab/nemesis/proxy.ts';
import { waitFor } from '../lab/cluster/process-cluster.ts';

/** Counts the connections it accepted in `accepted`. */
async function echoServer(t: Test): Promise<Server & { accepted: number }> {
  const server = Object.assign(createServer((socket) => {
    server.accepted++;
    socket.on('error', () => {});
    socket.pipe(socket);
  }), { accepted: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return server;
}

async function linkTo(t: Test, server: Server, seed = 1): Promise<ProxyLink> {
  const address = server.address() as { port: number };
  const link = new ProxyLink(1, 2, { host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port: address.port }, seed);
  await link.start();
  t.teardown(() => link.stop());
  return link;
}

/** A client through `link` that collects what comes back and how it ended. */
function client(link: ProxyLink): { socket: Socket; received: () => string; ended: () => string | null } {
  const socket = connect(link.address());
  let received = '';
  let ended: string | null = null;
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  socket.on('error', (error: NodeJS.ErrnoException) => (ended = error.code ?? error.message));
  socket.on('close', () => (ended ??= 'closed'));
  return { socket, received: () => received, ended: () => ended };
}

t.test('a link forwards both ways and counts the bytes', async (t) => {
  const link = await linkTo(t, await echoServer(t));
  const c = client(link);
  t.teardown(() => c.socket.destroy());
  c.socket.write('hello');
  await waitFor('the echo', async () => (c.received() === 'hello' ? true : undefined));
  t.match(link.stats(), { accepted: 1, bytesForward: 5, bytesBack: 5, held: 0 });
});

t.test('a cut resets open connections and holds new ones; heal lets the held ones through', async (t) => {
  const server = await echoServer(t);
  const link = await linkTo(t, server);
  const before = client(link);
  t.teardown(() => before.socket.destroy());
  before.socket.write('a');
  await waitFor('the echo', async () => (before.received() === 'a' ? true : undefined));
  link.cut();
  await waitFor('the open connection to be reset', async () => before.ended() ?? undefined);
  t.equal(before.ended(), 'ECONNRESET', 'an open connection sees a reset');

  const held = client(link);
  t.teardown(() => held.socket.destroy());
  held.socket.write('b');
  await waitFor('the new connection to be held', async () => (link.stats().held === 1 ? true : undefined));
  t.equal(server.accepted, 1, 'the server was not dialed for it: nothing of it can arrive');
  t.equal(held.received(), '', 'a held connection gets nothing back');
  t.equal(held.ended(), null, 'but it is not closed either');

  link.heal();
  await waitFor('the held connection to flow', async () => (held.received() === 'b' ? true : undefined));
  held.socket.write('c');
  await waitFor('the next echo', async () => (held.received() === 'bc' ? true : undefined));
  t.equal(link.stats().held, 0);
});

t.test('latency delays every chunk both ways and keeps their order', async (t) => {
  const link = await linkTo(t, await echoServer(t));
  const c = client(link);
  t.teardown(() => c.socket.destroy());
  c.socket.write('warm');
  await waitFor('the first echo', async () => (c.received() === 'warm' ? true : undefined));
  const latencyMs = 100;
  link.setLatency(latencyMs);
  const started = performance.now();
  c.socket.write('x');
  await waitFor('the delayed echo', async () => (c.received() === 'warmx' ? true : undefined));
  const elapsedMs = performance.now() - started;
  // A lower bound only: the machine may be slow, never fast. 1 ms allows for timer rounding.
  t.ok(elapsedMs >= 2 * latencyMs - 1, `a round trip takes at least twice the latency (${elapsedMs.toFixed(1)} ms)`);

  let sent = '';
  for (let i = 0; i < 50; i++) {
    const piece = `<${i}>`;
    sent += piece;
    c.socket.write(piece);
    if (i % 10 === 9) link.setLatency(i % 20 === 9 ? 0 : latencyMs); // a change of latency never reorders
    await new Promise((resolve) => setImmediate(resolve));
  }
  await waitFor('every piece back', async () => (c.received().length === 'warmx'.length + sent.length ? true : undefined));
  t.equal(c.received(), 'warmx' + sent, 'in the order sent');
});

t.test('a drop rate of 1 drops the first chunk with its connection; 0 drops nothing', async (t) => {
  const link = await linkTo(t, await echoServer(t));
  link.setDropRate(1);
  const dropped = client(link);
  t.teardown(() => dropped.socket.destroy());
  dropped.socket.write('lost');
  await waitFor('the connection to be reset', async () => dropped.ended() ?? undefined);
  t.equal(dropped.received(), '');
  t.equal(link.stats().bytesForward, 0, 'the chunk never reached the server');
  link.setDropRate(0);
  const kept = client(link);
  t.teardown(() => kept.socket.destroy());
  kept.socket.write('kept');
  await waitFor('the echo', async () => (kept.received() === 'kept' ? true : undefined));
});

t.test('drop decisions replay from the seed', async (t) => {
  const draws = (seed: number): boolean[] => {
    const link = new ProxyLink(1, 2, { host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port: 1 }, seed);
    link.setDropRate(0.3);
    return Array.from({ length: 200 }, () => link.shouldDrop());
  };
  t.same(draws(7), draws(7), 'the same seed draws the same decisions');
  t.not(draws(7).join(), draws(8).join(), 'another seed draws others');
  const drops = draws(7).filter(Boolean).length;
  t.ok(drops > 30 && drops < 90, `about 30% are drops (${drops} of 200)`);
});

t.test('partitions of three members cut the links they name, and heal the others', async (t) => {
  const address = { host: '127.0.0.1', port: 0 };
  const links = [1, 2, 3].flatMap((from) => [1, 2, 3].filter((to) => to !== from).map((to) => ({ from, to, listen: address, target: address })));
  const proxy = new PeerProxy({ seed: 1, links });
  proxy.isolate(2);
  t.same(proxy.cuts().sort(), ['1->2', '2->1', '2->3', '3->2']);
  proxy.split([[1, 2], [3]]);
  t.same(proxy.cuts().sort(), ['1->3', '2->3', '3->1', '3->2'], 'a split replaces the previous partition');
  proxy.bridge(2);
  t.same(proxy.cuts().sort(), ['1->3', '3->1'], 'the bridge talks to both, the others not to each other');
  proxy.oneWay(1, 'out');
  t.same(proxy.cuts().sort(), ['1->2', '1->3']);
  proxy.oneWay(1, 'in');
  t.same(proxy.cuts().sort(), ['2->1', '3->1']);
  proxy.cut(3, 2);
  t.same(proxy.cuts().sort(), ['2->1', '3->1', '3->2'], 'cut adds one link');
  proxy.setLatency(50);
  proxy.setDropRate(0.1);
  proxy.healAll();
  t.same(proxy.cuts(), []);
  t.ok(proxy.links().every((link) => link.latencyMs === 0 && link.dropRate === 0), 'healAll clears latency and drops');
});
