// The pure parts of the paced benchmark (bench/paced.ts): the cost fit, the pacing, the tables.
// The benchmark itself is not run here: speed is measured by benchmarks, not tests.
import t from 'tap';
import { dueWrites, fitCost, markdownTables, type PacedResults } from '../bench/paced.ts';

t.test('the fit recovers the per-sync and per-write costs the samples were made of', async (t) => {
  const samples = [
    { syncs: 900, writes: 1_500 },
    { syncs: 750, writes: 3_000 },
    { syncs: 510, writes: 4_500 },
  ].map((s) => ({ ...s, cpu: 300 * s.syncs + 56 * s.writes }));
  const fit = fitCost(samples)!;
  t.ok(Math.abs(fit.perSync - 300) < 1e-6, `per sync ${fit.perSync}`);
  t.ok(Math.abs(fit.perWrite - 56) < 1e-6, `per write ${fit.perWrite}`);
});

t.test('the fit gives up when syncs and writes move together or there is one sample', async (t) => {
  t.equal(fitCost([{ syncs: 100, writes: 1_000, cpu: 5 }, { syncs: 200, writes: 2_000, cpu: 10 }]), null, 'one batch size throughout');
  t.equal(fitCost([{ syncs: 100, writes: 1_000, cpu: 5 }]), null);
  t.equal(fitCost([]), null);
});

t.test('a paced writer sends rate × elapsed writes, no burst at the start', async (t) => {
  t.equal(dueWrites(3_000, 0), 0);
  t.equal(dueWrites(3_000, 1), 3);
  t.equal(dueWrites(3_000, 1_000), 3_000);
  t.equal(dueWrites(1_500, 2_500), 3_750);
});

t.test('the tables carry every point, the roles and the fit', async (t) => {
  const results: PacedResults = {
    points: [
      {
        rate: 1_500,
        achieved: 1_499.5,
        latencyMs: { p50: 1.2, p99: 19.4, max: 30 },
        errors: 0,
        late: 0,
        masters: [
          { id: 1, role: 'leader', cpuUsPerWrite: 362, syncsPerSecond: 913 },
          { id: 2, role: 'follower', cpuUsPerWrite: 234, syncsPerSecond: 898 },
          { id: 3, role: 'follower', cpuUsPerWrite: 233, syncsPerSecond: 897 },
        ],
      },
    ],
    fits: [{ role: 'follower', perSyncUs: 296, perWriteUs: 56.5 }],
  };
  const md = markdownTables(results);
  t.match(md, /^\| 1,500 \| 1,500 \| 1\.2 \| 19\.4 \| 30\.0 \| 0 \| 0 \| 362 \| 234 \/ 233 \| 913 \| 898 \/ 897 \|$/m);
  t.match(md, /^\| follower \| 296 \| 57 \|$/m);
  t.match(markdownTables({ points: [], fits: [] }), /No fit/);
});
