// Faults against real master processes: what tests, the bench and the CLI may use.

export { PeerProxy, type LinkSpec, type ProxyOptions } from './proxy.ts';
export { ProxyLink, type LinkAddress, type LinkStats } from './link.ts';
export { HistoryWriter, clientOf, historyLineProblem, parseHistory, readHistory, type HistoryOp, type OpInput, type OpName, type Outcome } from './history.ts';
export { Workload, registerKey, unansweredOutcome, writeOutcome, type WorkloadKind, type WorkloadOptions, type WorkloadStats } from './workload.ts';
export { EventLog, readEvents, type NemesisEvent } from './events.ts';
export { StatusObserver, type MemberView } from './observer.ts';
export { drawFault, faultKinds, startFault, type Fault, type FaultKind, type ScheduledFault, type Target } from './faults.ts';
export { healAll, makeSchedule, runSchedule, waitHealthy, type RunOptions, type RunResult, type ScheduleShape } from './schedule.ts';
