// One lab run against real processes: three masters with the nemesis proxy on every peer link
// (lab/cluster, lab/nemesis), a client workload recording a history, a seeded fault schedule
// recording its events, then the check of the history (lab/lincheck) and the report. Everything
// lands in one directory: history.jsonl, events.jsonl, m1.log..m3.log, report.html.
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProcessCluster } from '../cluster/process-cluster.ts';
import { checkAsync, type CheckResult } from '../lincheck/check.ts';
import { loadHistory } from '../lincheck/formats/index.ts';
import type { History } from '../lincheck/history.ts';
import { keelModel, type KeelInput, type KeelOutput } from '../lincheck/models/keel.ts';
import { EventLog, readEvents, type NemesisEvent } from '../nemesis/events.ts';
import type { Fault, FaultKind } from '../nemesis/faults.ts';
import { HistoryWriter, parseHistory } from '../nemesis/history.ts';
import { runSchedule } from '../nemesis/schedule.ts';
import { Workload, type WorkloadKind, type WorkloadStats } from '../nemesis/workload.ts';
import { renderReport } from './report.ts';
import { describeFault } from './timeline.ts';

export interface LabRunOptions {
  seed: number;
  /** Fault kinds the schedule draws from. */
  kinds: FaultKind[];
  /** Every fault ends by then, ms; the clients go on until the healed cluster has caught up. */
  durationMs: number;
  clients: number;
  workload: WorkloadKind;
  /** Where the files go; made if missing. */
  outDir: string;
  /** The command that replays the run, for the report. */
  command: string;
  /** The check gives up (verdict unknown) after this long, ms. Default 60,000. */
  checkTimeoutMs?: number;
  /** Keys of the multi-key workload. Default 5. */
  keys?: number;
  /** A request without an answer after this long is given up, ms. Default 5,000 (the masters' own limit). */
  requestTimeoutMs?: number;
  /** Ports of the cluster (ProcessCluster's basePort). Default: a free slot below 32768. */
  basePort?: number;
  /** Told how the run goes, every progressMs. */
  onProgress?: (progress: LabProgress) => void;
}

export type LabPhase = 'starting' | 'running' | 'healing' | 'checking' | 'done';

export interface LabProgress {
  phase: LabPhase;
  /** ms since the clients started (0 before). */
  elapsedMs: number;
  durationMs: number;
  stats: WorkloadStats;
  /** The fault in force, in words; null when none. */
  fault: string | null;
  /** The leader last observed, 0 when none. */
  leader: number;
  term: number;
}

export interface LabRunResult {
  verdict: 'linearizable' | 'not-linearizable' | 'unknown';
  /** null when the history could not be checked. */
  check: CheckResult<KeelInput, KeelOutput> | null;
  stats: WorkloadStats;
  faults: number;
  /** What went wrong with the run, if anything; the verdict is then unknown unless a violation was found. */
  error: string | null;
  outDir: string;
  report: string;
}

/** How often onProgress is called, ms. */
export const progressMs = 500;
export const checkTimeoutMsDefault = 60_000;
/** A client pauses this long between two operations, ms: enough operations to matter, few enough to check. */
const thinkMs = 10;

export class LabRun {
  readonly options: LabRunOptions;
  #cluster: ProcessCluster | null = null;
  #phase: LabPhase = 'starting';
  #fault: string | null = null;
  #leader = { id: 0, term: 0 };
  readonly #roles = new Map<number, { role: string; term: number } | null>();

  constructor(options: LabRunOptions) {
    this.options = options;
  }

  /** Stops the masters and removes their data (Ctrl-C). The run's files stay. */
  async interrupt(): Promise<void> {
    await this.#cluster?.destroy();
  }

  async run(): Promise<LabRunResult> {
    const o = this.options;
    mkdirSync(o.outDir, { recursive: true });
    const files = { history: join(o.outDir, 'history.jsonl'), events: join(o.outDir, 'events.jsonl'), report: join(o.outDir, 'report.html') };
    const startedAt = new Date().toISOString();
    const cluster = new ProcessCluster({ proxy: { seed: o.seed }, ...(o.basePort === undefined ? {} : { basePort: o.basePort }) });
    this.#cluster = cluster;
    let workload: Workload | null = null;
    let history: HistoryWriter | null = null;
    const progress = setInterval(() => this.#report(workload, history), progressMs);
    let error: string | null = null;
    let faults = 0;
    try {
      await cluster.startAll();
      const originMs = performance.now();
      const events = new EventLog(files.events, originMs, (event) => this.#observe(event));
      history = new HistoryWriter(files.history, originMs);
      const urls = cluster.configs.map((c) => cluster.url(c.id));
      workload = new Workload({ urls, members: cluster.configs.map((c) => c.id), kind: o.workload, seed: o.seed, history, clients: o.clients, keys: o.keys ?? 5, requestTimeoutMs: o.requestTimeoutMs ?? 5_000, thinkMs });
      this.#phase = 'running';
      workload.start();
      try {
        faults = (await runSchedule({ cluster, shape: { seed: o.seed, kinds: o.kinds, durationMs: o.durationMs }, events })).schedule.length;
      } finally {
        await workload.stop();
      }
    } catch (caught) {
      error = (caught as Error).stack ?? String(caught);
    } finally {
      clearInterval(progress);
      this.#keepLogs(cluster);
      await cluster.destroy();
      this.#cluster = null;
    }
    this.#phase = 'checking';
    this.#report(workload, history);
    const stats = workload?.stats() ?? { operations: 0, ok: 0, fail: 0, info: 0 };
    const check = existsSync(files.history) ? await this.#check(files.history) : null;
    const verdict = check === null ? 'unknown' : error !== null && check.verdict === 'linearizable' ? 'unknown' : check.verdict;
    const text = existsSync(files.history) ? readFileSync(files.history, 'utf8') : '';
    const events: NemesisEvent[] = existsSync(files.events) ? readEvents(files.events) : [];
    const logs = cluster.configs.map((c) => `m${c.id}.log`);
    writeFileSync(files.report, renderReport({ run: { seed: o.seed, kinds: o.kinds, durationMs: o.durationMs, clients: o.clients, workload: o.workload, command: o.command, startedAt, checkTimeoutMs: o.checkTimeoutMs ?? checkTimeoutMsDefault }, ops: parseHistory(text, files.history), events, check, error, files: ['history.jsonl', 'events.jsonl', ...logs] }));
    this.#phase = 'done';
    return { verdict, check, stats, faults, error, outDir: o.outDir, report: files.report };
  }

  async #check(file: string): Promise<CheckResult<KeelInput, KeelOutput>> {
    const loaded = loadHistory(readFileSync(file, 'utf8'), { format: 'keel', model: 'keel' });
    return checkAsync(keelModel, loaded.history as History<KeelInput, KeelOutput>, { timeoutMs: this.options.checkTimeoutMs ?? checkTimeoutMsDefault });
  }

  /** The masters' logs, next to the history (the cluster's own directory is removed with it). */
  #keepLogs(cluster: ProcessCluster): void {
    for (const { id } of cluster.configs) {
      if (existsSync(cluster.logFile(id))) copyFileSync(cluster.logFile(id), join(this.options.outDir, `m${id}.log`));
      else writeFileSync(join(this.options.outDir, `m${id}.log`), '');
    }
  }

  #observe(event: NemesisEvent): void {
    if (event.type === 'fault-start') this.#fault = faultText(event.fault, event.members);
    if (event.type === 'fault-end') this.#fault = null;
    if (event.type === 'heal-all') this.#phase = 'healing';
    if (event.type === 'status') this.#roles.set(event.member, { role: event.role, term: event.term });
    if (event.type === 'unreachable') this.#roles.set(event.member, null);
    if (event.type === 'status' || event.type === 'unreachable') {
      const views = [...this.#roles].filter((e): e is [number, { role: string; term: number }] => e[1] !== null);
      const term = Math.max(0, ...views.map(([, v]) => v.term));
      this.#leader = { id: views.find(([, v]) => v.role === 'leader' && v.term === term)?.[0] ?? 0, term };
    }
  }

  #report(workload: Workload | null, history: HistoryWriter | null): void {
    const stats = workload?.stats() ?? { operations: 0, ok: 0, fail: 0, info: 0 };
    this.options.onProgress?.({ phase: this.#phase, elapsedMs: history?.now() ?? 0, durationMs: this.options.durationMs, stats, fault: this.#fault, leader: this.#leader.id, term: this.#leader.term });
  }
}

function faultText(fault: Fault, members: number[]): string {
  return `${fault.kind}: ${describeFault(fault, members).label}`;
}
