// Runs bench/load-generator.ts as a child process: one measured point (with each member's CPU
// time and peak RSS sampled from /proc when the window opens and when it closes), or the
// failover writer, which runs until it is told to stop.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadResult, LoadSpec } from '../load-generator.ts';
import { readProc, resetPeakRss, type ProcSample } from '../proc.ts';

const loadGenerator = join(dirname(fileURLToPath(import.meta.url)), '..', 'load-generator.ts');
/** How long one child may run before the suite gives up on it, ms. */
const childTimeoutMs = 120_000;

export interface MemberSample {
  before: ProcSample;
  after: ProcSample;
}

export interface PointRun {
  result: LoadResult;
  /** By member id: /proc at the window's start and at its end. */
  members: Map<number, MemberSample>;
  /** Whether peak RSS could be reset at the window's start (else it is since the process started). */
  peakRssPerWindow: boolean;
}

let current: ChildProcess | null = null;

/** Kills the running load generator, if any (on Ctrl-C). */
export function killGenerator(): void {
  if (current !== null && current.exitCode === null) current.kill('SIGKILL');
}

function spawnGenerator(spec: LoadSpec, stdin: 'ignore' | 'pipe'): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', loadGenerator, JSON.stringify(spec)], { stdio: [stdin, 'pipe', 'inherit'] });
  current = child;
  child.once('exit', () => {
    if (current === child) current = null;
  });
  return child;
}

/** Calls `onEvent` for each JSON line the child writes; resolves with its exit code or signal. */
export function follow(child: ChildProcess, onEvent: (event: { event: string }) => void): Promise<number | string> {
  let buffered = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    buffered += chunk;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      onEvent(JSON.parse(line) as { event: string });
    }
  });
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), childTimeoutMs);
    // 'close', not 'exit': only then has all of the child's stdout been read.
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve(signal ?? code ?? 0);
    });
  });
}

/** One measured point; `pids` are the members' processes to sample. */
export async function runPoint(spec: LoadSpec, pids: Map<number, number>): Promise<PointRun> {
  const child = spawnGenerator(spec, 'ignore');
  const before = new Map<number, ProcSample>();
  const members = new Map<number, MemberSample>();
  let perWindow = true;
  let result: LoadResult | null = null;
  const exit = await follow(child, (message) => {
    if (message.event === 'measuring') {
      for (const [id, pid] of pids) {
        perWindow = resetPeakRss(pid) && perWindow;
        before.set(id, readProc(pid));
      }
    } else if (message.event === 'measured' || message.event === 'result') {
      // At the window's close (before the clients drain), or at the result for a fill.
      if (members.size === 0) for (const [id, pid] of pids) members.set(id, { before: before.get(id)!, after: readProc(pid) });
      if (message.event === 'result') result = message as LoadResult;
    }
  });
  if (result === null || exit !== 0) throw new Error(`load generator ${spec.mode} c=${spec.concurrency} exited with ${exit} and no result`);
  return { result, members, peakRssPerWindow: perWindow };
}

export interface Writer {
  /** Resolves once the writer's clients are running. */
  started: Promise<void>;
  /** Tells the writer to stop; resolves with its result (and timeline). */
  stop(): Promise<LoadResult>;
}

/** The failover writer (`mode: 'failover'`), running until stop(). */
export function startWriter(spec: LoadSpec): Writer {
  const child = spawnGenerator(spec, 'pipe');
  let result: LoadResult | null = null;
  let onStarted: () => void = () => {};
  const started = new Promise<void>((resolve) => (onStarted = resolve));
  const exit = follow(child, (message) => {
    if (message.event === 'measuring') onStarted();
    else if (message.event === 'result') result = message as LoadResult;
  });
  void exit.then(() => onStarted()); // a writer that died at once: stop() reports it
  return {
    started,
    stop: async () => {
      child.stdin!.end('stop\n');
      const code = await exit;
      if (result === null || code !== 0) throw new Error(`failover writer exited with ${code} and no result`);
      return result;
    },
  };
}
