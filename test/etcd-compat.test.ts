// keel's etcd v3 JSON gateway side by side with a real etcd 3.4: the same requests to both, the
// answers compared after normalising what legitimately differs (cluster and member ids, raft
// terms, absolute revisions, store-chosen lease ids, server versions and sizes, a lease's
// remaining seconds). Then a small client script written only against etcd's gateway must give
// the same results on both.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { request } from 'undici';
import { ProcessCluster, testBasePort, waitFor } from '../lab/cluster/process-cluster.ts';
import { FakeStore, startFakeServer } from './etcd-gateway-fake.test.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const b64 = (text: string) => Buffer.from(text).toString('base64');
const prefixEnd = (prefix: string) => b64(prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1));

interface Reply {
  status: number;
  contentType: string;
  text: string;
  json: unknown;
}

async function post(baseUrl: string, path: string, body: string): Promise<Reply> {
  const res = await request(`${baseUrl}${path}`, { method: 'POST', body, headersTimeout: 20_000, bodyTimeout: 20_000 });
  const text = await res.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, contentType: String(res.headers['content-type'] ?? ''), text, json };
}

// ---- a real etcd ---------------------------------------------------------------------------

function findEtcd(): string | null {
  for (const candidate of ['/usr/bin/etcd', '/usr/local/bin/etcd']) if (existsSync(candidate)) return candidate;
  const which = spawnSync('sh', ['-c', 'command -v etcd'], { encoding: 'utf8' });
  return which.status === 0 && which.stdout.trim() !== '' ? which.stdout.trim() : null;
}

class EtcdProcess {
  readonly dir = mkdtempSync(join(tmpdir(), 'keel-etcd-'));
  readonly url: string;
  readonly #child: ChildProcess;
  #log = '';

  constructor(binary: string, clientPort: number, peerPort: number) {
    this.url = `http://127.0.0.1:${clientPort}`;
    const peer = `http://127.0.0.1:${peerPort}`;
    this.#child = spawn(binary, [
      '--name', 'compat', '--data-dir', join(this.dir, 'data'),
      '--listen-client-urls', this.url, '--advertise-client-urls', this.url,
      '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `compat=${peer}`,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => { this.#log = (this.#log + chunk.toString()).slice(-8000); };
    this.#child.stdout!.on('data', keep);
    this.#child.stderr!.on('data', keep);
  }

  get log(): string {
    return this.#log;
  }

  async ready(): Promise<void> {
    await waitFor(`etcd at ${this.url} (log tail: ${this.#log.slice(-500)})`, async () => {
      if (this.#child.exitCode !== null) throw new Error(`etcd exited with ${this.#child.exitCode}: ${this.#log.slice(-1000)}`);
      const reply = await post(this.url, '/v3/maintenance/status', '{}');
      return reply.status === 200 ? true : undefined;
    }, 30_000);
  }

  /** Stops this etcd by its own pid and removes its data directory. */
  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
      process.kill(this.#child.pid!, 'SIGKILL');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// ---- the keel side -------------------------------------------------------------------------

const httpApi = readFileSync(join(root, 'store', 'http-api.ts'), 'utf8');
/** Whether the master's server routes /v3 to the gateway yet (until then: the gateway on a fake store). */
const keelServesEtcd = /handleEtcd\b/.test(httpApi);
const keelServesWatch = /handleEtcdWatch\b/.test(httpApi);

interface KeelTarget {
  /** Where the sequence goes (the leader) and where the script goes (a follower: forwarding). */
  leaderUrl: string;
  followerUrl: string;
  what: string;
  stop(): Promise<void>;
}

async function startKeel(): Promise<KeelTarget> {
  if (!keelServesEtcd) {
    const { url, server } = await startFakeServer(new FakeStore());
    return { leaderUrl: url, followerUrl: url, what: 'the gateway on a fake store (store/http-api.ts does not route /v3 yet)', stop: async () => void server.close() };
  }
  const cluster = new ProcessCluster({ basePort: testBasePort(0) });
  try {
    await cluster.startAll();
    const leader = await cluster.leader();
    const follower = cluster.configs.map((c) => c.id).find((id) => id !== leader)!;
    return { leaderUrl: cluster.url(leader), followerUrl: cluster.url(follower), what: 'a 3-master keel cluster', stop: () => cluster.destroy() };
  } catch (error) {
    await cluster.destroy();
    throw error;
  }
}

// ---- normalising ---------------------------------------------------------------------------

/** Lease ids the tests choose themselves: compared as they are. Any other id was chosen by the store. */
const fixedLeaseIds = new Set(['4242', '9999']);
const idFields = new Set(['cluster_id', 'member_id', 'raft_term']);
const revisionFields = new Set(['revision', 'create_revision', 'mod_revision']);

/** Revisions relative to `base`; ids and terms as placeholders (their presence still counts). */
function normalise(value: unknown, base: number, field = ''): unknown {
  if (Array.isArray(value)) return value.map((item) => normalise(item, base, field));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = normalise(v, base, k);
    return out;
  }
  if (typeof value !== 'string') return value;
  if (idFields.has(field)) return `<${field}>`;
  if (revisionFields.has(field)) return `base${Number(value) - base >= 0 ? '+' : ''}${Number(value) - base}`;
  if ((field === 'ID' || field === 'lease') && !fixedLeaseIds.has(value)) return '<store-chosen lease id>';
  return value;
}

interface Step {
  name: string;
  path: string;
  /** The request body; `rev(k)` is the absolute revision k after the run's first one. */
  body: (rev: (k: number) => number) => unknown;
  /** Extra normalising for answers that legitimately differ. */
  fix?: (reply: { status: number; body: unknown }) => { status: number; body: unknown };
}

const P = 'compat/';
const key = (k: string) => b64(P + k);
const range = { key: b64(P), range_end: prefixEnd(P) };

/** Server facts (version, sizes, raft indexes) become their kind; the member list its shape. */
const placeholderFields = (names: string[]) => (reply: { status: number; body: unknown }) => {
  const body = { ...(reply.body as Record<string, unknown>) };
  for (const name of names) if (body[name] !== undefined) body[name] = `<${name}>`;
  return { status: reply.status, body };
};

/** A lease's remaining seconds: etcd truncates, keel's clock rounds up; both must be within the granted TTL. */
function remainingTtl(reply: { status: number; body: unknown }): { status: number; body: unknown } {
  const body = { ...(reply.body as Record<string, string>) };
  const ttl = Number(body.TTL);
  const granted = Number(body.grantedTTL);
  body.TTL = ttl >= granted - 5 && ttl <= granted ? '<within 5 s of grantedTTL>' : `out of range: ${ttl} of ${granted}`;
  if (Array.isArray(body.keys)) body.keys = [...body.keys].sort() as unknown as string;
  return { status: reply.status, body };
}

/**
 * The parser's own words for malformed JSON differ (Go's encoding/json against V8's); the code
 * and status do not, and neither may pass the request on as if it were an empty one.
 */
function parserMessage(reply: { status: number; body: unknown }): { status: number; body: unknown } {
  const body = reply.body as { error?: string; message?: string; code?: number };
  const words = (text: unknown) => (typeof text === 'string' && text !== '' && !text.startsWith('etcdserver:') ? '<a JSON parser error>' : text);
  return { status: reply.status, body: { ...body, error: words(body.error), message: words(body.message) } };
}

const steps: Step[] = [
  // The first step sets the base: its revision is base+1. (An empty keel store is at revision 0
  // where a fresh etcd is at 1, so the sequence starts with a write, not with a read of nothing.)
  { name: 'put', path: '/v3/kv/put', body: () => ({ key: key('a'), value: b64('1') }) },
  { name: 'put with prev_kv', path: '/v3/kv/put', body: () => ({ key: key('a'), value: b64('2'), prev_kv: true }) },
  { name: 'put with prev_kv of a new key', path: '/v3/kv/put', body: () => ({ key: key('b'), value: b64('x'), prevKv: true }) },
  { name: 'put an empty value', path: '/v3/kv/put', body: () => ({ key: key('c'), value: '' }) },
  { name: 'range: one key', path: '/v3/kv/range', body: () => ({ key: key('a') }) },
  { name: 'range: a missing key', path: '/v3/kv/range', body: () => ({ key: key('zzz') }) },
  { name: 'range: prefix with limit', path: '/v3/kv/range', body: () => ({ ...range, limit: 2 }) },
  { name: 'range: count_only', path: '/v3/kv/range', body: () => ({ ...range, count_only: true }) },
  { name: 'range: keys_only', path: '/v3/kv/range', body: () => ({ ...range, keys_only: true }) },
  { name: 'range: serializable', path: '/v3/kv/range', body: () => ({ ...range, serializable: true }) },
  { name: 'range: sorted by mod revision, descending', path: '/v3/kv/range', body: () => ({ ...range, sort_order: 'DESCEND', sort_target: 'MOD', limit: '2' }) },
  { name: 'range: at a past revision', path: '/v3/kv/range', body: (rev) => ({ key: key('a'), revision: rev(1) }) },
  { name: 'range: a future revision', path: '/v3/kv/range', body: (rev) => ({ key: key('a'), revision: String(rev(100)) }) },
  { name: 'deleterange with prev_kv', path: '/v3/kv/deleterange', body: () => ({ key: key('c'), prev_kv: true }) },
  { name: 'deleterange of nothing', path: '/v3/kv/deleterange', body: () => ({ key: key('none') }) },
  {
    name: 'txn: compare-and-swap that succeeds', path: '/v3/kv/txn', body: () => ({
      compare: [{ key: key('a'), target: 'VALUE', result: 'EQUAL', value: b64('2') }],
      success: [{ request_range: { key: key('a') } }, { request_put: { key: key('a'), value: b64('3'), prev_kv: true } }, { request_range: { key: key('a') } }],
      failure: [{ request_range: { key: key('a') } }],
    }),
  },
  {
    name: 'txn: compare-and-swap that fails', path: '/v3/kv/txn', body: () => ({
      compare: [{ key: key('a'), target: 'VALUE', result: 'EQUAL', value: b64('2') }],
      success: [{ request_put: { key: key('a'), value: b64('4') } }],
      failure: [{ request_range: { key: key('a') } }],
    }),
  },
  {
    name: 'txn: revision and version compares, a delete', path: '/v3/kv/txn', body: (rev) => ({
      compare: [
        { key: key('b'), target: 'MOD', result: 'LESS', mod_revision: String(rev(100)) },
        { key: key('b'), target: 'VERSION', result: 'EQUAL', version: 1 },
        { key: key('missing'), target: 'CREATE', result: 'EQUAL', create_revision: 0 },
      ],
      success: [{ request_delete_range: { key: key('b'), prev_kv: true } }],
    }),
  },
  { name: 'txn: a key put twice', path: '/v3/kv/txn', body: () => ({ success: [{ request_put: { key: key('d') } }, { request_put: { key: key('d') } }] }) },
  { name: 'compaction', path: '/v3/kv/compaction', body: (rev) => ({ revision: String(rev(3)), physical: true }) },
  { name: 'range below the compact revision', path: '/v3/kv/range', body: (rev) => ({ key: key('a'), revision: rev(2) }) },
  { name: 'range at the compact revision', path: '/v3/kv/range', body: (rev) => ({ key: key('a'), revision: rev(3) }) },
  { name: 'compaction again', path: '/v3/kv/compaction', body: (rev) => ({ revision: rev(3) }) },
  { name: 'compaction in the future', path: '/v3/kv/compaction', body: (rev) => ({ revision: rev(100) }) },
  { name: 'lease grant with an id', path: '/v3/lease/grant', body: () => ({ TTL: 60, ID: '4242' }) },
  { name: 'lease grant, the store picks the id', path: '/v3/lease/grant', body: () => ({ TTL: '30' }) },
  { name: 'lease grant below the minimum TTL', path: '/v3/lease/grant', body: () => ({ TTL: 1 }) },
  { name: 'lease grant of an existing id', path: '/v3/lease/grant', body: () => ({ TTL: 60, ID: 4242 }) },
  { name: 'lease grant too long', path: '/v3/lease/grant', body: () => ({ TTL: '9000000001' }) },
  { name: 'put with the lease', path: '/v3/kv/put', body: () => ({ key: key('l1'), value: b64('x'), lease: '4242' }) },
  { name: 'put with the lease again', path: '/v3/kv/put', body: () => ({ key: key('l2'), value: b64('y'), lease: 4242 }) },
  { name: 'range: keys with a lease', path: '/v3/kv/range', body: () => ({ key: key('l'), range_end: key('m') }) },
  { name: 'put with a missing lease', path: '/v3/kv/put', body: () => ({ key: key('l3'), value: b64('z'), lease: '9999' }) },
  { name: 'lease keepalive', path: '/v3/lease/keepalive', body: () => ({ ID: '4242' }) },
  { name: 'lease keepalive of a missing lease', path: '/v3/lease/keepalive', body: () => ({ ID: '9999' }) },
  { name: 'lease timetolive with keys', path: '/v3/lease/timetolive', body: () => ({ ID: '4242', keys: true }), fix: remainingTtl },
  { name: 'lease timetolive of a missing lease', path: '/v3/lease/timetolive', body: () => ({ ID: '9999' }) },
  { name: 'lease revoke', path: '/v3/lease/revoke', body: () => ({ ID: '4242' }) },
  { name: 'range: the lease took its keys', path: '/v3/kv/range', body: () => ({ key: key('l'), range_end: key('m') }) },
  { name: 'lease revoke again', path: '/v3/lease/revoke', body: () => ({ ID: '4242' }) },
  {
    name: 'member list', path: '/v3/cluster/member/list', body: () => ({}),
    fix: (reply) => {
      const body = reply.body as { header: unknown; members: Record<string, unknown>[] };
      const shapes = [...new Set(body.members.map((m) => Object.keys(m).join(',')))];
      return { status: reply.status, body: { header: body.header, memberShapes: shapes, urlsAreStrings: body.members.every((m) => [m.peerURLs, m.clientURLs].flat().every((u) => typeof u === 'string' && /^https?:\/\//.test(u))) } };
    },
  },
  { name: 'maintenance status', path: '/v3/maintenance/status', body: () => ({}), fix: placeholderFields(['version', 'dbSize', 'dbSizeInUse', 'leader', 'raftIndex', 'raftTerm', 'raftAppliedIndex']) },
  { name: 'range without a key', path: '/v3/kv/range', body: () => ({}) },
  { name: 'range with bad base64', path: '/v3/kv/range', body: () => ({ key: '!!!' }) },
  { name: 'range with an unknown field', path: '/v3/kv/range', body: () => ({ key: key('a'), unknownfield: 1 }) },
  { name: 'range with an unknown enum name', path: '/v3/kv/range', body: () => ({ key: key('a'), sort_order: 'SIDEWAYS' }) },
  { name: 'malformed JSON', path: '/v3/kv/range', body: () => '{bad json', fix: parserMessage },
];

/** Runs the steps against one server and returns each normalised answer. */
async function runSteps(baseUrl: string): Promise<{ name: string; status: number; body: unknown }[]> {
  let base = 0;
  const rev = (k: number) => base + k;
  const out: { name: string; status: number; body: unknown }[] = [];
  for (const step of steps) {
    const body = step.body(rev);
    const reply = await post(baseUrl, step.path, typeof body === 'string' ? body : JSON.stringify(body));
    if (out.length === 0) base = Number((reply.json as { header: { revision: string } }).header.revision) - 1;
    const fixed = (step.fix ?? ((r) => r))({ status: reply.status, body: reply.json ?? reply.text });
    out.push({ name: step.name, status: fixed.status, body: normalise(fixed.body, base) });
  }
  return out;
}

// ---- a client script written for etcd's gateway --------------------------------------------

/**
 * What a small etcd gateway client does: puts, a prefix read, a compare-and-swap, a lease that
 * takes its key with it, and (once keel routes /v3/watch) a watch replayed from history. It
 * returns what such a client would act on: values, booleans, counts, relative revisions.
 */
export async function etcdScript(baseUrl: string, options: { watch: boolean }): Promise<unknown[]> {
  const call = async (path: string, body: unknown) => {
    const reply = await post(baseUrl, path, JSON.stringify(body));
    if (reply.status !== 200) throw new Error(`${path}: ${reply.status} ${reply.text}`);
    return reply.json as Record<string, any>;
  };
  const s = 'script/';
  const results: unknown[] = [];
  const start = Number((await call('/v3/kv/range', { key: b64(s) })).header.revision ?? 0);
  for (const [k, v] of [['x', '1'], ['y', '2'], ['z', '3']]) await call('/v3/kv/put', { key: b64(s + k), value: b64(v) });
  const listed = await call('/v3/kv/range', { key: b64(s), range_end: prefixEnd(s) });
  results.push(['list', listed.count, listed.kvs.map((kv: any) => [Buffer.from(kv.key, 'base64').toString(), Buffer.from(kv.value, 'base64').toString(), kv.mod_revision - start])]);
  const y = (await call('/v3/kv/range', { key: b64(s + 'y') })).kvs[0];
  const cas = (expect: string) => call('/v3/kv/txn', {
    compare: [{ key: b64(s + 'y'), target: 'MOD', result: 'EQUAL', mod_revision: expect }],
    success: [{ request_put: { key: b64(s + 'y'), value: b64('22') } }],
    failure: [{ request_range: { key: b64(s + 'y') } }],
  });
  const won = await cas(y.mod_revision);
  const lost = await cas(y.mod_revision);
  results.push(['cas', won.succeeded === true, lost.succeeded === true, Buffer.from(lost.responses[0].response_range.kvs[0].value, 'base64').toString()]);
  const lease = await call('/v3/lease/grant', { TTL: 60 });
  await call('/v3/kv/put', { key: b64(s + 'session'), value: b64('me'), lease: lease.ID });
  const alive = await call('/v3/lease/keepalive', { ID: lease.ID });
  const withLease = await call('/v3/kv/range', { key: b64(s + 'session') });
  await call('/v3/lease/revoke', { ID: lease.ID });
  const after = await call('/v3/kv/range', { key: b64(s + 'session'), count_only: true });
  results.push(['lease', alive.result.TTL, withLease.kvs[0].lease === lease.ID, after.count ?? '0']);
  if (options.watch) results.push(['watch', await watchFrom(baseUrl, b64(s), prefixEnd(s), start + 1, 5, start)]);
  return results;
}

/** Opens /v3/watch from a past revision and collects `count` events as (type, key, relative revision). */
async function watchFrom(baseUrl: string, key: string, rangeEnd: string, startRevision: number, count: number, base: number): Promise<unknown[]> {
  const abort = new AbortController();
  const res = await request(`${baseUrl}/v3/watch`, {
    method: 'POST', signal: abort.signal, headersTimeout: 20_000, bodyTimeout: 20_000,
    body: JSON.stringify({ create_request: { key, range_end: rangeEnd, start_revision: String(startRevision) } }),
  });
  const events: unknown[] = [];
  let buffered = '';
  let created = false;
  try {
    for await (const chunk of res.body) {
      buffered += chunk.toString();
      let newline;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line === '') continue;
        const result = JSON.parse(line).result ?? {};
        if (result.created === true) created = true;
        for (const e of result.events ?? []) events.push([e.type ?? 'PUT', Buffer.from(e.kv.key, 'base64').toString(), e.kv.mod_revision - base]);
        if (events.length >= count) return [created, ...events.slice(0, count)];
      }
    }
  } finally {
    abort.abort();
    res.body.destroy();
  }
  return [created, ...events];
}

// ---- the comparison ------------------------------------------------------------------------

t.test('keel answers etcd 3.4 JSON gateway requests as etcd does', async (t) => {
  const binary = findEtcd();
  if (binary === null) {
    t.fail('etcd is not installed: install etcd-server (apt-get install -y etcd-server)');
    return;
  }
  const etcd = new EtcdProcess(binary, testBasePort(90), testBasePort(91));
  t.teardown(() => etcd.stop());
  await etcd.ready();
  const keel = await startKeel();
  t.teardown(() => keel.stop());
  t.comment(`comparing etcd (${binary}) with ${keel.what}`);

  t.test('the same requests, the same normalised answers', async (t) => {
    const expected = await runSteps(etcd.url);
    const actual = await runSteps(keel.leaderUrl);
    // KEEL_COMPAT_DUMP=1 prints etcd's normalised answers, to read what the comparison holds keel to.
    if (process.env.KEEL_COMPAT_DUMP) for (const answer of expected) t.comment(JSON.stringify(answer));
    for (let i = 0; i < steps.length; i++) t.same(actual[i], expected[i], steps[i].name);
  });

  t.test('an unknown path is a text 404, as grpc-gateway answers it', async (t) => {
    for (const url of [etcd.url, keel.leaderUrl]) {
      const reply = await post(url, '/v3/kv/nope', '{}');
      t.equal(reply.status, 404, url);
      t.equal(reply.text, 'Not Found\n', url);
      t.match(reply.contentType, /^text\/plain/, url);
    }
  });

  t.test('a client script written for etcd runs unchanged on keel', async (t) => {
    const watch = keelServesEtcd && keelServesWatch;
    if (!watch) t.comment('the watch step waits for /v3/watch in store/http-api.ts (handleEtcdWatch)');
    const onEtcd = await etcdScript(etcd.url, { watch });
    const onKeel = await etcdScript(keel.followerUrl, { watch });
    t.same(onKeel, onEtcd);
    t.ok(onEtcd.length >= 3, 'the script ran its steps');
  });
});
