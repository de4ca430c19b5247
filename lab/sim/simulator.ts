// The seeded deterministic cluster simulator. One step is one virtual millisecond: faults
// start and end, due messages arrive, members whose tick is due tick, the client proposes on
// tick boundaries, the kv clients (if any) call and time out, and the checker runs. At the
// end, the kv clients' history is checked for linearizability. Every random choice comes from a Prng forked from
// the run's seed, so a seed and a schedule replay the exact run.

import { Prng, type Entry, type Message, type NodeId, type Ready, type ReadState } from '../../raft/core/index.ts';
import { Checker } from './checker.ts';
import { faultsEndMs, type CrashPoint, type FaultSchedule } from './faults.ts';
import { Nemesis } from './nemesis.ts';
import { Network, type Envelope } from './network.ts';
import { NodeHost, type HostEnv, type RaftKnobs } from './node-host.ts';
import { KvClients } from './kv-clients.ts';
import type { KvApplied } from './kv-command.ts';
import { checkClients, type ClientsReport } from './linearizability.ts';
import { Trace } from './trace.ts';
import { Client, MemberCycle } from './workload.ts';
import { resolveOptions, type ResolvedOptions, type SimOptions, type SimResult } from './options.ts';

interface Report {
  from: NodeId;
  to: NodeId;
  incarnation: number;
  kind: 'snapshot-ok' | 'snapshot-failed' | 'unreachable';
}

export class Simulator implements HostEnv {
  nowMs = 0;
  readonly checker = new Checker();
  readonly trace: Trace;
  readonly network: Network;
  readonly client: Client;
  readonly memberCycle: MemberCycle;
  /** The kv clients whose history is checked for linearizability; null when the run has none. */
  readonly kvClients: KvClients | null;
  readonly members: number;
  readonly seed: number;
  readonly schedule: FaultSchedule;
  #options: ResolvedOptions;
  #hosts = new Map<NodeId, NodeHost>();
  #phases = new Map<NodeId, number>();
  #restarts = new Map<NodeId, number>();
  #reports: Report[] = [];
  #nemesis: Nemesis;
  #healMs: number;
  #crashes = 0;
  #stopped = false;
  #exception: string | null = null;

  constructor(seed: number, schedule: FaultSchedule, options: SimOptions) {
    this.seed = seed;
    this.schedule = schedule;
    this.#options = resolveOptions(options);
    this.members = this.#options.nodes;
    const root = new Prng(seed);
    this.trace = new Trace(this.#options.keepTrace);
    this.network = new Network(root.fork());
    this.client = new Client(this, root.fork(), {
      members: this.members,
      proposeChance: this.#options.proposeChance,
      bytes: this.#options.proposeBytes,
    });
    this.memberCycle = new MemberCycle(this, this.members + 1);
    this.#nemesis = new Nemesis(this, root.fork(), schedule);
    this.#healMs = faultsEndMs(schedule);
    this.#createHosts(root.fork(), schedule.some((fault) => fault.kind === 'member-cycle'));
    // Forked last, so that a run without kv clients draws exactly what it drew before they existed.
    const o = this.#options;
    this.kvClients = o.clients === 0 ? null : new KvClients(this, root.fork(), {
      clients: o.clients,
      members: this.members,
      keys: o.clientKeys,
      timeoutMs: o.clientTimeoutMs,
      unsafeFollowerLocalReads: o.unsafeFollowerLocalReads,
      unsafeReadsBeforeApply: o.unsafeReadsBeforeApply,
    });
  }

  #createHosts(prng: Prng, withSpare: boolean): void {
    const voters = Array.from({ length: this.members }, (_, i) => i + 1);
    const ids = withSpare ? [...voters, this.members + 1] : voters;
    const o = this.#options;
    const raft: RaftKnobs = {
      heartbeatTicks: o.heartbeatTicks,
      electionTicks: o.electionTicks,
      preVote: true,
      checkQuorum: true,
      unsafeCommitPreviousTermByCount: o.unsafeCommitPreviousTermByCount,
      readyEntriesBytesMax: o.readyEntriesBytesMax,
    };
    for (const id of ids) {
      const hostPrng = prng.fork();
      this.#phases.set(id, prng.int(o.tickMs));
      const snapshotEveryApplied = o.snapshotEveryApplied ?? prng.range(20, 100);
      this.#hosts.set(id, new NodeHost(this, {
        id, prng: hostPrng, raft, bootstrapConf: { voters: id <= this.members ? voters : [], learners: [] },
        snapshotEveryApplied, compactKeepMax: 10, leaderMessagesEarly: o.leaderMessagesEarly, applyLagMsMax: o.applyLagMsMax,
      }));
    }
  }

  host(id: NodeId): NodeHost | undefined {
    return this.#hosts.get(id);
  }

  get hosts(): NodeHost[] {
    return [...this.#hosts.values()];
  }

  /** The member up and leading with the highest term (the lowest id on a tie), if any. */
  leader(): NodeHost | undefined {
    let best: NodeHost | undefined;
    for (const host of this.#hosts.values()) {
      if (!host.up || host.role !== 'leader') continue;
      if (best === undefined || host.term > best.term) best = host;
    }
    return best;
  }

  event(text: string): void {
    this.trace.event(this.nowMs, text);
  }

  // ---- HostEnv: called by members from inside their Ready loop

  send(message: Message, sender: NodeHost): void {
    const outcome = this.network.send(this.nowMs, message, sender.incarnation);
    if (this.#options.traceMessages) this.event(`msg ${describeMessage(message)} ${outcome}`);
    if (outcome !== 'queued') this.#undelivered({ message, senderIncarnation: sender.incarnation }, outcome === 'blocked');
  }

  crashPointFor(host: NodeHost, ready: Ready, leaderTerm: number): CrashPoint | null {
    return this.#nemesis.crashPointFor(host, ready, leaderTerm);
  }

  onTriggeredCrash(host: NodeHost): void {
    const fired = this.#nemesis.takeFired();
    this.#crashes += 1;
    this.#restarts.set(host.id, this.nowMs + Math.max(1, fired?.downMs ?? 1));
    if (fired?.restartOthers !== true) return;
    // Restarting now would re-enter cores from inside this member's Ready loop; next step is the same moment.
    for (const other of this.#hosts.values()) {
      if (other !== host && !other.up) this.#restarts.set(other.id, this.nowMs + 1);
    }
  }

  onApply(host: NodeHost, entry: Entry, applied: KvApplied | null): void {
    if (this.client.isPostHeal(entry)) this.checker.observeProgress();
    this.kvClients?.service.onApply(host, entry, applied);
  }

  onApplied(host: NodeHost, readStates: ReadState[]): void {
    this.kvClients?.service.onApplied(host, readStates);
  }

  // ---- NemesisEnv

  crash(host: NodeHost, why: string, downMs: number): void {
    host.crash(why);
    this.#crashes += 1;
    this.#restarts.set(host.id, this.nowMs + Math.max(1, downMs));
  }

  restartAllDown(): void {
    for (const host of this.#hosts.values()) if (!host.up) this.#restart(host);
  }

  #restart(host: NodeHost): void {
    this.#restarts.delete(host.id);
    host.start();
  }

  // ---- the run

  run(): SimResult {
    const o = this.#options;
    const deadline = this.#healMs + o.livenessMs;
    const end = o.extendForLiveness ? Math.max(o.steps, deadline + 1) : o.steps;
    this.event(`run seed=${this.seed} nodes=${this.members} steps=${end} faults=${this.schedule.length} heal=${this.#healMs}${o.applyLagMsMax > 0 ? ` apply-lag<=${o.applyLagMsMax}ms` : ''}${o.readyEntriesBytesMax !== undefined ? ` ready-bytes<=${o.readyEntriesBytesMax}` : ''}`);
    for (let t = 0; t < end && !this.#stopped; t++) {
      this.nowMs = t;
      this.#guard(() => this.#step(t));
      if (o.stopOnViolation && this.checker.violationCount > 0) this.#stopped = true;
    }
    const clients = this.#checkClients();
    return this.#result(end, deadline < end, clients);
  }

  /** The kv clients' history against the keel model; a non-linearizable one is a violation. */
  #checkClients(): ClientsReport | null {
    if (this.kvClients === null) return null;
    const report = checkClients(this.#options.clients, this.kvClients.finish(), this.#options.lincheckTimeoutMs);
    if (report.violation !== null) this.checker.violation(this.nowMs, report.violation);
    return report;
  }

  #guard(body: () => void): void {
    try {
      body();
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      this.#exception = err.stack ?? err.message;
      this.checker.violation(this.nowMs, `exception: ${err.name}: ${err.message}`);
      this.#stopped = true;
    }
  }

  #step(t: number): void {
    if (t === 0) for (const host of this.#hosts.values()) host.start();
    this.#restartDue(t);
    for (const host of this.#hosts.values()) host.applyDue(t);
    this.#flushReports();
    this.#nemesis.onStep(t);
    if (t === this.#healMs) this.#heal();
    this.#deliver(t);
    this.#tick(t);
    if (t % this.#options.tickMs === 0) {
      this.client.onTick();
      this.memberCycle.onTick();
    }
    this.kvClients?.onStep(t);
    this.checker.afterStep(t);
  }

  #heal(): void {
    this.#nemesis.heal();
    this.restartAllDown();
    this.client.markHeal();
    this.checker.expectLiveness(this.nowMs, this.nowMs + this.#options.livenessMs);
    this.event('heal: every member up, network clean');
  }

  #restartDue(t: number): void {
    for (const [id, at] of [...this.#restarts]) {
      if (at > t) continue;
      const host = this.#hosts.get(id);
      if (host !== undefined && !host.up) this.#restart(host);
      else this.#restarts.delete(id);
    }
  }

  #deliver(t: number): void {
    const { due, lost } = this.network.takeDue(t);
    for (const envelope of lost) this.#undelivered(envelope, true);
    for (const envelope of due) {
      const { message } = envelope;
      const host = this.#hosts.get(message.to);
      if (host === undefined || !host.up) {
        this.#undelivered(envelope, true);
        continue;
      }
      this.network.stats.delivered += 1;
      if (this.#options.traceMessages) this.event(`msg ${describeMessage(message)} delivered`);
      host.step(message);
      if (message.type === 'snapshot') this.#report(envelope, 'snapshot-ok');
    }
  }

  /** A message that did not arrive: the sender's transport notices a dead link, not a random loss. */
  #undelivered(envelope: Envelope, linkDown: boolean): void {
    if (envelope.message.type === 'snapshot') this.#report(envelope, 'snapshot-failed');
    else if (linkDown && envelope.message.type === 'append') this.#report(envelope, 'unreachable');
  }

  #report(envelope: Envelope, kind: Report['kind']): void {
    const { from, to } = envelope.message;
    this.#reports.push({ from, to, incarnation: envelope.senderIncarnation, kind });
  }

  /** Transport reports go back to the sender at the next step, outside any Ready loop. */
  #flushReports(): void {
    const reports = this.#reports;
    this.#reports = [];
    for (const report of reports) {
      const host = this.#hosts.get(report.from);
      if (host === undefined || !host.up || host.incarnation !== report.incarnation) continue;
      if (report.kind === 'unreachable') host.reportUnreachable(report.to);
      else host.reportSnapshot(report.to, report.kind === 'snapshot-ok');
    }
  }

  #tick(t: number): void {
    for (const host of this.#hosts.values()) {
      if (host.up && (t + (this.#phases.get(host.id) ?? 0)) % this.#options.tickMs === 0) host.tick();
    }
  }

  #result(steps: number, livenessChecked: boolean, clients: ClientsReport | null): SimResult {
    const hosts = this.hosts;
    if (this.#exception !== null) this.event(`exception stack: ${this.#exception.split('\n').slice(0, 4).join(' | ')}`);
    for (const violation of this.checker.violations) this.trace.lines.push(`violation: ${violation}`);
    return {
      seed: this.seed,
      nodes: this.members,
      schedule: this.schedule,
      violations: [...this.checker.violations],
      violationCount: this.checker.violationCount,
      trace: this.trace.lines,
      stats: {
        steps: Math.min(steps, this.nowMs + 1),
        leaderTerms: this.checker.leaderTerms,
        maxTerm: Math.max(...hosts.map((host) => host.term)),
        appliedMax: Math.max(...hosts.map((host) => host.disk.sm.applied)),
        proposalsAccepted: this.client.accepted,
        proposalsRefused: this.client.refused,
        crashes: this.#crashes,
        snapshotsTaken: hosts.reduce((sum, host) => sum + host.snapshotsTaken, 0),
        snapshotsInstalled: hosts.reduce((sum, host) => sum + host.snapshotsInstalled, 0),
        messages: { ...this.network.stats },
        healMs: this.#healMs,
        livenessChecked: livenessChecked && !this.#stopped,
        applyLagMsMax: this.#options.applyLagMsMax,
      },
      clients,
    };
  }
}

function describeMessage(m: Message): string {
  const entries = m.entries.length > 0 ? ` entries=${m.entries[0].index}..${m.entries.at(-1)?.index ?? 0}` : '';
  const reject = m.reject ? ' reject' : '';
  return `${m.from}->${m.to} ${m.type} term=${m.term} index=${m.index} logTerm=${m.logTerm} commit=${m.commit}${entries}${reject}`;
}

/** Runs one schedule from one seed. The same arguments give the same result, trace and all. */
export function runSchedule(seed: number, schedule: FaultSchedule, options: SimOptions): SimResult {
  return new Simulator(seed, schedule, options).run();
}
