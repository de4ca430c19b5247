// `keel lab run`: a nemesis run against real masters, checked and reported. What tests, the
// bench and the CLI may use.

export { LabRun, checkTimeoutMsDefault, progressMs, type LabPhase, type LabProgress, type LabRunOptions, type LabRunResult } from './run.ts';
export { parseDuration, parseKinds, progressLine, replayCommand, runHelp, runLabRunCommand } from './cli.ts';
export { renderReport, type ReportInput, type ReportRun } from './report.ts';
export { lanesOf, timelineOf, describeFault, type FaultBand, type Lane, type LeaderSegment, type Marker, type RoleSegment, type Timeline } from './timeline.ts';
export { describeOp, explainViolation } from './describe.ts';
export { kindsOf, runSoak, soakHelp } from './soak.ts';
