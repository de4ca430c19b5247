// The configuration of one master: read from a JSON file, overridden by flags, validated with
// errors that name the field.
import { readFileSync } from 'node:fs';
import { parseAddress, type MasterConfig, type MemberConfig } from '../store/server.ts';

export class ConfigError extends Error {
  readonly code = 'KEEL_BAD_CONFIG';
}

const overridable: Record<string, keyof MasterConfig> = {
  '--id': 'id',
  '--cluster-id': 'clusterId',
  '--secret': 'secret',
  '--data-dir': 'dataDir',
  '--peer-address': 'peerAddress',
  '--api-address': 'apiAddress',
};

export const masterUsage = `usage: keel master --config FILE [--id N] [--data-dir DIR] [--peer-address HOST:PORT]
                   [--api-address HOST:PORT] [--cluster-id ID] [--secret S] [--unsafe-no-fsync]

Starts one master from a JSON config (what \`keel up\` writes to DIR/m1.json):
  {
    "id": 1, "clusterId": "keel-local", "secret": "...", "dataDir": ".keel/m1",
    "peerAddress": "127.0.0.1:7101", "apiAddress": "127.0.0.1:7201",
    "members": [{ "id": 1, "peerAddress": "127.0.0.1:7101", "apiAddress": "127.0.0.1:7201" }, ...]
  }
Optional: "dialAddresses": {"2": "HOST:PORT", ...} dials a peer there instead of at its
peerAddress (a proxy in between). A flag overrides the config field of the same name.
--unsafe-no-fsync (config field "unsafeNoFsync": true, default false) writes the Raft log
without waiting for the disk: for benchmarks only, NOT durable (a machine crash may lose
acknowledged writes). SIGTERM: a leader hands leadership over first, then the master flushes
and exits 0.`;

export function loadMasterConfig(argv: string[]): MasterConfig {
  const flags = new Map<string, string>();
  let unsafeNoFsync = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--unsafe-no-fsync') {
      unsafeNoFsync = true;
      continue;
    }
    if (flag !== '--config' && !(flag in overridable)) throw new ConfigError(`unknown flag ${flag}\n\n${masterUsage}`);
    const value = argv[++i];
    if (value === undefined) throw new ConfigError(`${flag} needs a value`);
    flags.set(flag, value);
  }
  const file = flags.get('--config');
  if (file === undefined) throw new ConfigError(`--config FILE is required\n\n${masterUsage}`);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(`cannot read config ${file}: ${(error as Error).message}`);
  }
  for (const [flag, field] of Object.entries(overridable)) {
    const value = flags.get(flag);
    if (value !== undefined) raw[field] = field === 'id' ? Number(value) : value;
  }
  if (unsafeNoFsync) raw.unsafeNoFsync = true;
  return validate(raw, file);
}

function validate(raw: Record<string, unknown>, file: string): MasterConfig {
  const fail = (message: string): never => {
    throw new ConfigError(`config ${file}: ${message}`);
  };
  const positiveInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0;
  if (!positiveInt(raw.id)) fail('"id" must be a positive integer');
  for (const field of ['clusterId', 'secret', 'dataDir', 'peerAddress', 'apiAddress'] as const) {
    if (typeof raw[field] !== 'string' || raw[field] === '') fail(`"${field}" must be a non-empty string`);
  }
  for (const field of ['peerAddress', 'apiAddress'] as const) checkAddress(raw[field], field, fail);
  if (!Array.isArray(raw.members) || raw.members.length === 0) fail('"members" must list every member');
  const members = raw.members as MemberConfig[];
  const ids = new Set<number>();
  for (const [i, m] of members.entries()) {
    if (!positiveInt(m?.id)) fail(`members[${i}].id must be a positive integer`);
    if (ids.has(m.id)) fail(`members[${i}].id ${m.id} appears twice`);
    ids.add(m.id);
    checkAddress(m.peerAddress, `members[${i}].peerAddress`, fail);
    checkAddress(m.apiAddress, `members[${i}].apiAddress`, fail);
  }
  if (!ids.has(raw.id as number)) fail(`"members" does not include this master's id ${raw.id}`);
  if (raw.tickMs !== undefined && !positiveInt(raw.tickMs)) fail('"tickMs" must be a positive integer');
  if (raw.electionTicks !== undefined && !positiveInt(raw.electionTicks)) fail('"electionTicks" must be a positive integer');
  if (raw.snapshotEveryEntries !== undefined && !(positiveInt(raw.snapshotEveryEntries) && (raw.snapshotEveryEntries as number) >= 2)) {
    fail('"snapshotEveryEntries" must be an integer >= 2');
  }
  if (raw.snapshotChunkBytes !== undefined && !(positiveInt(raw.snapshotChunkBytes) && (raw.snapshotChunkBytes as number) >= 1024 && (raw.snapshotChunkBytes as number) <= 16 * 1024 * 1024)) {
    fail('"snapshotChunkBytes" must be an integer in [1024, 16777216]');
  }
  if (raw.dialAddresses !== undefined) checkDialAddresses(raw.dialAddresses, raw.id as number, ids, fail);
  if (raw.unsafeNoFsync !== undefined && typeof raw.unsafeNoFsync !== 'boolean') fail('"unsafeNoFsync" must be true or false');
  return raw as unknown as MasterConfig;
}

function checkDialAddresses(raw: unknown, self: number, ids: Set<number>, fail: (m: string) => never): void {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('"dialAddresses" must be an object of member id to HOST:PORT');
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (!/^[1-9]\d*$/.test(key) || !ids.has(Number(key))) fail(`dialAddresses: ${JSON.stringify(key)} is not the id of a member`);
    if (Number(key) === self) fail(`dialAddresses: ${key} is this master's own id; a master does not dial itself`);
    checkAddress(value, `dialAddresses["${key}"]`, fail);
  }
}

function checkAddress(text: unknown, what: string, fail: (m: string) => never): void {
  if (parseAddress(text) === null) fail(`${what} must be HOST:PORT, not ${JSON.stringify(text)}`);
}
