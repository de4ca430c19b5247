// The master's config file and flags: the unsafeNoFsync field (the benchmarks' NO FSYNC mode)
// parses, defaults to off, is refused when it is not a boolean, and --unsafe-no-fsync sets it.
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMasterConfig } from '../control-plane/master-config.ts';

const base = {
  id: 1,
  clusterId: 'keel-test',
  secret: 'a secret',
  dataDir: '/tmp/keel-test-m1',
  peerAddress: '127.0.0.1:7111',
  apiAddress: '127.0.0.1:7101',
  members: [{ id: 1, peerAddress: '127.0.0.1:7111', apiAddress: '127.0.0.1:7101' }],
};

const dir = mkdtempSync(join(tmpdir(), 'keel-master-config-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

function configFile(fields: Record<string, unknown>): string {
  const file = join(dir, `m${++files}.json`);
  writeFileSync(file, JSON.stringify({ ...base, ...fields }));
  return file;
}

t.test('unsafeNoFsync is off unless the config or the flag turns it on', async (t) => {
  t.equal(loadMasterConfig(['--config', configFile({})]).unsafeNoFsync, undefined, 'absent: the master syncs');
  t.equal(loadMasterConfig(['--config', configFile({ unsafeNoFsync: false })]).unsafeNoFsync, false);
  t.equal(loadMasterConfig(['--config', configFile({ unsafeNoFsync: true })]).unsafeNoFsync, true);
  t.equal(loadMasterConfig(['--config', configFile({}), '--unsafe-no-fsync']).unsafeNoFsync, true, 'the flag');
  t.equal(loadMasterConfig(['--unsafe-no-fsync', '--config', configFile({}), '--id', '1']).unsafeNoFsync, true, 'the flag takes no value');
});

t.test('an unsafeNoFsync that is not a boolean is refused with KEEL_BAD_CONFIG naming the field', async (t) => {
  for (const value of ['yes', 1, 'true', null]) {
    t.throws(() => loadMasterConfig(['--config', configFile({ unsafeNoFsync: value })]), { code: 'KEEL_BAD_CONFIG', message: /"unsafeNoFsync" must be true or false/ }, JSON.stringify(value));
  }
});

t.test('keel master --help names the flag and says it is not durable', async (t) => {
  t.throws(() => loadMasterConfig(['--bogus']), { message: /--unsafe-no-fsync/ });
  t.throws(() => loadMasterConfig(['--bogus']), { message: /NOT durable/ });
});
