// `keel kv`: the key-value store from the command line, through the client library (so it finds
// the leader, fails over and retries writes exactly-once like any other client).
import { readFileSync } from 'node:fs';
import { KeelClient, KeelClientError, type KeyValue, type TxnRequest, type WatchEvent } from '../store/client.ts';
import { readClusterFile } from './status.ts';
import { UsageError } from './usage-error.ts';

interface Subcommand {
  usage: string;
  help: string;
  /** Flags that take a value, and flags that do not. */
  valueFlags: string[];
  boolFlags: string[];
  /** Positional arguments: exactly this many. */
  args: string[];
  run(client: KeelClient, args: string[], flags: Flags): Promise<number>;
}

type Flags = Map<string, string | true>;

const commonFlags = `Every subcommand takes:
  --endpoints URL,URL   the masters' API URLs (default: those of ./.keel/cluster.json, from \`keel up\`)
  --dir DIR             read DIR/cluster.json instead of ./.keel/cluster.json
  --timeout MS          give up after MS milliseconds of retries and failovers (default 15000)
  --json                print JSON (the client's answer) instead of text`;

const subcommands: Record<string, Subcommand> = {
  get: {
    usage: 'keel kv get KEY [--serializable] [--rev N]',
    help: 'Prints the value of KEY (exit 1 with KEEL_KEY_NOT_FOUND when it does not exist).\n  --serializable   read the answering master\'s state without a ReadIndex round (possibly stale)\n  --rev N          read at revision N',
    valueFlags: ['--rev'],
    boolFlags: ['--serializable'],
    args: ['KEY'],
    run: async (client, [key], flags) => {
      const kv = await client.get(key, { serializable: flags.has('--serializable'), revision: intFlag(flags, '--rev') });
      if (kv === null) throw new KeelClientError('KEEL_KEY_NOT_FOUND', `key ${JSON.stringify(key)} does not exist`);
      if (flags.has('--json')) print(kvJson(kv));
      else process.stdout.write(Buffer.concat([kv.value, Buffer.from('\n')]));
      return 0;
    },
  },
  put: {
    usage: 'keel kv put KEY VALUE [--lease ID]',
    help: 'Sets KEY to VALUE and prints the revision of the change.\n  --lease ID   attach the key to lease ID (it is deleted when the lease ends)',
    valueFlags: ['--lease'],
    boolFlags: [],
    args: ['KEY', 'VALUE'],
    run: async (client, [key, value], flags) => {
      const r = await client.put(key, value, { lease: intFlag(flags, '--lease') });
      flags.has('--json') ? print(r) : console.log(`OK revision ${r.revision}`);
      return 0;
    },
  },
  del: {
    usage: 'keel kv del KEY [--prefix]',
    help: 'Deletes KEY and prints how many keys were deleted.\n  --prefix   delete every key starting with KEY',
    valueFlags: [],
    boolFlags: ['--prefix'],
    args: ['KEY'],
    run: async (client, [key], flags) => {
      const r = await client.delete(key, { prefix: flags.has('--prefix') });
      flags.has('--json') ? print(r) : console.log(`deleted ${r.deleted} revision ${r.revision}`);
      return 0;
    },
  },
  range: {
    usage: 'keel kv range PREFIX [--limit N] [--keys-only] [--count] [--serializable] [--rev N]',
    help: [
      'Prints KEY<TAB>VALUE per key starting with PREFIX (\'\' for every key), in key order.',
      '  --limit N        at most N keys (default 1000); a note on stderr says when more matched',
      '  --keys-only      print the keys only',
      '  --count          print the number of matching keys only',
      '  --serializable   read without a ReadIndex round (possibly stale)',
      '  --rev N          read at revision N',
    ].join('\n'),
    valueFlags: ['--limit', '--rev'],
    boolFlags: ['--keys-only', '--count', '--serializable'],
    args: ['PREFIX'],
    run: async (client, [prefix], flags) => {
      const r = await client.range({
        prefix,
        limit: intFlag(flags, '--limit'),
        revision: intFlag(flags, '--rev'),
        keysOnly: flags.has('--keys-only'),
        countOnly: flags.has('--count'),
        serializable: flags.has('--serializable'),
      });
      if (flags.has('--json')) print({ ...r, kvs: r.kvs.map(kvJson) });
      else if (flags.has('--count')) console.log(r.count);
      else for (const kv of r.kvs) console.log(flags.has('--keys-only') ? kv.key.toString() : `${kv.key}\t${kv.value}`);
      if (r.more && !flags.has('--count')) console.error(`keel kv range: ${r.count} keys matched, ${r.kvs.length} shown (--limit)`);
      return 0;
    },
  },
  txn: {
    usage: 'keel kv txn FILE.json',
    help: [
      'Runs the transaction in FILE.json (\'-\' for stdin), the body of POST /v1/txn:',
      '  {"compare": [{"key": "k", "target": "version", "result": "equal", "number": 0}],',
      '   "success": [{"put": {"key": "k", "value": "v"}}], "failure": [{"range": {"key": "k"}}]}',
      'and prints the answer as JSON. Exit 0 whether it took the success or the failure branch.',
    ].join('\n'),
    valueFlags: [],
    boolFlags: [],
    args: ['FILE.json'],
    run: async (client, [file]) => {
      const r = await client.txn(readTxn(file));
      print({ ...r, responses: r.responses.map((op) => ('range' in op ? { range: { ...op.range, kvs: op.range.kvs.map(kvJson) } } : 'put' in op && op.put.prevKv ? { put: { ...op.put, prevKv: kvJson(op.put.prevKv) } } : op)) });
      return 0;
    },
  },
  watch: {
    usage: 'keel kv watch KEY [--prefix] [--rev N] [--prev-kv]',
    help: [
      'Prints one line per change until Ctrl-C: `put KEY VALUE rev=N` or `delete KEY rev=N`',
      '(with --json, one JSON object per event). It resumes across lost masters and leader',
      'changes without losing or repeating an event; a compacted --rev ends it with exit 1.',
      '  --prefix    every key starting with KEY',
      '  --rev N     from revision N (default: changes from now on)',
      '  --prev-kv   include the previous value (JSON only)',
    ].join('\n'),
    valueFlags: ['--rev'],
    boolFlags: ['--prefix', '--prev-kv'],
    args: ['KEY'],
    run: (client, [key], flags) => watch(client, key, flags),
  },
  'lease grant': {
    usage: 'keel kv lease grant TTL',
    help: 'Grants a lease of TTL seconds and prints its id.',
    valueFlags: [],
    boolFlags: [],
    args: ['TTL'],
    run: async (client, [ttl], flags) => {
      const r = await client.leaseGrant(positiveInt(ttl, 'TTL'));
      flags.has('--json') ? print(r) : console.log(`lease ${r.id} granted with TTL ${r.ttl}s`);
      return 0;
    },
  },
  'lease revoke': {
    usage: 'keel kv lease revoke ID',
    help: 'Revokes lease ID; its keys are deleted.',
    valueFlags: [],
    boolFlags: [],
    args: ['ID'],
    run: async (client, [id], flags) => {
      const r = await client.leaseRevoke(positiveInt(id, 'ID'));
      flags.has('--json') ? print(r) : console.log(`lease ${id} revoked revision ${r.revision}`);
      return 0;
    },
  },
  'lease keepalive': {
    usage: 'keel kv lease keepalive ID',
    help: 'Restarts the timer of lease ID once and prints its TTL.',
    valueFlags: [],
    boolFlags: [],
    args: ['ID'],
    run: async (client, [id], flags) => {
      const r = await client.leaseKeepAlive(positiveInt(id, 'ID'));
      flags.has('--json') ? print(r) : console.log(`lease ${r.id} kept alive with TTL ${r.ttl}s`);
      return 0;
    },
  },
  'lease ttl': {
    usage: 'keel kv lease ttl ID [--keys]',
    help: 'Prints the seconds left of lease ID.\n  --keys   also print the keys attached to it',
    valueFlags: [],
    boolFlags: ['--keys'],
    args: ['ID'],
    run: async (client, [id], flags) => {
      const r = await client.leaseTimeToLive(positiveInt(id, 'ID'), { keys: flags.has('--keys') });
      if (flags.has('--json')) print({ ...r, keys: r.keys?.map(String) });
      else console.log(`lease ${r.id} TTL ${r.ttl}s of ${r.grantedTtl}s${r.keys ? ` keys: ${r.keys.map(String).join(' ')}` : ''}`);
      return 0;
    },
  },
};

export const kvUsage = `usage: keel kv <get|put|del|range|txn|watch|lease> ...

${Object.values(subcommands)
  .map((s) => `${s.usage}\n  ${s.help.replace(/\n/g, '\n  ')}`)
  .join('\n\n')}

${commonFlags}

Exit status: 0 on success, 1 when the store answered with an error (its code is printed,
e.g. KEEL_KEY_NOT_FOUND) or no master answered within the retry budget (KEEL_UNAVAILABLE),
2 on a bad command line.`;

export async function runKvCommand(argv: string[]): Promise<number> {
  const [first, second] = argv;
  if (first === undefined || first === '--help' || first === '-h') {
    console.log(kvUsage);
    return first === undefined ? 2 : 0;
  }
  const name = first === 'lease' ? `lease ${second ?? ''}`.trim() : first;
  const sub = subcommands[name];
  if (sub === undefined) {
    const known = first === 'lease' ? 'grant, revoke, keepalive, ttl' : 'get, put, del, range, txn, watch, lease';
    throw new UsageError(`unknown subcommand: ${name} (known: ${known})\n\n${kvUsage}`);
  }
  const rest = argv.slice(first === 'lease' ? 2 : 1);
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(subHelp(sub));
    return 0;
  }
  const { args, flags } = parse(sub, rest);
  const client = new KeelClient({ endpoints: endpoints(flags), retryMs: intFlag(flags, '--timeout') });
  try {
    return await sub.run(client, args, flags);
  } catch (error) {
    if (!(error instanceof KeelClientError)) throw error;
    console.error(`keel kv ${name}: ${error.code}: ${error.message}`);
    return 1;
  } finally {
    await client.close();
  }
}

function subHelp(sub: Subcommand): string {
  return `usage: ${sub.usage}\n\n${sub.help}\n\n${commonFlags}`;
}

function parse(sub: Subcommand, argv: string[]): { args: string[]; flags: Flags } {
  const args: string[] = [];
  const flags: Flags = new Map();
  const valueFlags = [...sub.valueFlags, '--endpoints', '--dir', '--timeout'];
  const boolFlags = [...sub.boolFlags, '--json'];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (valueFlags.includes(flag)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`${flag} needs a value\n\n${subHelp(sub)}`);
      flags.set(flag, value);
    } else if (boolFlags.includes(flag) && inline === undefined) {
      flags.set(flag, true);
    } else if (arg.startsWith('--') && arg.length > 2) {
      throw new UsageError(`unknown flag ${arg} for \`${sub.usage}\``);
    } else {
      args.push(arg);
    }
  }
  if (args.length !== sub.args.length) {
    const wanted = sub.args.join(' ');
    throw new UsageError(`${args.length < sub.args.length ? 'missing' : 'too many'} arguments: expected ${wanted}, got ${args.length === 0 ? 'none' : args.map((a) => JSON.stringify(a)).join(' ')}\n\n${subHelp(sub)}`);
  }
  return { args, flags };
}

function endpoints(flags: Flags): string[] {
  const list = flags.get('--endpoints');
  if (typeof list === 'string') {
    const urls = list.split(',').map((u) => u.trim()).filter((u) => u.length > 0);
    for (const url of urls) {
      if (!/^https?:\/\/[^/]+\/?$/.test(url)) throw new UsageError(`--endpoints: ${JSON.stringify(url)} is not a URL like http://127.0.0.1:2381`);
    }
    if (urls.length === 0) throw new UsageError('--endpoints needs at least one URL');
    return urls;
  }
  const dir = flags.get('--dir');
  return readClusterFile(typeof dir === 'string' ? dir : '.keel').members.map((m) => m.apiUrl);
}

function intFlag(flags: Flags, name: string): number | undefined {
  const value = flags.get(name);
  return typeof value === 'string' ? positiveInt(value, name) : undefined;
}

function positiveInt(text: string, name: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n <= 0) throw new UsageError(`${name} must be a positive integer, not ${JSON.stringify(text)}`);
  return n;
}

function readTxn(file: string): TxnRequest {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${(error as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new UsageError(`${file} must hold a JSON object {compare, success, failure}`);
  return body as TxnRequest;
}

async function watch(client: KeelClient, key: string, flags: Flags): Promise<number> {
  const json = flags.has('--json');
  const handle = client.watch({ key, prefix: flags.has('--prefix'), startRevision: intFlag(flags, '--rev'), prevKv: flags.has('--prev-kv') }, (events) => {
    for (const event of events) console.log(json ? JSON.stringify(eventJson(event)) : eventLine(event));
  });
  const stop = (): void => handle.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await handle.done;
    return 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

function eventLine(e: WatchEvent): string {
  return e.type === 'put' ? `put ${e.kv.key} ${e.kv.value} rev=${e.kv.modRevision}` : `delete ${e.kv.key} rev=${e.kv.modRevision}`;
}

function eventJson(e: WatchEvent): Record<string, unknown> {
  return { type: e.type, kv: kvJson(e.kv), ...(e.prevKv ? { prevKv: kvJson(e.prevKv) } : {}) };
}

function kvJson(kv: KeyValue): Record<string, unknown> {
  return { key: kv.key.toString(), value: kv.value.toString(), createRevision: kv.createRevision, modRevision: kv.modRevision, version: kv.version, lease: kv.lease };
}

function print(value: unknown): void {
  console.log(JSON.stringify(value));
}
