// The master's config: `dialAddresses` (a proxy on a peer link) is optional, validated like the
// other fields, and errors name the field.
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMasterConfig } from '../control-plane/master-config.ts';

const dir = mkdtempSync(join(tmpdir(), 'keel-master-config-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const members = [1, 2, 3].map((id) => ({ id, peerAddress: `127.0.0.1:${7110 + id}`, apiAddress: `127.0.0.1:${7100 + id}` }));
const base = { id: 1, clusterId: 'c', secret: 's', dataDir: join(dir, 'm1'), peerAddress: members[0].peerAddress, apiAddress: members[0].apiAddress, members };

function load(config: Record<string, unknown>): ReturnType<typeof loadMasterConfig> {
  const file = join(dir, 'm1.json');
  writeFileSync(file, JSON.stringify(config));
  return loadMasterConfig(['--config', file]);
}

t.test('dialAddresses is optional and kept as given', async (t) => {
  t.equal(load(base).dialAddresses, undefined);
  const dialAddresses = { '2': '127.0.0.1:7214', '3': '127.0.0.1:7215' };
  t.same(load({ ...base, dialAddresses }).dialAddresses, dialAddresses);
});

t.test('a bad dialAddresses is refused with the field named', async (t) => {
  const cases: [unknown, RegExp][] = [
    [['127.0.0.1:1'], /"dialAddresses" must be an object/],
    ['127.0.0.1:1', /"dialAddresses" must be an object/],
    [{ '4': '127.0.0.1:1' }, /dialAddresses: "4" is not the id of a member/],
    [{ '02': '127.0.0.1:1' }, /dialAddresses: "02" is not the id of a member/],
    [{ '1': '127.0.0.1:1' }, /dialAddresses: 1 is this master's own id/],
    [{ '2': 'nope' }, /dialAddresses\["2"\] must be HOST:PORT, not "nope"/],
    [{ '2': '127.0.0.1:70000' }, /dialAddresses\["2"\] must be HOST:PORT/],
  ];
  for (const [dialAddresses, message] of cases) {
    t.throws(() => load({ ...base, dialAddresses }), { code: 'KEEL_BAD_CONFIG', message }, JSON.stringify(dialAddresses));
  }
});
