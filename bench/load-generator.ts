// The client side of the kv benchmark, in a process of its own so its CPU is not charged to the
// bench runner: `node --import tsx bench/load-generator.ts '<LoadSpec JSON>'`. Runs `concurrency`
// closed-loop clients against one master (one request in flight per client), warms up, measures
// for a fixed duration, and reports on stdout as JSON lines: `{"event":"measuring"}` when the
// measured window opens, then `{"event":"result",...}` once the clients have drained.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';

export type LoadMode = 'write' | 'read-linearizable' | 'read-serializable' | 'fill';

export interface LoadSpec {
  /** Base URL of the master, `http://host:port`. */
  url: string;
  mode: LoadMode;
  /** Closed-loop clients, each one request in flight; also the pool's connection count. */
  concurrency: number;
  /** Unmeasured run before the window, ms (connections open, JIT and caches settle). */
  warmupMs: number;
  /** The measured window, ms. Ignored by `fill`, which runs until every key is written once. */
  durationMs: number;
  /** Keys are `k` and 7 digits (8 bytes), uniform at random over [0, keyspace). */
  keyspace: number;
  valueBytes: number;
  /** Headers and body timeout per request, ms. */
  timeoutMs: number;
  seed: number;
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
  /** CPU time of this process over the whole run, s. */
  clientCpuSeconds: number;
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

function keyPath(n: number): string {
  return `/v1/kv/k${String(n).padStart(keyDigits, '0')}`;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export async function runLoad(spec: LoadSpec, onMeasuring: () => void = () => {}): Promise<LoadResult> {
  if (spec.keyspace >= 10 ** keyDigits) throw new Error(`keyspace ${spec.keyspace} does not fit ${keyDigits} digits`);
  const pool = new Pool(spec.url, {
    connections: spec.concurrency,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    connectTimeout: 5_000,
    headersTimeout: spec.timeoutMs,
    bodyTimeout: spec.timeoutMs,
  });
  const cpuStart = process.cpuUsage();
  const samplesUs = new Uint32Array(spec.mode === 'fill' ? 0 : samplesMax);
  let samples = 0;
  let latencySumUs = 0;
  const errors: Record<string, number> = {};
  let errorsTotal = 0;
  let warmupErrorsTotal = 0;
  let fillNext = 0;

  const fill = spec.mode === 'fill';
  const start = performance.now();
  const measureStart = fill ? start : start + spec.warmupMs;
  const measureEnd = fill ? Infinity : measureStart + spec.durationMs;
  let measuring = false;
  const openWindow = (): void => {
    if (measuring) return;
    measuring = true;
    onMeasuring();
  };
  if (fill) openWindow();
  const windowTimer = fill ? null : setTimeout(openWindow, spec.warmupMs);

  const method = spec.mode === 'write' || fill ? 'PUT' : 'GET';
  const query = spec.mode === 'read-serializable' ? '?consistency=serializable' : '';

  const client = async (index: number): Promise<void> => {
    const next = prng(spec.seed * 1_000_003 + index + 1);
    const value = randomBytes(spec.valueBytes);
    for (;;) {
      let key: number;
      if (fill) {
        if (fillNext >= spec.keyspace) return;
        key = fillNext++;
      } else {
        if (performance.now() >= measureEnd) return;
        key = next() % spec.keyspace;
      }
      if (method === 'PUT') value.writeUInt32LE(next(), 0);
      const t0 = performance.now();
      let failure: string | null = null;
      try {
        const res = await pool.request({ method, path: keyPath(key) + query, body: method === 'PUT' ? value : undefined });
        await res.body.dump();
        if (res.statusCode < 200 || res.statusCode > 299) failure = `http-${res.statusCode}`;
      } catch (error) {
        failure = (error as { code?: string }).code ?? (error as Error).name;
      }
      const t1 = performance.now();
      if (t1 < measureStart || t1 > measureEnd) {
        if (failure !== null && t1 < measureStart) warmupErrorsTotal++;
        continue;
      }
      if (failure !== null) {
        errors[failure] = (errors[failure] ?? 0) + 1;
        errorsTotal++;
        continue;
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
  if (windowTimer !== null) clearTimeout(windowTimer);
  const end = fill ? performance.now() : measureEnd;
  await pool.close();
  const sorted = samplesUs.subarray(0, fill ? 0 : samples).sort();
  const ms = (us: number): number => Math.round(us) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const seconds = (end - measureStart) / 1000;
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
    clientCpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const spec = JSON.parse(process.argv[2] ?? '') as LoadSpec;
  const result = await runLoad(spec, () => process.stdout.write(JSON.stringify({ event: 'measuring' }) + '\n'));
  process.stdout.write(JSON.stringify(result) + '\n');
}
