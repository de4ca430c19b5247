// The linearizability checker: what tests, the bench and the CLI may use.

export { check, checkAsync, Check, partition, timeoutMsDefault, memoryBytesMaxDefault, sliceSteps } from './check.ts';
export type { CheckOptions, CheckResult, PartitionReport, UnknownReason, Verdict, Violation } from './check.ts';
export { HistoryError } from './errors.ts';
export { isIndeterminate, type History, type Operation } from './history.ts';
export { illegal, type AnyModel, type Illegal, type Model, type ModelState } from './model.ts';
export { registerModel, type RegisterInput, type RegisterOutput, type RegisterState, type RegisterValue } from './models/register.ts';
export { kvModel, type KvInput, type KvOutput } from './models/kv.ts';
export { keelModel, type KeelInput, type KeelOutput, type KeelState } from './models/keel.ts';
export { casOutput, casRequest, deleteOutput, getOutput, putOutput } from './models/keel-client.ts';
export { detectFormat, formatKeelJsonl, formatNames, loadHistory, models, parseJepsen, parseKeelJsonl, parsePorcupineKv } from './formats/index.ts';
export type { FormatName, LoadedHistory, ParsedHistory } from './formats/index.ts';
export { corpusDirDefault, readCorpus, type CorpusEntry } from './corpus.ts';
