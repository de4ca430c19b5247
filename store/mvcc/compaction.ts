// Compaction at revision C: history below C goes, but every key keeps its newest version <= C
// (unless that is a delete), so reads at C still work; the revision log keeps only events > C
// (a watch must start after C). Runs inside the apply batch, so it is atomic with the command and
// deterministic on every member. Its cost is one seek per key of the history index plus one delete
// per dropped version and event, all in that one batch: a huge compaction makes one huge batch.
// That is accepted for now; the way out is to compact in bounded steps across batches, with the
// compact revision moved at the first step so reads below it fail from then on.
import { isTombstone } from './codec.ts';
import { equalBytes, historyKey, historyPrefix, revisionLogStart, splitHistoryKey } from './keys.ts';
import type { BatchWriter } from './reader.ts';

export interface CompactionStats {
  versionsDropped: number;
  eventsDropped: number;
}

export async function compactBatch(batch: BatchWriter, revision: number): Promise<CompactionStats> {
  const stats: CompactionStats = { versionsDropped: 0, eventsDropped: 0 };
  const history = batch.cursor(Uint8Array.of(historyPrefix), Uint8Array.of(historyPrefix + 1));
  try {
    let pair = await history.next();
    while (pair !== undefined) {
      const { prefix, revision: newest } = splitHistoryKey(pair[0]);
      if (newest > revision) {
        history.seek(historyKey(prefix, revision));
        pair = await history.next();
        if (pair === undefined || !equalBytes(splitHistoryKey(pair[0]).prefix, prefix)) continue;
      }
      // pair: the newest version <= revision; it stays unless it is a delete. Older ones go.
      if (isTombstone(pair[1])) {
        batch.del(pair[0]);
        stats.versionsDropped++;
      }
      for (pair = await history.next(); pair !== undefined && equalBytes(splitHistoryKey(pair[0]).prefix, prefix); pair = await history.next()) {
        batch.del(pair[0]);
        stats.versionsDropped++;
      }
    }
  } finally {
    await history.close();
  }
  const events = batch.cursor(revisionLogStart(0), revisionLogStart(revision + 1));
  try {
    for (let pair = await events.next(); pair !== undefined; pair = await events.next()) {
      batch.del(pair[0]);
      stats.eventsDropped++;
    }
  } finally {
    await events.close();
  }
  return stats;
}
