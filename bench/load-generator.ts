// The client side of the kv and compare benchmarks, in a process of its own so its CPU is not
// charged to the bench runner: `node --import tsx bench/load-generator.ts '<LoadSpec JSON>'`, or
// with `--serve`, one spec per line of stdin in one long-lived process (see serve()).
// Runs `concurrency` closed-loop clients (one request in flight per client) against one member or
// spread over several, warms up, measures for a fixed duration, and reports on stdout as JSON
// lines: `{"event":"measuring"}` when the measured window opens, `{"event":"measured"}` when it
// closes, then `{"event":"result",...}` once the clients have drained. It speaks keel's native
// API (`v1`) or etcd's v3 JSON gateway (`v3`), which etcd and keel both serve, so one generator
// drives both systems alike.
//
// The `failover` mode is a writer that keeps going through faults: a client whose request fails
// moves on to the next member, and every successful write is reported with the time it was
// answered and the Raft term it was answered in. It runs until a line `stop` arrives on stdin.
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { Http1Connection } from './http1.ts';

export type LoadMode = 'write' | 'read-linearizable' | 'read-serializable' | 'fill' | 'failover';
/** `v1`: keel's native API. `v3`: etcd's grpc-gateway JSON API (`POST /v3/kv/put`, `/v3/kv/range`). */
export type LoadProtocol = 'v1' | 'v3';

export interface LoadSpec {
  /** Base URL of the member the clients talk to, `http://host:port`. */
  url: string;
  /** Base URLs to spread the clients over: client i starts at urls[i % urls.length]. Default [url]. */
  urls?: string[];
  /** The API spoken. Default 'v1'. */
  protocol?: LoadProtocol;
  mode: LoadMode;
  /** Closed-loop clients, each one request in flight on a keep-alive connection of its own. */
  concurrency: number;
  /** Unmeasured run before the window, ms (connections open, JIT and caches settle). Ignored by `fill` and `failover`. */
  warmupMs: number;
  /**
   * The warm-up goes on after warmupMs until every client has had an answer, up to this long,
   * ms. Default warmupMs: the window opens at warmupMs whatever happened.
   */
  warmupMaxMs?: number;
  /**
   * The measured window, ms. Ignored by `fill`, which runs until every key is written once; for
   * `failover` the longest it runs if no `stop` comes.
   */
  durationMs: number;
  /** Keys are `k` and 7 digits (8 bytes), uniform at random over [0, keyspace). */
  keyspace: number;
  valueBytes: number;
  /** Headers and body timeout per request, ms (`failover`: the whole request, timed precisely). */
  timeoutMs: number;
  seed: number;
  /** `failover`: pause after a failed request before the client tries the next URL, ms. Default 20. */
  retryDelayMs?: number;
}

/** `failover`: every successful write, in the order answered. */
export interface WriteTimeline {
  /** When each write was answered: Unix time, ms (fractional; the same clock as `nowMs()`). */
  atMs: number[];
  /** The Raft term of the member that answered (etcd's header.raft_term, keel's x-keel-term). */
  term: number[];
}

export interface LoadResult {
  event: 'result';
  mode: LoadMode;
  concurrency: number;
  /** Length of the measured window, s. */
  seconds: number;
  /** Requests answered 2xx within the window. */
  ops: number;
  opsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** Failed requests within the window: by HTTP status (`http-503`) or error code (`UND_ERR_HEADERS_TIMEOUT`). */
  errors: Record<string, number>;
  errorsTotal: number;
  /** Failed requests during the warm-up, not counted above. */
  warmupErrorsTotal: number;
  /** CPU time of this process within the measured window, s (as the members' is measured). */
  clientCpuSeconds: number;
  /** `failover` only. */
  timeline?: WriteTimeline;
}

/** Latency samples per run at most: 32 MiB of microseconds, far above any rate this box can reach. */
const samplesMax = 1 << 23;
const keyDigits = 7;

/** xorshift32: cheap, seeded, good enough to spread keys. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

function keyOf(n: number): string {
  return `k${String(n).padStart(keyDigits, '0')}`;
}

/** Unix time in ms with sub-ms precision, comparable between processes of one machine. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

interface OneRequest {
  method: 'GET' | 'PUT' | 'POST';
  path: string;
  body?: Buffer | string;
  headers?: Record<string, string>;
}

const jsonHeaders = { 'content-type': 'application/json' };

/** The request of one operation on key number `n`, in the spec's protocol. */
export function requestOf(protocol: LoadProtocol, mode: LoadMode, n: number, value: Buffer): OneRequest {
  const write = mode === 'write' || mode === 'fill' || mode === 'failover';
  if (protocol === 'v1') {
    if (write) return { method: 'PUT', path: `/v1/kv/${keyOf(n)}`, body: value };
    return { method: 'GET', path: `/v1/kv/${keyOf(n)}${mode === 'read-serializable' ? '?consistency=serializable' : ''}` };
  }
  const key = Buffer.from(keyOf(n)).toString('base64');
  if (write) return { method: 'POST', path: '/v3/kv/put', body: `{"key":"${key}","value":"${value.toString('base64')}"}`, headers: jsonHeaders };
  const serializable = mode === 'read-serializable' ? ',"serializable":true' : '';
  return { method: 'POST', path: '/v3/kv/range', body: `{"key":"${key}"${serializable}}`, headers: jsonHeaders };
}

/** The Raft term a reply was answered in; 0 when it does not say. */
function termOf(protocol: LoadProtocol, headers: Record<string, string | string[] | undefined>, body: string): number {
  if (protocol === 'v1') return Number(headers['x-keel-term'] ?? 0);
  const reply = JSON.parse(body) as { header?: { raft_term?: string } };
  return Number(reply.header?.raft_term ?? 0);
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export interface LoadHooks {
  /** Called when the measured window opens. */
  onMeasuring?: () => void;
  /** Called when the measured window closes (requests still in flight then are not counted). */
  onMeasured?: () => void;
  /** `failover`: resolves when the writer should stop (the window closes then). */
  stop?: Promise<void>;
}

/**
 * The failover writer's keep-alive pools, one per URL: a client may move to any member, so every
 * pool has room for all of them. undici checks its timeouts on a coarse clock (about 500 ms
 * steps); the writer times each request out itself, to the millisecond, and keeps these only as
 * a backstop.
 */
function failoverPoolsOf(spec: LoadSpec, urls: string[]): Pool[] {
  const timeoutMs = spec.timeoutMs + 5_000;
  return urls.map(
    (url) =>
      new Pool(url, {
        connections: spec.concurrency,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        connectTimeout: 5_000,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      }),
  );
}

/**
 * When the measured window is open. It opens once the warm-up has lasted warmupMs and every
 * client has had an answer, so that a point whose requests are slow (large values, many clients)
 * is measured in its steady state, not while the first requests are still on their way; at
 * warmupMaxMs it opens regardless. fill and failover measure from the start; failover's window
 * closes at `stop`.
 */
class MeasuredWindow {
  start = Infinity;
  end = Infinity;
  /** This process's CPU time when the window opened, and what it used until it closed, µs. */
  #cpuAtOpen: NodeJS.CpuUsage | null = null;
  cpuUsedUs = 0;
  readonly #spec: LoadSpec;
  readonly #hooks: LoadHooks;
  readonly #timers: NodeJS.Timeout[] = [];
  #unanswered: number;
  #warmedUp = false;
  #closed = false;

  constructor(spec: LoadSpec, hooks: LoadHooks) {
    this.#spec = spec;
    this.#hooks = hooks;
    this.#unanswered = spec.concurrency;
    void hooks.stop?.then(() => {
      this.end = Math.min(this.end, performance.now());
    });
    if (spec.mode === 'fill' || spec.mode === 'failover') {
      this.open();
      return;
    }
    const warmed = (): void => {
      this.#warmedUp = true;
      if (this.#unanswered === 0) this.open();
    };
    this.#timers.push(setTimeout(warmed, spec.warmupMs));
    this.#timers.push(setTimeout(() => this.open(), Math.max(spec.warmupMs, spec.warmupMaxMs ?? spec.warmupMs)));
  }

  open(): void {
    if (this.start !== Infinity) return;
    this.start = performance.now();
    this.#cpuAtOpen = process.cpuUsage();
    this.end = this.#spec.mode === 'fill' ? Infinity : this.start + this.#spec.durationMs;
    this.#hooks.onMeasuring?.();
    if (this.#spec.mode !== 'fill' && this.#spec.mode !== 'failover') this.#timers.push(setTimeout(() => this.close(), this.#spec.durationMs));
  }

  /** A client has had its first answer. */
  answeredOnce(): void {
    this.#unanswered--;
    if (this.#warmedUp && this.#unanswered === 0) this.open();
  }

  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    if (this.#closed) return;
    this.#closed = true;
    const used = this.#cpuAtOpen === null ? null : process.cpuUsage(this.#cpuAtOpen);
    this.cpuUsedUs = used === null ? 0 : used.user + used.system;
    this.#hooks.onMeasured?.();
  }
}

/** Sends one request of the failover writer; its failure (`http-503`, an error code) or null, and the term it was answered in. */
async function sendFailover(pool: Pool, request: OneRequest, spec: LoadSpec, protocol: LoadProtocol): Promise<{ failure: string | null; term: number }> {
  try {
    const res = await pool.request({ ...request, signal: AbortSignal.timeout(spec.timeoutMs) });
    const ok = res.statusCode >= 200 && res.statusCode <= 299;
    const body = await res.body.text();
    return { failure: ok ? null : `http-${res.statusCode}`, term: ok ? termOf(protocol, res.headers, body) : 0 };
  } catch (error) {
    // undici's errors carry a string code; a timed-out signal's DOMException, a numeric one.
    const code = (error as { code?: unknown }).code;
    return { failure: typeof code === 'string' ? code : (error as Error).name, term: 0 };
  }
}

/** Sends one request of a measured point on the client's own connection; its failure or null. */
async function send(connection: Http1Connection, request: OneRequest): Promise<{ failure: string | null; term: number }> {
  try {
    const res = await connection.request(request.method, request.path, request.headers, request.body);
    return { failure: res.status >= 200 && res.status <= 299 ? null : `http-${res.status}`, term: 0 };
  } catch (error) {
    // Http1Error and socket errors carry a string code (HTTP1_TIMEOUT, ECONNREFUSED).
    const code = (error as { code?: unknown }).code;
    return { failure: typeof code === 'string' ? code : (error as Error).name, term: 0 };
  }
}

export async function runLoad(spec: LoadSpec, hooks: LoadHooks = {}): Promise<LoadResult> {
  if (spec.keyspace >= 10 ** keyDigits) throw new Error(`keyspace ${spec.keyspace} does not fit ${keyDigits} digits`);
  const protocol = spec.protocol ?? 'v1';
  const urls = spec.urls ?? [spec.url];
  const pools = spec.mode === 'failover' ? failoverPoolsOf(spec, urls) : [];
  const fill = spec.mode === 'fill';
  const failover = spec.mode === 'failover';
  const writes = spec.mode !== 'read-linearizable' && spec.mode !== 'read-serializable';
  // Every client but the failover writer's has a keep-alive connection of its own, to the member
  // it starts at.
  const connections = failover ? [] : Array.from({ length: spec.concurrency }, (_, i) => new Http1Connection(urls[i % urls.length], { timeoutMs: spec.timeoutMs }));
  const samplesUs = new Uint32Array(fill ? 0 : samplesMax);
  let samples = 0;
  let latencySumUs = 0;
  const errors: Record<string, number> = {};
  let errorsTotal = 0;
  let warmupErrorsTotal = 0;
  let fillNext = 0;
  const timeline: WriteTimeline = { atMs: [], term: [] };
  if (!fill && !failover) {
    // Before a measured point's warm-up, every connection is opened and has one answer, none
    // sending more until all have: a busy Node.js server accepts one new connection per
    // event-loop turn (libuv since 1.45), so clients that connect while the first few hundred
    // already keep a member busy wait seconds for their turn, and the point would measure
    // connecting instead of its steady state.
    const value = randomBytes(spec.valueBytes);
    const answers = await Promise.all(connections.map((connection, i) => send(connection, requestOf(protocol, spec.mode, i % spec.keyspace, value))));
    warmupErrorsTotal += answers.filter((answer) => answer.failure !== null).length;
  }
  const window = new MeasuredWindow(spec, hooks);

  const client = async (index: number): Promise<void> => {
    const next = prng(spec.seed * 1_000_003 + index + 1);
    const value = randomBytes(spec.valueBytes);
    let at = index % urls.length;
    const connection = failover ? null : connections[index];
    for (let first = true; ; first = false) {
      if (fill ? fillNext >= spec.keyspace : performance.now() >= window.end) return;
      const key = fill ? fillNext++ : next() % spec.keyspace;
      if (writes) value.writeUInt32LE(next(), 0);
      const t0 = performance.now();
      const request = requestOf(protocol, spec.mode, key, value);
      const { failure, term } = connection === null ? await sendFailover(pools[at], request, spec, protocol) : await send(connection, request);
      const t1 = performance.now();
      if (first) window.answeredOnce();
      if (failover && failure !== null) {
        at = (at + 1) % urls.length;
        await sleep(spec.retryDelayMs ?? 20);
      }
      if (t1 < window.start || t1 > window.end) {
        if (failure !== null && t1 < window.start) warmupErrorsTotal++;
        continue;
      }
      if (failure !== null) {
        errors[failure] = (errors[failure] ?? 0) + 1;
        errorsTotal++;
        continue;
      }
      if (failover) {
        timeline.atMs.push(performance.timeOrigin + t1);
        timeline.term.push(term);
      }
      const us = Math.round((t1 - t0) * 1000);
      latencySumUs += us;
      if (!fill) {
        if (samples >= samplesMax) throw new Error(`more than ${samplesMax} samples in one run`);
        samplesUs[samples] = us;
      }
      samples++;
    }
  };

  await Promise.all(Array.from({ length: spec.concurrency }, (_, i) => client(i)));
  window.close();
  const end = fill ? performance.now() : window.end;
  await Promise.all(pools.map((pool) => pool.close()));
  for (const connection of connections) connection.close();
  const sorted = samplesUs.subarray(0, fill ? 0 : samples).sort();
  const ms = (us: number): number => Math.round(us) / 1000;
  const seconds = (end - window.start) / 1000;
  return {
    event: 'result',
    mode: spec.mode,
    concurrency: spec.concurrency,
    seconds,
    ops: samples,
    opsPerSecond: samples / seconds,
    latencyMs: {
      p50: ms(percentile(sorted, 50)),
      p90: ms(percentile(sorted, 90)),
      p99: ms(percentile(sorted, 99)),
      max: ms(sorted.length > 0 ? sorted[sorted.length - 1] : 0),
      mean: samples > 0 ? ms(latencySumUs / samples) : 0,
    },
    errors,
    errorsTotal,
    warmupErrorsTotal,
    clientCpuSeconds: window.cpuUsedUs / 1e6,
    ...(failover ? { timeline } : {}),
  };
}

/** Resolves at the first line `stop` on stdin, or when stdin closes. */
function stopFromStdin(): Promise<void> {
  return new Promise((resolve) => {
    const lines = createInterface({ input: process.stdin });
    lines.on('line', (line) => {
      if (line.trim() !== 'stop') return;
      lines.close();
      resolve();
    });
    lines.on('close', () => resolve());
  });
}

/**
 * `--serve`: runs one LoadSpec per line of stdin, one after another, with the same events as a
 * single run for each, until stdin closes. A benchmark keeps one generator for all its points, so
 * the clients' code is compiled once, not measured cold at every point.
 */
async function serve(): Promise<void> {
  const lines = createInterface({ input: process.stdin });
  const write = (event: object): void => void process.stdout.write(JSON.stringify(event) + '\n');
  for await (const line of lines) {
    if (line.trim() === '') continue;
    const spec = JSON.parse(line) as LoadSpec;
    if (spec.mode === 'failover') throw new Error('--serve runs measured points; the failover writer runs in a process of its own');
    const result = await runLoad(spec, { onMeasuring: () => write({ event: 'measuring' }), onMeasured: () => write({ event: 'measured' }) });
    write(result);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === '--serve') {
  await serve();
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const spec = JSON.parse(process.argv[2] ?? '') as LoadSpec;
  const stop = spec.mode === 'failover' ? stopFromStdin() : undefined;
  const onMeasuring = (): void => void process.stdout.write(JSON.stringify({ event: 'measuring' }) + '\n');
  const onMeasured = (): void => void process.stdout.write(JSON.stringify({ event: 'measured' }) + '\n');
  const result = await runLoad(spec, { onMeasuring, onMeasured, stop });
  // Exit once the result is out (a long timeline fills the pipe's buffer several times): stdin
  // may still be open, since the runner keeps the pipe.
  process.stdout.write(JSON.stringify(result) + '\n', () => process.exit(0));
}
