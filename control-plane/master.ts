// `keel master --config FILE`: one master process, until SIGTERM or SIGINT (or, for the test
// and benchmark harness, until the process that started it is gone).
import { startMaster } from '../store/server.ts';
import { loadMasterConfig } from './master-config.ts';

/**
 * Set by lab/cluster's ProcessCluster: a master whose parent (a test, a benchmark) died without
 * stopping it stops too, instead of holding its ports and data directory for the next run.
 */
export const exitWithParentEnv = 'KEEL_EXIT_WITH_PARENT';
const parentCheckMs = 500;

export async function runMasterCommand(argv: string[]): Promise<number> {
  const config = loadMasterConfig(argv);
  let master;
  try {
    master = await startMaster(config);
  } catch (error) {
    // A corrupt log, a data directory in use, a port taken: say what and where, then stop.
    const code = (error as { code?: string }).code ?? 'KEEL_START_FAILED';
    process.stderr.write(`keel master ${config.id}: cannot start: ${(error as Error).message} (${code})\n`);
    return 1;
  }
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
    if (process.env[exitWithParentEnv] === '1') {
      const parent = process.ppid;
      setInterval(() => {
        if (process.ppid !== parent) resolve(`parent ${parent} exited`);
      }, parentCheckMs).unref();
    }
  });
  process.stderr.write(`keel master ${config.id}: ${signal}: stopping\n`);
  await master.stop();
  process.stderr.write(`keel master ${config.id}: stopped\n`);
  return 0;
}
