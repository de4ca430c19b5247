// A failure of a test on real masters under CI load is hard to replay, and the masters' logs go
// with the cluster's temp dir: this prints their last lines when a subtest fails.
import type { Test } from 'tap';
import type { ProcessCluster } from '../../lab/cluster/process-cluster.ts';

export function logsOnFailure(t: Test, cluster: ProcessCluster): void {
  t.afterEach((t) => {
    if (!t.passing()) process.stderr.write(`${t.name} failed; the masters' logs:\n${cluster.logTails()}\n`);
  });
}
