// What a failing test on real masters prints: the last lines of every master's log.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { ProcessCluster } from '../lab/cluster/process-cluster.ts';

t.test("logTails: every master's last lines under a heading naming its log file", async (t) => {
  const cluster = new ProcessCluster(); // configured, nothing started
  t.teardown(() => cluster.destroy());
  writeFileSync(cluster.logFile(1), Array.from({ length: 50 }, (_, i) => `line ${i + 1}`).join('\n') + '\n');
  writeFileSync(cluster.logFile(2), 'only line\n');
  const text = cluster.logTails(3);
  t.match(text, new RegExp(`--- master 1 \\(${cluster.logFile(1).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\), last 3 lines:\nline 48\nline 49\nline 50\n`));
  t.notMatch(text, /line 47\n/, 'no more than asked');
  t.match(text, /--- master 2 .*\nonly line\n/);
  t.match(text, /--- master 3 .*, last 3 lines:\n/, 'a master with no log yet still has its heading');
});
