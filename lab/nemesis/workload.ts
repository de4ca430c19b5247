// A client workload against real masters, recorded as a history (lab/nemesis/history.ts).
// Each client sticks to one master (client c to urls[c % urls.length]) and has one operation
// open at a time; a follower forwards writes to the leader and serves linearizable reads itself.
//
// - register: one key, gets, puts and compare-and-swaps in equal parts.
// - multi-key: `keys` keys, gets 40%, puts 30%, compare-and-swaps 20%, deletes 10%.
//
// A cas compares with the value its client last saw for the key (read, written, swapped in, or
// read by a failed swap; none seen: the key must not exist), so that swaps succeed often enough
// to matter. It is the transaction the checker's keel model means by `cas` (casRequest). Every value
// written is unique in the run ("client-n"). The choice of operations replays from the seed; the
// values a cas compares with depend on what the run read.
import { Client } from 'undici';
import { assert, Prng } from '../../raft/core/index.ts';
import { txnFromWire, txnToWire } from '../../store/client/codec.ts';
import { casOutput, casRequest } from '../lincheck/models/keel-client.ts';
import type { KeelOutput } from '../lincheck/models/keel.ts';
import type { HistoryWriter, OpInput, OpName, Outcome } from './history.ts';

export type WorkloadKind = 'register' | 'multi-key';

export interface WorkloadOptions {
  /** The masters' API URLs ("http://host:port"); client c sends everything to urls[c % urls.length]. */
  urls: string[];
  /** The master id of each URL, recorded with each operation. Default: 1, 2, ... in order. */
  members?: number[];
  kind: WorkloadKind;
  /** Seeds the choice of operations of every client. */
  seed: number;
  history: HistoryWriter;
  /** Concurrent clients. Default 3. */
  clients?: number;
  /** Keys of the multi-key workload. Default 5. */
  keys?: number;
  /** A request with no answer after this long ends (info for a write, fail for a read), ms. Default 5000. */
  requestTimeoutMs?: number;
  /** Pause between two operations of one client, ms. Default 10. */
  thinkMs?: number;
  /**
   * Pause after an operation that failed or got no answer, instead of thinkMs, ms: a master
   * that is down refuses connections at once, and its clients need not record hundreds of
   * refusals a second. Default 100.
   */
  errorPauseMs?: number;
}

export interface WorkloadStats {
  operations: number;
  ok: number;
  fail: number;
  info: number;
}

/** The single register's key. */
export const registerKey = 'register';
/** A TCP connect to a master gives up after this long, ms (nothing was sent: fail). */
const connectTimeoutMs = 2_000;

/** Server error codes after which a write certainly did not take effect (5xx ones; every 4xx is such a refusal too). */
const refusedCodes: ReadonlySet<string> = new Set([
  'KEEL_NO_LEADER', // a follower found no leader to forward to; nothing was proposed
  'KEEL_NOT_LEADER', // the member is not the leader (a forwarded request): nothing was proposed
  'KEEL_TRANSFER_IN_PROGRESS', // refused while leadership moves
  'KEEL_PROPOSAL_DROPPED', // the entry was replaced by another leader's before it committed
]);
/** Client error codes that mean the request never left: no connection was made. */
const unsentCodes: ReadonlySet<string> = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND', 'EADDRNOTAVAIL']);

/** A write's outcome from an HTTP error answer: fail when it certainly did not take effect, else info. */
export function writeOutcome(status: number, code: string): Outcome {
  if (status >= 400 && status < 500) return 'fail';
  return refusedCodes.has(code) ? 'fail' : 'info';
}

/** A write's outcome when no answer came: fail only when nothing was sent. */
export function unansweredOutcome(code: string): Outcome {
  return unsentCodes.has(code) ? 'fail' : 'info';
}

interface Planned {
  op: OpName;
  input: OpInput;
}

interface Done {
  type: Outcome;
  output?: KeelOutput;
  error?: string;
}

export class Workload {
  readonly #options: WorkloadOptions;
  readonly #clients: number;
  readonly #prngs: Prng[];
  readonly #stats: WorkloadStats = { operations: 0, ok: 0, fail: 0, info: 0 };
  #running: Promise<void>[] = [];
  #stopping = false;

  constructor(options: WorkloadOptions) {
    assert(options.urls.length > 0, 'a workload needs at least one master');
    this.#options = options;
    this.#clients = options.clients ?? 3;
    assert(this.#clients >= 1, `clients ${this.#clients} < 1`);
    const root = new Prng(options.seed);
    this.#prngs = Array.from({ length: this.#clients }, () => root.fork());
  }

  start(): void {
    assert(this.#running.length === 0, 'workload started twice');
    this.#running = this.#prngs.map((prng, c) => this.#client(c, prng));
  }

  /** Stops issuing operations and waits for the open ones to end (at worst by their timeout). */
  async stop(): Promise<WorkloadStats> {
    this.#stopping = true;
    await Promise.all(this.#running);
    return { ...this.#stats };
  }

  /** Operations recorded so far, by outcome. */
  stats(): WorkloadStats {
    return { ...this.#stats };
  }

  async #client(index: number, prng: Prng): Promise<void> {
    const { urls, history } = this.#options;
    const timeoutMs = this.#options.requestTimeoutMs ?? 5_000;
    const thinkMs = this.#options.thinkMs ?? 10;
    const errorPauseMs = this.#options.errorPauseMs ?? 100;
    const member = this.#options.members?.[index % urls.length] ?? (index % urls.length) + 1;
    const http = new Client(urls[index % urls.length], { pipelining: 1, connectTimeout: Math.min(connectTimeoutMs, timeoutMs), headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    const seen = new Map<string, string | null>();
    let processId = index;
    let written = 0;
    const fresh = (): string => `${index}-${++written}`;
    try {
      while (!this.#stopping) {
        const planned = this.#plan(prng, seen, fresh);
        const call = history.now();
        const done = await execute(http, planned);
        const returned = done.type === 'info' ? null : history.now();
        history.append({ process: processId, type: done.type, call, return: returned, op: planned.op, input: planned.input, ...(done.output ? { output: done.output } : {}), ...(done.error ? { error: done.error } : {}), member });
        this.#count(done.type);
        if (done.type === 'ok') remember(seen, planned, done.output!);
        if (done.type === 'info') {
          processId += this.#clients;
          seen.delete(planned.input.key); // what the key holds now is unknown
        }
        const pauseMs = done.type === 'ok' ? thinkMs : errorPauseMs;
        if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
    } finally {
      await http.destroy();
    }
  }

  #plan(prng: Prng, seen: Map<string, string | null>, fresh: () => string): Planned {
    const draw = prng.float();
    if (this.#options.kind === 'register') {
      const key = registerKey;
      if (draw < 1 / 3) return { op: 'get', input: { key } };
      if (draw < 2 / 3) return { op: 'put', input: { key, value: fresh() } };
      return { op: 'cas', input: { key, expected: seen.get(key) ?? null, value: fresh() } };
    }
    const key = `key-${prng.int(this.#options.keys ?? 5)}`;
    if (draw < 0.4) return { op: 'get', input: { key } };
    if (draw < 0.7) return { op: 'put', input: { key, value: fresh() } };
    if (draw < 0.9) return { op: 'cas', input: { key, expected: seen.get(key) ?? null, value: fresh() } };
    return { op: 'delete', input: { key } };
  }

  #count(outcome: Outcome): void {
    this.#stats.operations++;
    this.#stats[outcome]++;
  }
}

/** What the client knows the key holds after an ok operation. */
function remember(seen: Map<string, string | null>, { op, input }: Planned, output: KeelOutput): void {
  switch (op) {
    case 'get':
      seen.set(input.key, output.value ?? null);
      return;
    case 'put':
      seen.set(input.key, (input as { value: string }).value);
      return;
    case 'delete':
      seen.set(input.key, null);
      return;
    case 'cas':
      if (output.succeeded === true) seen.set(input.key, (input as { value: string }).value);
      else if (output.current !== undefined) seen.set(input.key, output.current);
      else seen.delete(input.key);
  }
}

async function execute(http: Client, planned: Planned): Promise<Done> {
  const isRead = planned.op === 'get';
  try {
    const { status, body } = await send(http, planned);
    if (status === 200) return { type: 'ok', output: okOutput(planned, body) };
    const code = errorCode(body);
    if (isRead && status === 404 && code === 'KEEL_KEY_NOT_FOUND') return { type: 'ok', output: { value: null } };
    return { type: isRead ? 'fail' : writeOutcome(status, code), error: code };
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'UNKNOWN';
    return { type: isRead ? 'fail' : unansweredOutcome(code), error: code };
  }
}

async function send(http: Client, { op, input }: Planned): Promise<{ status: number; body: Buffer }> {
  const path = `/v1/kv/${encodeURIComponent(input.key)}`;
  let res;
  switch (op) {
    case 'get':
      res = await http.request({ method: 'GET', path });
      break;
    case 'put':
      res = await http.request({ method: 'PUT', path, body: (input as { value: string }).value });
      break;
    case 'delete':
      res = await http.request({ method: 'DELETE', path });
      break;
    case 'cas': {
      const { key, expected, value } = input as { key: string; expected: string | null; value: string };
      res = await http.request({ method: 'POST', path: '/v1/txn', headers: { 'content-type': 'application/json' }, body: txnToWire(casRequest(key, expected, value)) });
      break;
    }
  }
  return { status: res.statusCode, body: Buffer.from(await res.body.arrayBuffer()) };
}

/** The answer of a 200 as the keel model's output (lab/lincheck/models/keel-client.ts). */
function okOutput({ op }: Planned, body: Buffer): KeelOutput {
  switch (op) {
    case 'get':
      return { value: body.toString('utf8') };
    case 'put':
      return {};
    case 'delete':
      return { deleted: (JSON.parse(body.toString()) as { deleted: number }).deleted };
    case 'cas':
      return casOutput(txnFromWire(JSON.parse(body.toString()) as Parameters<typeof txnFromWire>[0]));
  }
}

function errorCode(body: Buffer): string {
  try {
    const code = (JSON.parse(body.toString()) as { code?: unknown }).code;
    return typeof code === 'string' ? code : 'UNKNOWN';
  } catch {
    return 'UNKNOWN';
  }
}
