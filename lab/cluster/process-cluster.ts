// Real master processes on loopback, for tests, benchmarks and the lab: started from configs like `keel up`
// writes, stopped by their own pids, data directories removed at the end.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { clusterConfigs } from '../../control-plane/up.ts';
import type { MasterConfig } from '../../store/server.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(root, 'bin', 'keel.js');

/** Slots of 100 ports from port 10,000 up: all below 32768, outside Linux's ephemeral range. */
const portSlots = 200;
const portSlotsDir = join(tmpdir(), 'keel-port-slots');
let reservedBase: number | null = null;

/**
 * A base port reserved for this process: 100 ports (room for five clusters at offsets 0, 20,
 * ..., 80) that no other running process of this machine reserved. Test files run in parallel,
 * so the reservation is a lock file per slot, taken with O_EXCL and freed when the process exits
 * (or found stale when its owner is gone).
 */
export function testBasePort(offset = 0): number {
  reservedBase ??= reservePortSlot();
  return reservedBase + offset;
}

function reservePortSlot(): number {
  mkdirSync(portSlotsDir, { recursive: true });
  const start = process.pid % portSlots;
  for (let i = 0; i < portSlots; i++) {
    const slot = (start + i) % portSlots;
    const file = join(portSlotsDir, `slot-${slot}`);
    if (!takeSlot(file)) continue;
    process.once('exit', () => rmSync(file, { force: true }));
    return 10_000 + slot * 100;
  }
  throw new Error(`every one of the ${portSlots} test port slots in ${portSlotsDir} is taken`);
}

function takeSlot(file: string): boolean {
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
    return true;
  } catch {
    const owner = Number(readFileSync(file, 'utf8'));
    if (owner > 0 && isAlive(owner)) return false;
    rmSync(file, { force: true }); // its owner is gone
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return true;
    } catch {
      return false; // another process took it just now
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  json(): unknown;
}

export async function http(method: string, url: string, body?: string | Uint8Array, timeoutMs = 15_000): Promise<HttpResult> {
  const res = await request(url, { method: method as 'GET', body, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const payload = Buffer.from(await res.body.arrayBuffer());
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) headers[k] = Array.isArray(v) ? v.join(',') : String(v);
  return { status: res.statusCode, headers, body: payload, json: () => JSON.parse(payload.toString()) };
}

/** Polls `check` until it returns a value that is not undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
}

export class ProcessCluster {
  readonly dir: string;
  readonly configs: MasterConfig[];
  readonly #children = new Map<number, ChildProcess>();
  readonly exits = new Map<number, { code: number | null; signal: string | null }>();

  readonly #nodeArgs: string[];

  /** `nodeArgs`: flags for node itself, e.g. ['--cpu-prof', '--cpu-prof-dir=DIR'] to profile the masters. */
  constructor(options: { basePort?: number; tweak?: (config: MasterConfig) => void; nodeArgs?: string[] } = {}) {
    this.#nodeArgs = options.nodeArgs ?? [];
    this.dir = mkdtempSync(join(tmpdir(), 'keel-test-'));
    this.configs = clusterConfigs(this.dir, options.basePort ?? testBasePort());
    for (const config of this.configs) {
      options.tweak?.(config);
      writeFileSync(this.configFile(config.id), JSON.stringify(config, null, 2));
    }
  }

  configFile(id: number): string {
    return join(this.dir, `m${id}.json`);
  }

  logFile(id: number): string {
    return join(this.dir, `m${id}.log`);
  }

  log(id: number): string {
    try {
      return readFileSync(this.logFile(id), 'utf8');
    } catch {
      return '';
    }
  }

  url(id: number): string {
    return `http://${this.configs[id - 1].apiAddress}`;
  }

  start(id: number, env: Record<string, string> = {}): ChildProcess {
    const out = join(this.dir, `m${id}.log`);
    const child = spawn(process.execPath, [...this.#nodeArgs, bin, 'master', '--config', this.configFile(id)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    const append = (chunk: Buffer): void => writeFileSync(out, chunk, { flag: 'a' });
    child.stdout!.on('data', append);
    child.stderr!.on('data', append);
    this.exits.delete(id);
    child.on('exit', (code, signal) => this.exits.set(id, { code, signal }));
    this.#children.set(id, child);
    return child;
  }

  async startAll(env: Record<string, string> = {}): Promise<void> {
    for (const config of this.configs) this.start(config.id, env);
    await this.leader();
  }

  pid(id: number): number {
    return this.#children.get(id)!.pid!;
  }

  running(id: number): boolean {
    const child = this.#children.get(id);
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** Sends `signal` and waits for the process to exit. */
  async kill(id: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<{ code: number | null; signal: string | null }> {
    const child = this.#children.get(id)!;
    if (!this.running(id)) return this.exits.get(id)!;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
    return this.exits.get(id)!;
  }

  async status(id: number): Promise<Record<string, unknown>> {
    return (await http('GET', `${this.url(id)}/v1/status`, undefined, 2000)).json() as Record<string, unknown>;
  }

  /** The id of the leader all running members agree on. */
  async leader(timeoutMs = 30_000): Promise<number> {
    return waitFor(
      'a leader all running masters agree on',
      async () => {
        const ids = this.configs.map((c) => c.id).filter((id) => this.running(id));
        const statuses = await Promise.all(ids.map((id) => this.status(id)));
        const leaders = new Set(statuses.map((s) => s.leader));
        const leader = statuses.find((s) => s.role === 'leader');
        if (leader && leaders.size === 1) return leader.id as number;
        return undefined;
      },
      timeoutMs,
    );
  }

  /** Stops every master (SIGKILL: tests that test SIGTERM do it themselves) and removes the data. */
  async destroy(): Promise<void> {
    await Promise.all(this.configs.map((c) => (this.#children.has(c.id) ? this.kill(c.id) : undefined)));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
