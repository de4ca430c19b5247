// The deterministic cluster simulator: what tests, the soak, the bench and the CLI may use.

export { runSchedule, Simulator } from './simulator.ts';
export type { SimOptions, SimResult, SimStats } from './options.ts';
export { Checker, violationsKeptMax } from './checker.ts';
export type { LogView } from './disk.ts';
export {
  crashPoints, describeFault, faultScheduleArbitrary, faultsEndMs, randomSchedule,
  type CrashPoint, type Fault, type FaultSchedule, type NodeRef, type ScheduleShape,
} from './faults.ts';
export { figure8Options, figure8Schedule, seededRun } from './schedules.ts';
export { clientsDefault, runSimCommand, simHelp, summaryLine } from './cli.ts';
export { checkClients, clientHistory, clientsLine, type ClientsReport } from './linearizability.ts';
export type { ClientOp } from './kv-clients.ts';
export type { Outcome } from './kv-service.ts';
