// Real master processes on loopback, for tests, benchmarks and the lab: started from configs like `keel up`
// writes, stopped by their own pids, data directories removed at the end. A master whose harness
// dies without stopping it stops by itself (KEEL_EXIT_WITH_PARENT).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { clusterConfigs } from '../../control-plane/up.ts';
import { parseAddress, type MasterConfig } from '../../store/server.ts';
import { PeerProxy, type LinkSpec } from '../nemesis/proxy.ts';

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

/** Where the proxy of a cluster at `basePort` listens for the link from→to: ports basePort+14..+19. */
function proxyPort(basePort: number, ids: number[], from: number, to: number): number {
  const pairs = ids.flatMap((a) => ids.filter((b) => b !== a).map((b) => `${a}->${b}`));
  return basePort + 14 + pairs.indexOf(`${from}->${to}`);
}

export interface ProcessClusterOptions {
  /** Ports basePort+1..+3 (API), +11..+13 (peers), +14..+19 (proxy). Default testBasePort(). */
  basePort?: number;
  /** Changes a master's config before it is written. */
  tweak?: (config: MasterConfig) => void;
  /** Flags for node itself, e.g. ['--cpu-prof', '--cpu-prof-dir=DIR'] to profile the masters. */
  nodeArgs?: string[];
  /**
   * Puts the lab's fault-injecting proxy (lab/nemesis/proxy.ts) on every peer link, seeded with
   * `seed`: member i dials member j at proxy(i→j) through its config's dialAddresses. Default: none.
   */
  proxy?: { seed: number };
}

/** Each log's last `lines` lines under a heading that names whose it is and where it lies. */
export function formatLogTails(logs: Array<{ who: string; file: string; text: string }>, lines = 40): string {
  return logs.map(({ who, file, text }) => `--- ${who} (${file}), last ${lines} lines:\n${text.split('\n').slice(-lines - 1).join('\n')}`).join('\n');
}

export class ProcessCluster {
  readonly dir: string;
  readonly configs: MasterConfig[];
  /** The proxy on the peer links, when the cluster was made with one. */
  readonly proxy: PeerProxy | null = null;
  readonly #children = new Map<number, ChildProcess>();
  readonly #paused = new Set<number>();
  readonly exits = new Map<number, { code: number | null; signal: string | null }>();

  readonly #nodeArgs: string[];

  constructor(options: ProcessClusterOptions = {}) {
    this.#nodeArgs = options.nodeArgs ?? [];
    this.dir = mkdtempSync(join(tmpdir(), 'keel-test-'));
    const basePort = options.basePort ?? testBasePort();
    this.configs = clusterConfigs(this.dir, basePort);
    if (options.proxy !== undefined) this.proxy = this.#withProxy(basePort, options.proxy.seed);
    for (const config of this.configs) {
      options.tweak?.(config);
      writeFileSync(this.configFile(config.id), JSON.stringify(config, null, 2));
    }
  }

  /** Points every master's peers at the proxy's links and returns the proxy (not started). */
  #withProxy(basePort: number, seed: number): PeerProxy {
    const ids = this.configs.map((c) => c.id);
    const links: LinkSpec[] = [];
    for (const config of this.configs) {
      config.dialAddresses = {};
      for (const member of config.members) {
        if (member.id === config.id) continue;
        const listen = { host: '127.0.0.1', port: proxyPort(basePort, ids, config.id, member.id) };
        config.dialAddresses[member.id] = `${listen.host}:${listen.port}`;
        links.push({ from: config.id, to: member.id, listen, target: parseAddress(member.peerAddress)! });
      }
    }
    return new PeerProxy({ seed, links });
  }

  configFile(id: number): string {
    return join(this.dir, `m${id}.json`);
  }

  logFile(id: number): string {
    return join(this.dir, `m${id}.log`);
  }

  /** The last `lines` lines of every master's log, each under a heading: what a failed test prints. */
  logTails(lines = 40): string {
    return formatLogTails(this.configs.map((c) => ({ who: `master ${c.id}`, file: this.logFile(c.id), text: this.log(c.id) })), lines);
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

  /** The file a master reads its slow-disk delay from (store/server.ts, KEEL_TEST_SYNC_DELAY_FILE). */
  syncDelayFile(id: number): string {
    return join(this.dir, `m${id}.sync-delay-ms`);
  }

  start(id: number, env: Record<string, string> = {}): ChildProcess {
    const out = join(this.dir, `m${id}.log`);
    const child = spawn(process.execPath, [...this.#nodeArgs, bin, 'master', '--config', this.configFile(id)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, KEEL_TEST_SYNC_DELAY_FILE: this.syncDelayFile(id), KEEL_EXIT_WITH_PARENT: '1', ...env },
    });
    const append = (chunk: Buffer): void => writeFileSync(out, chunk, { flag: 'a' });
    child.stdout!.on('data', append);
    child.stderr!.on('data', append);
    this.exits.delete(id);
    this.#paused.delete(id);
    child.on('exit', (code, signal) => {
      this.exits.set(id, { code, signal });
      if (this.#children.get(id) === child) this.#paused.delete(id);
    });
    this.#children.set(id, child);
    return child;
  }

  /** Starts the proxy, if any, then every master, and waits for a leader. */
  async startAll(env: Record<string, string> = {}): Promise<void> {
    await this.proxy?.start();
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

  /** Sends `signal` and waits for the process to exit (a paused one is continued first, unless killed). */
  async kill(id: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<{ code: number | null; signal: string | null }> {
    const child = this.#children.get(id)!;
    if (!this.running(id)) return this.exits.get(id)!;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    if (signal !== 'SIGKILL' && this.#paused.has(id)) this.resume(id);
    await exited;
    return this.exits.get(id)!;
  }

  /** Stops the process where it is (SIGSTOP): it keeps its sockets but answers nothing. */
  pause(id: number): void {
    if (!this.running(id) || this.#paused.has(id)) return;
    this.#children.get(id)!.kill('SIGSTOP');
    this.#paused.add(id);
  }

  /** Continues a paused process (SIGCONT). */
  resume(id: number): void {
    if (!this.#paused.has(id)) return;
    this.#paused.delete(id);
    if (this.running(id)) this.#children.get(id)!.kill('SIGCONT');
  }

  paused(id: number): boolean {
    return this.#paused.has(id);
  }

  /** The slow disk: every sync write of master `id` waits `ms` first, from within ~100 ms on (0: none). */
  setSyncDelay(id: number, ms: number): void {
    writeFileSync(this.syncDelayFile(id), String(ms));
  }

  async status(id: number): Promise<Record<string, unknown>> {
    return (await http('GET', `${this.url(id)}/v1/status`, undefined, 2000)).json() as Record<string, unknown>;
  }

  /** The id of the leader all running members (but the paused ones) agree on. */
  async leader(timeoutMs = 30_000): Promise<number> {
    return waitFor(
      'a leader all running masters agree on',
      async () => {
        const ids = this.configs.map((c) => c.id).filter((id) => this.running(id) && !this.#paused.has(id));
        const statuses = await Promise.all(ids.map((id) => this.status(id)));
        const leaders = new Set(statuses.map((s) => s.leader));
        const leader = statuses.find((s) => s.role === 'leader');
        if (leader && leaders.size === 1) return leader.id as number;
        return undefined;
      },
      timeoutMs,
    );
  }

  /** Stops every master (SIGKILL: tests that test SIGTERM do it themselves) and the proxy, and removes the data. */
  async destroy(): Promise<void> {
    await Promise.all(this.configs.map((c) => (this.#children.has(c.id) ? this.kill(c.id) : undefined)));
    await this.proxy?.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
