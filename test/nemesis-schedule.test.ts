// Nemesis schedules: made from a seed alone, and a short one played against three real masters
// under a workload, ending healed with every member caught up.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessCluster, testBasePort, waitFor } from '../lab/cluster/process-cluster.ts';
import { EventLog, HistoryWriter, Workload, makeSchedule, readEvents, readHistory, runSchedule, type FaultKind } from '../lab/nemesis/index.ts';
import { faultMsMax, faultMsMin, quietMsMin } from '../lab/nemesis/schedule.ts';

const dir = mkdtempSync(join(tmpdir(), 'keel-nemesis-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('a schedule is a function of its seed: timed faults, one at a time, of the kinds asked', async (t) => {
  const kinds: FaultKind[] = ['partition', 'kill', 'pause', 'slow-disk', 'latency', 'drop'];
  const shape = { seed: 12, kinds, durationMs: 60_000 };
  t.same(makeSchedule(shape), makeSchedule(shape), 'the same seed makes the same schedule');
  t.not(JSON.stringify(makeSchedule({ ...shape, seed: 13 })), JSON.stringify(makeSchedule(shape)), 'another seed another');
  const schedule = makeSchedule(shape);
  t.ok(schedule.length >= 10, `${schedule.length} faults in a minute`);
  let previousEndMs = 0;
  for (const { id, atMs, durationMs, fault } of schedule) {
    t.ok(atMs >= previousEndMs + quietMsMin, `fault ${id} starts after a quiet time`);
    t.ok(durationMs >= faultMsMin && durationMs < faultMsMax, `fault ${id} lasts ${durationMs} ms`);
    t.ok(kinds.includes(fault.kind));
    previousEndMs = atMs + durationMs;
  }
  t.ok(previousEndMs <= shape.durationMs, 'every fault ends within the duration');
  t.same([...new Set(schedule.map((s) => s.fault.kind))].sort(), [...kinds].sort(), 'this minute draws every kind');
  const only = makeSchedule({ seed: 12, kinds: ['kill'], durationMs: 60_000 });
  t.ok(only.every((s) => s.fault.kind === 'kill'), 'only the kinds asked');
});

t.test('a 10 s run of partitions, kills and pauses ends healed, every member caught up', async (t) => {
  const cluster = new ProcessCluster({ basePort: testBasePort(80), proxy: { seed: 8 } });
  t.teardown(() => cluster.destroy());
  await cluster.startAll();
  const originMs = performance.now();
  const events = new EventLog(join(dir, 'events.jsonl'), originMs);
  const history = new HistoryWriter(join(dir, 'history.jsonl'), originMs);
  const urls = cluster.configs.map((c) => cluster.url(c.id));
  const workload = new Workload({ urls, kind: 'register', seed: 8, history, clients: 3, requestTimeoutMs: 2_000, thinkMs: 20 });
  workload.start();
  // Seed 8: a paused follower, a killed leader, then a leader that cannot receive.
  const result = await runSchedule({ cluster, shape: { seed: 8, kinds: ['partition', 'kill', 'pause'], durationMs: 10_000 }, events });
  const stats = await workload.stop();
  t.comment(`faults ${result.schedule.map((s) => s.fault.kind).join(', ')}; ${result.leaderTerms} leader terms; healthy ${result.healMs.toFixed(0)} ms after the heal; workload ${JSON.stringify(stats)}`);
  t.same([...new Set(result.schedule.map((s) => s.fault.kind))].sort(), ['kill', 'partition', 'pause']);
  t.ok(result.leaderTerms >= 2, 'the leader changed at least once');

  const applied = await waitFor('every member to apply the same index', async () => {
    const indexes = await Promise.all(cluster.configs.map(async (c) => (await cluster.status(c.id)).appliedIndex as number));
    return new Set(indexes).size === 1 ? indexes[0] : undefined;
  });
  t.ok(applied > 0, `all three applied through index ${applied}`);
  t.same(cluster.proxy!.cuts(), [], 'no link is cut');
  t.ok(cluster.configs.every((c) => cluster.running(c.id) && !cluster.paused(c.id)), 'every master runs');

  const log = readEvents(events.file);
  t.equal(log[0].type, 'run');
  const starts = log.filter((e) => e.type === 'fault-start');
  const ends = log.filter((e) => e.type === 'fault-end');
  t.same(starts.map((e) => e.id), result.schedule.map((s) => s.id), 'every fault started, in order');
  t.same(ends.map((e) => e.id), starts.map((e) => e.id), 'and ended');
  t.ok(starts.every((e) => e.members.length === 1), 'each on the member it resolved to');
  t.ok(log.some((e) => e.type === 'status' && e.role === 'leader'), 'leaders observed');
  t.ok(log.some((e) => e.type === 'unreachable'), 'the killed and the paused members observed unreachable');
  t.same(log.slice(-2).map((e) => e.type), ['heal-all', 'healthy'], 'healed, then healthy');
  t.ok(log.every((e, i) => i === 0 || e.at >= log[i - 1].at), 'events in time order');

  const ops = readHistory(history.file); // throws on a malformed line
  t.equal(ops.length, stats.operations);
  t.ok(ops.some((op) => op.type === 'ok'), 'operations succeeded around the faults');
});
