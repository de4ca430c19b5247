// `keel master --config FILE`: one master process, until SIGTERM or SIGINT.
import { startMaster } from '../store/server.ts';
import { loadMasterConfig } from './master-config.ts';

export async function runMasterCommand(argv: string[]): Promise<number> {
  const config = loadMasterConfig(argv);
  const master = await startMaster(config);
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  process.stderr.write(`keel master ${config.id}: ${signal}: stopping\n`);
  await master.stop();
  process.stderr.write(`keel master ${config.id}: stopped\n`);
  return 0;
}
