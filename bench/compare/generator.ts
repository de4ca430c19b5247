// Runs bench/load-generator.ts as child processes: the measured points, one after another in one
// long-lived generator (with each member's CPU time and peak RSS sampled from /proc when the
// window opens and when it closes), and the failover writer, which runs until it is told to stop.
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

/** The failover writer running now, if any. */
let current: ChildProcess | null = null;

/** The long-lived generator that runs the measured points (`--serve`), and who waits on its next event. */
interface Served {
  child: ChildProcess;
  onEvent: ((event: { event: string }) => void) | null;
  /** Set while a point runs: the generator exited before its result. */
  onExit: ((exit: number | string) => void) | null;
  exited: Promise<number | string>;
}
let served: Served | null = null;

/** Kills the load generators, if any are running (on Ctrl-C). */
export function killGenerator(): void {
  for (const child of [current, served?.child]) if (child && child.exitCode === null) child.kill('SIGKILL');
}

/** Ends the generator that ran the points: it exits once its stdin closes. */
export async function closeGenerator(): Promise<void> {
  const closing = served;
  served = null;
  if (closing === null) return;
  closing.child.stdin!.end();
  await closing.exited;
}

function spawnGenerator(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', loadGenerator, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
}

/**
 * Calls `onEvent` for each JSON line the child writes; resolves with its exit code or signal.
 * A child that runs longer than `timeoutMs` is killed.
 */
export function follow(child: ChildProcess, onEvent: (event: { event: string }) => void, timeoutMs = childTimeoutMs): Promise<number | string> {
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
    const timer = Number.isFinite(timeoutMs) ? setTimeout(() => child.kill('SIGKILL'), timeoutMs) : null;
    // 'close', not 'exit': only then has all of the child's stdout been read.
    child.on('close', (code, signal) => {
      if (timer !== null) clearTimeout(timer);
      resolve(signal ?? code ?? 0);
    });
  });
}

function servedGenerator(): Served {
  if (served !== null && served.child.exitCode === null && served.child.signalCode === null) return served;
  const child = spawnGenerator(['--serve']);
  const generator: Served = { child, onEvent: null, onExit: null, exited: Promise.resolve(0) };
  generator.exited = follow(child, (event) => generator.onEvent?.(event), Infinity);
  void generator.exited.then((exit) => generator.onExit?.(exit)); // between points nobody waits
  served = generator;
  return generator;
}

/**
 * One measured point; `pids` are the members' processes to sample. Every point of a run goes to
 * one long-lived generator (closeGenerator() ends it), whose code is then compiled once for all.
 */
export async function runPoint(spec: LoadSpec, pids: Map<number, number>): Promise<PointRun> {
  const generator = servedGenerator();
  const before = new Map<number, ProcSample>();
  const members = new Map<number, MemberSample>();
  let perWindow = true;
  const what = `load generator ${spec.mode} c=${spec.concurrency}`;
  const result = await new Promise<LoadResult>((resolve, reject) => {
    const timer = setTimeout(() => generator.child.kill('SIGKILL'), childTimeoutMs);
    const settle = (): void => {
      clearTimeout(timer);
      generator.onEvent = null;
      generator.onExit = null;
    };
    generator.onEvent = (message) => {
      if (message.event === 'measuring') {
        for (const [id, pid] of pids) {
          perWindow = resetPeakRss(pid) && perWindow;
          before.set(id, readProc(pid));
        }
      } else if (message.event === 'measured' || message.event === 'result') {
        // At the window's close (before the clients drain), or at the result for a fill.
        if (members.size === 0) for (const [id, pid] of pids) members.set(id, { before: before.get(id)!, after: readProc(pid) });
        if (message.event === 'result') {
          settle();
          resolve(message as LoadResult);
        }
      }
    };
    generator.onExit = (exit) => {
      settle();
      reject(new Error(`${what} exited with ${exit} and no result`));
    };
    generator.child.stdin!.write(JSON.stringify(spec) + '\n');
  });
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
  const child = spawnGenerator([JSON.stringify(spec)]);
  current = child;
  child.once('exit', () => {
    if (current === child) current = null;
  });
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
