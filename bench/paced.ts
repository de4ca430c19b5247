// Where a write's CPU goes: writes at fixed rates (open loop, paced over 64 keep-alive
// connections) to the leader of three real masters with fsync on. Per rate, each master's CPU
// µs per write and its log syncs per second (one per Ready that wrote entries); then a
// least-squares fit, per role, of CPU = perSync × syncs + perWrite × writes. At low rates the
// batches are small, so the per-sync part shows: when it dominates, fewer and larger Readies
// pay more than a cheaper write. The writer runs in this process: client CPU is not reported.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { ProcessCluster } from '../lab/cluster/process-cluster.ts';
import { percentile } from './load-generator.ts';
import { clockTicksPerSecond, readProc } from './proc.ts';

/** API ports 21201-21203, peer ports 21211-21213. */
const basePort = 21_200;
const connections = 64;
/** Writes in flight at most: beyond this a rate is not being kept, and the point says so. */
const inFlightMax = 1024;
const valueBytes = 256;

export interface PacedPoint {
  /** Writes/s asked for and done (answered within the window). */
  rate: number;
  achieved: number;
  latencyMs: { p50: number; p99: number; max: number };
  errors: number;
  /** Writes that could not be sent on time because inFlightMax were outstanding. */
  late: number;
  masters: Array<{ id: number; role: 'leader' | 'follower'; cpuUsPerWrite: number; syncsPerSecond: number }>;
}

export interface CostFit {
  role: 'leader' | 'follower';
  /** CPU per log sync (per Ready written), µs. */
  perSyncUs: number;
  /** CPU per write beyond that, µs. */
  perWriteUs: number;
}

export interface PacedResults {
  points: PacedPoint[];
  fits: CostFit[];
}

/**
 * Least squares for cpu = a × syncs + b × writes over the samples (no intercept): a and b in the
 * samples' units per sync and per write. Null when the samples cannot tell the two apart.
 */
export function fitCost(samples: Array<{ cpu: number; syncs: number; writes: number }>): { perSync: number; perWrite: number } | null {
  let ss = 0;
  let sw = 0;
  let ww = 0;
  let cs = 0;
  let cw = 0;
  for (const { cpu, syncs, writes } of samples) {
    ss += syncs * syncs;
    sw += syncs * writes;
    ww += writes * writes;
    cs += cpu * syncs;
    cw += cpu * writes;
  }
  const det = ss * ww - sw * sw;
  if (samples.length < 2 || Math.abs(det) <= 1e-9 * ss * ww) return null;
  return { perSync: (cs * ww - cw * sw) / det, perWrite: (cw * ss - cs * sw) / det };
}

/** The send times of a paced writer: how many writes are due `elapsedMs` after the start. */
export function dueWrites(rate: number, elapsedMs: number): number {
  return Math.floor((elapsedMs / 1000) * rate);
}

async function syncCount(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = /^keel_disk_fsync_seconds_count (\d+)$/m.exec(text);
  if (match === null) throw new Error(`${url}/metrics has no keel_disk_fsync_seconds_count`);
  return Number(match[1]);
}

class Writer {
  readonly #pool: Pool;
  readonly #value = randomBytes(valueBytes);
  readonly #keyspace: number;

  constructor(url: string, keyspace: number) {
    this.#pool = new Pool(url, { connections, pipelining: 1, headersTimeout: 10_000, bodyTimeout: 10_000 });
    this.#keyspace = keyspace;
  }

  async put(n: number): Promise<boolean> {
    try {
      const res = await this.#pool.request({ method: 'PUT', path: `/v1/kv/k${String(n % this.#keyspace).padStart(7, '0')}`, body: this.#value });
      await res.body.dump();
      return res.statusCode === 200;
    } catch {
      return false; // counted as an error of the point
    }
  }

  async fill(): Promise<void> {
    let next = 0;
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (next < this.#keyspace) {
          const n = next++;
          if (!(await this.put(n))) throw new Error(`paced: the fill's write of key ${n} failed`);
        }
      }),
    );
  }

  /** Writes at `rate`/s for `seconds`; latencies of those sent in the window. */
  async paced(rate: number, seconds: number): Promise<{ latencies: Float64Array; done: number; errors: number; late: number }> {
    const latencies = new Float64Array(Math.ceil(rate * seconds) + 1);
    let done = 0;
    let errors = 0;
    let late = 0;
    let sent = 0;
    let inFlight = 0;
    const start = performance.now();
    const end = start + seconds * 1000;
    const outstanding = new Set<Promise<void>>();
    for (let now = start; now < end; now = performance.now()) {
      const due = Math.min(dueWrites(rate, now - start), latencies.length - 1);
      while (sent < due) {
        sent++;
        if (inFlight >= inFlightMax) {
          late++;
          continue;
        }
        inFlight++;
        const t0 = performance.now();
        const write = this.put(Math.floor(Math.random() * this.#keyspace)).then((ok) => {
          inFlight--;
          if (ok) latencies[done++] = performance.now() - t0;
          else errors++;
        });
        outstanding.add(write);
        void write.finally(() => outstanding.delete(write));
      }
      await sleep(1);
    }
    await Promise.all(outstanding);
    return { latencies: latencies.subarray(0, done).sort(), done, errors, late };
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function markdownTables(results: PacedResults): string {
  const rows = [
    '| writes/s asked | done | p50 ms | p99 ms | max ms | errors | late | leader µs/write | followers µs/write | leader syncs/s | followers syncs/s |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const p of results.points) {
    const leader = p.masters.find((m) => m.role === 'leader')!;
    const followers = p.masters.filter((m) => m.role === 'follower');
    rows.push(
      `| ${fmt(p.rate)} | ${fmt(p.achieved)} | ${fmt(p.latencyMs.p50, 1)} | ${fmt(p.latencyMs.p99, 1)} | ${fmt(p.latencyMs.max, 1)} | ${p.errors} | ${p.late} | ` +
        `${fmt(leader.cpuUsPerWrite)} | ${followers.map((f) => fmt(f.cpuUsPerWrite)).join(' / ')} | ${fmt(leader.syncsPerSecond)} | ${followers.map((f) => fmt(f.syncsPerSecond)).join(' / ')} |`,
    );
  }
  const fits = ['| role | CPU per log sync, µs | CPU per write, µs |', '|---|---:|---:|'];
  for (const f of results.fits) fits.push(`| ${f.role} | ${fmt(f.perSyncUs)} | ${fmt(f.perWriteUs)} |`);
  return `${rows.join('\n')}\n\n${results.fits.length > 0 ? fits.join('\n') : 'No fit: the points cannot tell the per-sync cost from the per-write cost.'}`;
}

export async function main(argv: string[]): Promise<PacedResults> {
  const quick = argv.includes('--quick');
  const rates = quick ? [1_500, 3_000] : [1_500, 3_000, 4_500];
  const seconds = quick ? 3 : 8;
  const keyspace = quick ? 5_000 : 20_000;
  const cluster = new ProcessCluster({ basePort });
  const onSigint = (): void => {
    console.error('paced: interrupted; stopping the masters');
    void cluster.destroy().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSigint);
  let writer: Writer | null = null;
  try {
    await cluster.startAll();
    const leader = await cluster.leader();
    const ids = cluster.configs.map((c) => c.id);
    console.log(`paced: 3 masters, leader ${leader}, data in ${cluster.dir}; fill of ${fmt(keyspace)} keys, then ${rates.map((r) => fmt(r)).join(', ')} writes/s for ${seconds} s each`);
    writer = new Writer(cluster.url(leader), keyspace);
    await writer.fill();
    await writer.paced(rates[0], 1); // warm-up: connections open, JIT settled
    const points: PacedPoint[] = [];
    const samples = new Map<'leader' | 'follower', Array<{ cpu: number; syncs: number; writes: number }>>([['leader', []], ['follower', []]]);
    for (const rate of rates) {
      const cpuBefore = new Map(ids.map((id) => [id, readProc(cluster.pid(id)).cpuTicks]));
      const syncsBefore = new Map(await Promise.all(ids.map(async (id) => [id, await syncCount(cluster.url(id))] as const)));
      const run = await writer.paced(rate, seconds);
      const masters = await Promise.all(
        ids.map(async (id) => {
          const cpuUs = ((readProc(cluster.pid(id)).cpuTicks - cpuBefore.get(id)!) / clockTicksPerSecond) * 1e6;
          const syncs = (await syncCount(cluster.url(id))) - syncsBefore.get(id)!;
          const role = id === leader ? ('leader' as const) : ('follower' as const);
          samples.get(role)!.push({ cpu: cpuUs, syncs, writes: run.done });
          return { id, role, cpuUsPerWrite: run.done > 0 ? cpuUs / run.done : 0, syncsPerSecond: syncs / seconds };
        }),
      );
      const point: PacedPoint = {
        rate,
        achieved: run.done / seconds,
        latencyMs: { p50: percentile(run.latencies, 50), p99: percentile(run.latencies, 99), max: run.latencies.at(-1) ?? 0 },
        errors: run.errors,
        late: run.late,
        masters,
      };
      points.push(point);
      const l = masters.find((m) => m.role === 'leader')!;
      console.log(
        `paced ${fmt(rate)}/s: done ${fmt(point.achieved)}/s p50 ${fmt(point.latencyMs.p50, 1)} ms p99 ${fmt(point.latencyMs.p99, 1)} ms, ` +
          `leader ${fmt(l.cpuUsPerWrite)} µs/write ${fmt(l.syncsPerSecond)} syncs/s${run.errors + run.late > 0 ? `, ERRORS ${run.errors} late ${run.late}` : ''}`,
      );
    }
    const fits: CostFit[] = [];
    for (const [role, roleSamples] of samples) {
      const fit = fitCost(roleSamples);
      if (fit !== null) fits.push({ role, perSyncUs: fit.perSync, perWriteUs: fit.perWrite });
    }
    const results = { points, fits };
    console.log(`\n${markdownTables(results)}\n`);
    return results;
  } finally {
    process.removeListener('SIGINT', onSigint);
    await writer?.close();
    await cluster.destroy();
  }
}
