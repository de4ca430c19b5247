// A scripted interaction harness for the Raft core, in the spirit of etcd-io/raft's
// `testdata/*.txt` (our own format and code): a script of commands drives a set of RawNodes
// over an explicit in-memory network, and every command's effect is printed as a
// deterministic trace. Nothing here reads a clock or Math.random: each node gets a Prng with a
// fixed seed, and messages move only when the script says so.
//
// The harness plays the driver's part exactly as Ready documents it: persist the snapshot,
// entries and hard state to the node's "disk", put the messages on the network, apply the
// committed entries to a tiny state machine (a list of values), then advance. `crash` throws
// away everything that is not on disk; `restart` builds a new RawNode from the disk alone.
//
// Script syntax: one command per line; `#` starts a comment line (echoed into the trace);
// blank lines are skipped. See the command table at the bottom of this file.
import {
  KeelError,
  Prng,
  RawNode,
  type ConfChange,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type NodeId,
  type Ready,
  type Snapshot,
  type Status,
} from '../../raft/core/index.ts';

/** Rounds of `stabilize` before the harness gives up: a script that never settles is a bug. */
const stabilizeRoundsMax = 1_000;

interface NodeOptions {
  preVote: boolean;
  checkQuorum: boolean;
  leaseReads: boolean;
  electionTicks: number;
  heartbeatTicks: number;
  /** Entries per append message (the core's appendEntriesMax), when the script sets it. */
  appendEntriesMax: number | undefined;
}

/** What survives a crash: exactly what the driver wrote before it was told to advance. */
interface Disk {
  hardState: HardState;
  snapshot: Snapshot | null;
  entries: Entry[];
  applied: number;
  /** The state machine: every applied value with the index it was applied at. */
  values: { index: number; value: string }[];
  /** The membership a brand-new node starts with (InitialState.conf). */
  bootConf: ConfState;
}

interface SimNode {
  id: NodeId;
  options: NodeOptions;
  raw: RawNode | null;
  disk: Disk;
  /** Starts of this node, so a restarted node draws a new, still deterministic, timeout stream. */
  boots: number;
  readStates: { index: number; context: string }[];
}

/** A log preloaded with `log N: ...` before `add-nodes` creates node N. */
interface Preload {
  terms: number[];
  term: number;
  vote: NodeId;
  commit: number;
}

/** A failed `assert-*` command or a core assertion: the test fails on any of these. */
export interface Failure {
  line: number;
  command: string;
  message: string;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

export class InteractionEnv {
  readonly nodes = new Map<NodeId, SimNode>();
  readonly failures: Failure[] = [];
  /** Every message delivered (stepped into its recipient), in order, for checks in tests. */
  readonly delivered: Message[] = [];
  /** How many assert-* commands ran (a script with none checks nothing). */
  assertions = 0;
  #network: Message[] = [];
  #groups: NodeId[][] | null = null;
  #preloads = new Map<NodeId, Preload>();
  #out: string[] = [];
  #indent = '';
  #lastError: { code: string; message: string } | null = null;
  #line = 0;
  #command = '';

  /** Runs a whole script and returns its trace. Stops at the first core assertion. */
  run(script: string): string {
    const lines = script.split('\n');
    for (const [i, raw] of lines.entries()) {
      const line = raw.trim();
      if (line === '') continue;
      if (line.startsWith('#')) {
        this.#out.push(line);
        continue;
      }
      this.#line = i + 1;
      this.#command = line;
      this.#out.push(`> ${line}`);
      this.#indent = '  ';
      try {
        this.#dispatch(line);
      } catch (error) {
        if (error instanceof ScriptError) {
          throw new Error(`script line ${i + 1} (${line}): ${error.message}`);
        }
        const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        this.#print(`CORE FAILED: ${message}`);
        this.failures.push({ line: i + 1, command: line, message: `core failed: ${message}` });
        break;
      }
    }
    return this.#out.join('\n') + '\n';
  }

  /** The status of a running node (for checks in the .test.ts files). */
  status(id: NodeId): Status {
    return this.#running(id).status();
  }

  /** The values node `id` has applied, in order. */
  applied(id: NodeId): string[] {
    return this.#node(id).disk.values.map((v) => v.value);
  }

  // ---- dispatch -------------------------------------------------------------------------

  #dispatch(line: string): void {
    const logPreload = /^log\s+(\d+):(.*)$/.exec(line);
    if (logPreload) return this.#preload(Number(logPreload[1]), logPreload[2]!.trim().split(/\s+/).filter(Boolean));
    const [name, ...args] = line.split(/\s+/);
    const handler = this.#commands[name!];
    if (handler === undefined) throw new ScriptError(`unknown command ${name}`);
    handler(args);
  }

  #commands: Record<string, (args: string[]) => void> = {
    'add-nodes': (args) => this.#addNodes(args),
    campaign: (args) => this.#withNode(args, (n) => n.campaign()),
    tick: (args) => this.#tick(nodeArg(args[0]), args[1] === undefined ? 1 : Number(args[1])),
    'tick-heartbeat': (args) => this.#tick(nodeArg(args[0]), this.#node(nodeArg(args[0])).options.heartbeatTicks),
    'tick-election': (args) => this.#tickElection(nodeArg(args[0])),
    propose: (args) => this.#propose(args),
    'propose-conf-change': (args) => this.#proposeConfChange(args),
    'read-index': (args) => this.#withNode(args, (n) => n.readIndex(args[1] ?? '')),
    'transfer-leadership': (args) => this.#withNode(args, (n) => n.transferLeadership(nodeArg(args[1]))),
    'process-ready': (args) => this.#idsOrAll(args).forEach((id) => this.#processReady(id, true)),
    'deliver-msgs': (args) => this.#deliverMsgs(args),
    stabilize: (args) => this.#stabilize(this.#idsOrAll(args)),
    partition: (args) => this.#partition(args),
    heal: () => this.#heal(),
    crash: (args) => this.#crash(nodeArg(args[0])),
    restart: (args) => this.#restart(nodeArg(args[0])),
    compact: (args) => this.#compact(nodeArg(args[0]), Number(args[1])),
    status: (args) => this.#idsOrAll(args).forEach((id) => this.#printStatus(id)),
    log: (args) => this.#idsOrAll(args).forEach((id) => this.#printLog(id)),
    'raft-state': () => this.#raftState(),
    'assert-status': (args) => this.#assertStatus(args),
    'assert-log': (args) => this.#assertLog(args),
    'assert-applied': (args) => this.#assertApplied(args),
    'assert-read-state': (args) => this.#assertReadState(args),
    'assert-error': (args) => this.#assertError(args),
    'assert-no-msgs': (args) => this.#assertNoMsgs(args),
  };

  // ---- nodes ----------------------------------------------------------------------------

  #preload(id: NodeId, tokens: string[]): void {
    if (this.nodes.has(id)) throw new ScriptError(`log ${id}: preload a log before add-nodes creates the node`);
    const { positional, options } = splitOptions(tokens);
    const terms = expandTerms(positional);
    const lastTerm = terms.at(-1) ?? 0;
    const term = options.term === undefined ? lastTerm : Number(options.term);
    const commit = options.commit === undefined ? 0 : Number(options.commit);
    const vote = options.vote === undefined ? 0 : Number(options.vote);
    this.#preloads.set(id, { terms, term, vote, commit });
    this.#print(`${id}: preloaded log of ${terms.length} entries, term=${term} vote=${vote} commit=${commit}`);
  }

  #addNodes(args: string[]): void {
    const { positional, options } = splitOptions(args);
    const count = Number(positional[0]);
    if (!(count > 0)) throw new ScriptError('add-nodes needs a count');
    const first = this.nodes.size + 1;
    const ids = Array.from({ length: count }, (_, k) => first + k);
    const conf: ConfState = {
      voters: options.voters === undefined ? ids : idList(options.voters),
      learners: options.learners === undefined ? [] : idList(options.learners),
    };
    const nodeOptions: NodeOptions = {
      preVote: boolOption(options.prevote, true),
      checkQuorum: boolOption(options.checkquorum, true),
      leaseReads: boolOption(options['lease-reads'], false),
      electionTicks: options.election === undefined ? 10 : Number(options.election),
      heartbeatTicks: options.heartbeat === undefined ? 1 : Number(options.heartbeat),
      appendEntriesMax: options['append-max'] === undefined ? undefined : Number(options['append-max']),
    };
    const snapshotIndex = options.index === undefined ? 0 : Number(options.index);
    for (const id of ids) {
      const disk = this.#bootDisk(id, conf, snapshotIndex);
      const node: SimNode = { id, options: nodeOptions, raw: null, disk, boots: 0, readStates: [] };
      this.nodes.set(id, node);
      this.#boot(node);
    }
  }

  #bootDisk(id: NodeId, conf: ConfState, snapshotIndex: number): Disk {
    const preload = this.#preloads.get(id);
    const disk: Disk = {
      hardState: { term: 0, vote: 0, commit: 0 },
      snapshot: null,
      entries: [],
      applied: 0,
      values: [],
      bootConf: conf,
    };
    if (snapshotIndex > 0) {
      // As etcd's `index=`: the cluster starts from a snapshot at that index, term 1.
      disk.snapshot = { meta: { index: snapshotIndex, term: 1, conf }, data: encodeValues([]) };
      disk.hardState = { term: 1, vote: 0, commit: snapshotIndex };
      disk.applied = snapshotIndex;
    }
    if (preload !== undefined) {
      if (snapshotIndex > 0) throw new ScriptError('a preloaded log and index= do not mix');
      // A preloaded log is not a first start, so the founding membership cannot become its
      // first entry: it comes from an empty snapshot at index 0 instead, which keeps the
      // paper's index numbers (Figures 7 and 8 start at index 1).
      disk.snapshot = { meta: { index: 0, term: 0, conf }, data: encodeValues([]) };
      disk.entries = preload.terms.map((term, k) => ({ term, index: k + 1, kind: 'normal', data: new Uint8Array() }));
      disk.hardState = { term: preload.term, vote: preload.vote, commit: preload.commit };
      disk.applied = preload.commit;
    }
    return disk;
  }

  #boot(node: SimNode): void {
    const { disk, options } = node;
    node.boots++;
    node.raw = new RawNode(
      {
        id: node.id,
        preVote: options.preVote,
        checkQuorum: options.checkQuorum,
        leaseReads: options.leaseReads,
        electionTicks: options.electionTicks,
        heartbeatTicks: options.heartbeatTicks,
        ...(options.appendEntriesMax === undefined ? {} : { appendEntriesMax: options.appendEntriesMax }),
        prng: new Prng(node.id * 1_000 + node.boots),
      },
      {
        hardState: { ...disk.hardState },
        snapshot: disk.snapshot === null ? null : cloneSnapshot(disk.snapshot).meta,
        entries: disk.entries.map(cloneEntry),
        applied: disk.applied,
        conf: { voters: [...disk.bootConf.voters], learners: [...disk.bootConf.learners] },
      },
    );
    this.#print(`${node.id}: ${summary(node.raw.status())}`);
  }

  #crash(id: NodeId): void {
    const node = this.#node(id);
    if (node.raw === null) throw new ScriptError(`node ${id} is already down`);
    node.raw = null;
    node.readStates = [];
    this.#print(`${id} crashed: its unpersisted state is lost; messages to it will be dropped`);
  }

  /** `restart N`: a new RawNode from the disk alone. */
  #restart(id: NodeId): void {
    const node = this.#node(id);
    if (node.raw !== null) throw new ScriptError(`node ${id} is running`);
    const d = node.disk;
    const snap = d.snapshot === null ? 'none' : `${d.snapshot.meta.term}/${d.snapshot.meta.index}`;
    this.#print(
      `${id} restarts from disk: ${formatHardState(d.hardState)} snapshot=${snap} ` +
        `entries=${d.entries.length === 0 ? 'none' : `${d.entries[0]!.index}..${d.entries.at(-1)!.index}`} applied=${d.applied}`,
    );
    this.#boot(node);
  }

  // ---- inputs ---------------------------------------------------------------------------

  /** Runs one call on a node, prints the role/term change it caused, or its KeelError. */
  #withNode(args: string[], call: (raw: RawNode) => unknown): void {
    const id = nodeArg(args[0]);
    this.#observe(id, () => call(this.#running(id)));
  }

  #observe<T>(id: NodeId, call: () => T): T | undefined {
    const raw = this.#running(id);
    const before = raw.status();
    try {
      return call();
    } catch (error) {
      if (!(error instanceof KeelError)) throw error;
      this.#lastError = { code: error.code, message: error.message };
      this.#print(`error ${error.code}: ${error.message}`);
      return undefined;
    } finally {
      this.#printTransition(id, before, raw.status());
    }
  }

  #tick(id: NodeId, count: number): void {
    for (let k = 0; k < count; k++) this.#observe(id, () => this.#running(id).tick());
    this.#print(`${id} ticked ${count} time${count === 1 ? '' : 's'}`);
  }

  /**
   * Ticks until the node's role or term changes, at most twice the base election timeout
   * (the randomized timeout is below that, so a follower always campaigns within it).
   */
  #tickElection(id: NodeId): void {
    const node = this.#node(id);
    const raw = this.#running(id);
    const start = raw.status();
    const limit = 2 * node.options.electionTicks;
    let ticks = 0;
    while (ticks < limit) {
      this.#observe(id, () => raw.tick());
      ticks++;
      const now = raw.status();
      if (now.role !== start.role || now.term !== start.term) break;
    }
    this.#print(`${id} ticked ${ticks} time${ticks === 1 ? '' : 's'}`);
  }

  #propose(args: string[]): void {
    const id = nodeArg(args[0]);
    const value = args.slice(1).join(' ');
    const result = this.#observe(id, () => this.#running(id).propose(textEncoder.encode(value)));
    if (result !== undefined) this.#print(`proposed ${JSON.stringify(value)} at ${result.term}/${result.index}`);
  }

  #proposeConfChange(args: string[]): void {
    const id = nodeArg(args[0]);
    const type = args[1];
    if (type !== 'add-voter' && type !== 'add-learner' && type !== 'remove') {
      throw new ScriptError('propose-conf-change N add-voter|add-learner|remove X');
    }
    const change: ConfChange = { type, node: nodeArg(args[2]) };
    const result = this.#observe(id, () => this.#running(id).proposeConfChange(change));
    if (result !== undefined) this.#print(`proposed ${type} ${change.node} at ${result.term}/${result.index}`);
  }

  // ---- the driver's turn ----------------------------------------------------------------

  /** One Ready: persist, send, apply, advance. Returns whether there was one. */
  #processReady(id: NodeId, printEmpty: boolean): boolean {
    const node = this.#node(id);
    const raw = node.raw;
    if (raw === null) {
      if (printEmpty) this.#print(`${id} is down`);
      return false;
    }
    if (!raw.hasReady()) {
      if (printEmpty) this.#print(`${id}: no Ready`);
      return false;
    }
    const before = raw.status();
    const rd = raw.ready();
    this.#print(`> ${id} handling Ready`);
    this.#nested(() => {
      this.#printReady(rd);
      this.#persist(node, rd);
      // A message across a partition is lost the moment it is sent (printed with the Ready).
      for (const m of [...rd.leaderMessages, ...rd.messages]) {
        if (this.#cut(m.from, m.to)) this.#reportDropped(m);
        else this.#network.push(cloneMessage(m));
      }
      this.#apply(node, rd);
      raw.advance(rd);
      if (rd.snapshotWanted) this.#snapshotForFollower(node, raw);
      this.#printTransition(id, before, raw.status());
    });
    return true;
  }

  #persist(node: SimNode, rd: Ready): void {
    const disk = node.disk;
    if (rd.snapshot !== null) {
      disk.snapshot = cloneSnapshot(rd.snapshot);
      disk.entries = [];
    }
    if (rd.entries.length > 0) {
      const from = rd.entries[0]!.index;
      disk.entries = disk.entries.filter((e) => e.index < from).concat(rd.entries.map(cloneEntry));
    }
    if (rd.hardState !== null) disk.hardState = { ...rd.hardState };
  }

  #apply(node: SimNode, rd: Ready): void {
    const disk = node.disk;
    if (rd.snapshot !== null) {
      disk.values = decodeValues(rd.snapshot.data);
      disk.applied = rd.snapshot.meta.index;
    }
    for (const entry of rd.committedEntries) {
      if (entry.index !== disk.applied + 1) {
        this.#fail(`${node.id} was handed committed entry ${entry.index} with applied=${disk.applied}`);
      }
      if (entry.kind === 'normal' && entry.data.length > 0) {
        disk.values.push({ index: entry.index, value: textDecoder.decode(entry.data) });
      }
      disk.applied = entry.index;
    }
    node.readStates.push(...rd.readStates.map((r) => ({ ...r })));
  }

  #printReady(rd: Ready): void {
    if (rd.softState !== null) this.#print(`soft state: role=${rd.softState.role} leader=${rd.softState.leader}`);
    if (rd.hardState !== null) this.#print(`hard state: ${formatHardState(rd.hardState)}`);
    if (rd.snapshot !== null) this.#print(`snapshot: ${formatSnapshot(rd.snapshot)}`);
    if (rd.entries.length > 0) this.#print(`entries: ${formatEntries(rd.entries)}`);
    if (rd.committedEntries.length > 0) this.#print(`committed: ${formatEntries(rd.committedEntries)}`);
    for (const r of rd.readStates) this.#print(`read state: index=${r.index} context=${JSON.stringify(r.context)}`);
    if (rd.mustSync) this.#print('must sync');
    const show = (m: Message): void => this.#print(formatMessage(m) + (this.#cut(m.from, m.to) ? ' DROPPED (partition)' : ''));
    if (rd.leaderMessages.length > 0) {
      this.#print('leader messages (sent in parallel with the leader\'s own write):');
      this.#nested(() => rd.leaderMessages.forEach(show));
    }
    if (rd.messages.length > 0) {
      this.#print('messages:');
      this.#nested(() => rd.messages.forEach(show));
    }
  }

  // ---- the network ----------------------------------------------------------------------

  /**
   * `deliver-msgs [N...] [drop=N,...] [type=T]`: delivers the pending messages addressed to
   * the listed nodes (all if none are listed) in the order they were sent, and drops the ones
   * addressed to the `drop=` nodes. Messages a delivery produces wait for a later Ready.
   */
  #deliverMsgs(args: string[]): void {
    const { positional, options } = splitOptions(args);
    const drop = new Set(options.drop === undefined ? [] : idList(options.drop));
    const to = new Set(positional.length === 0 && drop.size === 0 ? [...this.nodes.keys()] : positional.map(nodeArg));
    const type = options.type;
    const count = this.#deliver((m) => (type === undefined || m.type === type) && to.has(m.to), drop, type);
    if (count === 0) this.#print('no messages');
  }

  /** Delivers the pending messages `select` picks, drops those to `drop`; returns how many moved. */
  #deliver(select: (m: Message) => boolean, drop: Set<NodeId> = new Set(), type?: string): number {
    const pending = this.#network;
    this.#network = [];
    let moved = 0;
    for (const m of pending) {
      if (drop.has(m.to) && (type === undefined || m.type === type)) {
        this.#print(`${formatMessage(m)} DROPPED (by the script)`);
        this.#reportDropped(m);
        moved++;
      } else if (select(m)) {
        this.#deliverOne(m);
        moved++;
      } else {
        this.#network.push(m);
      }
    }
    return moved;
  }

  #deliverOne(m: Message): void {
    const target = this.nodes.get(m.to);
    const reason =
      target === undefined ? 'no such node' : target.raw === null ? `${m.to} is down` : this.#cut(m.from, m.to) ? 'partition' : null;
    if (reason !== null) {
      this.#print(`${formatMessage(m)} DROPPED (${reason})`);
      this.#reportDropped(m);
      return;
    }
    this.#print(formatMessage(m));
    this.delivered.push(m);
    this.#nested(() => {
      this.#observe(m.to, () => this.#running(m.to).step(m));
      // The driver tells the leader how a snapshot it sent went (as etcd's ReportSnapshot).
      if (m.type === 'snapshot') this.#reportSnapshot(m, true);
    });
  }

  #reportDropped(m: Message): void {
    if (m.type === 'snapshot') this.#nested(() => this.#reportSnapshot(m, false));
  }

  #reportSnapshot(m: Message, ok: boolean): void {
    const leader = this.nodes.get(m.from);
    if (leader?.raw == null) return;
    this.#print(`${m.from} told: snapshot to ${m.to} ${ok ? 'delivered' : 'failed'}`);
    this.#observe(m.from, () => leader.raw!.reportSnapshot(m.to, ok));
  }

  #cut(a: NodeId, b: NodeId): boolean {
    if (this.#groups === null) return false;
    const groupOf = (id: NodeId): number => this.#groups!.findIndex((g) => g.includes(id));
    const ga = groupOf(a);
    return ga === -1 || ga !== groupOf(b);
  }

  /**
   * `partition 1 | 2 3`: nodes talk only within their group; unlisted nodes are isolated.
   * Messages in flight across the cut are lost, and so is every message sent across it.
   */
  #partition(args: string[]): void {
    const groups = args.join(' ').split('|').map((g) => g.trim().split(/\s+/).filter(Boolean).map(nodeArg));
    this.#groups = groups;
    this.#network = this.#network.filter((m) => {
      if (!this.#cut(m.from, m.to)) return true;
      this.#print(`${formatMessage(m)} DROPPED (partition)`);
      this.#reportDropped(m);
      return false;
    });
    const isolated = [...this.nodes.keys()].filter((id) => !groups.some((g) => g.includes(id)));
    this.#print(`partitioned: ${groups.map((g) => `{${g.join(' ')}}`).join(' ')}${isolated.length > 0 ? `, isolated: ${isolated.join(' ')}` : ''}`);
  }

  #heal(): void {
    this.#groups = null;
    this.#print('healed: every node reaches every other');
  }

  /**
   * Handles Readies and delivers messages among `ids` until nothing moves: the state a real
   * cluster reaches when the network is quiet.
   */
  #stabilize(ids: NodeId[]): void {
    const set = new Set(ids);
    for (let round = 0; round < stabilizeRoundsMax; round++) {
      let moved = false;
      for (const id of ids) moved = this.#processReady(id, false) || moved;
      const deliverable = this.#network.filter((m) => set.has(m.to));
      if (deliverable.length > 0) {
        moved = true;
        const recipients = [...new Set(deliverable.map((m) => m.to))].sort((a, b) => a - b);
        for (const to of recipients) {
          this.#print(`> delivering messages to ${to}`);
          this.#nested(() => this.#deliver((m) => m.to === to));
        }
      }
      if (!moved) return;
    }
    throw new ScriptError(`stabilize did not settle within ${stabilizeRoundsMax} rounds`);
  }

  /** Ready.snapshotWanted: a follower needs a snapshot and the core has none since it started. */
  #snapshotForFollower(node: SimNode, raw: RawNode): void {
    const index = node.disk.applied;
    const snapshot = raw.createSnapshot(index, encodeValues(node.disk.values.filter((v) => v.index <= index)));
    node.disk.snapshot = cloneSnapshot(snapshot);
    node.disk.entries = node.disk.entries.filter((e) => e.index > index);
    this.#print(`snapshot wanted: made ${formatSnapshot(snapshot)}`);
  }

  // ---- storage --------------------------------------------------------------------------

  /** `compact N index`: take a snapshot of the state machine at index and drop the log up to it. */
  #compact(id: NodeId, index: number): void {
    const node = this.#node(id);
    const raw = this.#running(id);
    const values = node.disk.values.filter((v) => v.index <= index);
    const snapshot = raw.createSnapshot(index, encodeValues(values));
    raw.compact(index);
    node.disk.snapshot = cloneSnapshot(snapshot);
    node.disk.entries = node.disk.entries.filter((e) => e.index > index);
    this.#print(`${id}: snapshot ${formatSnapshot(snapshot)}; log compacted through ${index}`);
  }

  // ---- inspection -----------------------------------------------------------------------

  #printStatus(id: NodeId): void {
    const node = this.#node(id);
    if (node.raw === null) return this.#print(`${id}: down`);
    const s = node.raw.status();
    this.#print(`${id}: ${summary(s)} vote=${s.vote} applied=${s.applied} log=${s.firstIndex}..${s.lastIndex}${s.transferee === 0 ? '' : ` transferee=${s.transferee}`}`);
    for (const [peer, p] of [...s.progress].sort((a, b) => a[0] - b[0])) {
      this.#print(`  progress ${peer}: match=${p.match} next=${p.next} ${p.state}${p.learner ? ' learner' : ''} lastContact=${p.lastContactTicks}`);
    }
  }

  #printLog(id: NodeId): void {
    const raw = this.#running(id);
    const s = raw.status();
    const entries = s.lastIndex >= s.firstIndex ? raw.entries(s.firstIndex, s.lastIndex + 1) : [];
    const snap = this.#node(id).disk.snapshot;
    this.#print(`${id}: log ${s.firstIndex}..${s.lastIndex}${snap === null ? '' : ` after snapshot ${formatSnapshot(snap)}`}`);
    this.#nested(() => entryItems(entries).forEach((item) => this.#print(item)));
  }

  #raftState(): void {
    for (const node of this.nodes.values()) {
      if (node.raw === null) this.#print(`${node.id}: down`);
      else this.#print(`${node.id}: ${summary(node.raw.status())}`);
    }
  }

  // ---- assertions -----------------------------------------------------------------------

  /** `assert-status N role=leader term=2 leader=1 commit=5 applied=5 voters=1,2,3 ...` */
  #assertStatus(args: string[]): void {
    this.assertions++;
    const id = nodeArg(args[0]);
    const { options } = splitOptions(args.slice(1));
    const node = this.#node(id);
    if (options.down !== undefined) {
      return this.#check(node.raw === null, `${id} is down`, `${id} is running`);
    }
    const s = this.#running(id).status();
    const actual: Record<string, string> = {
      role: s.role,
      term: String(s.term),
      vote: String(s.vote),
      leader: String(s.leader),
      commit: String(s.commit),
      applied: String(s.applied),
      first: String(s.firstIndex),
      last: String(s.lastIndex),
      voters: sortedList(s.conf.voters),
      learners: sortedList(s.conf.learners),
      transferee: String(s.transferee),
    };
    for (const [key, want] of Object.entries(options)) {
      if (!(key in actual)) throw new ScriptError(`assert-status: unknown field ${key}`);
      const got = actual[key]!;
      const normalized = key === 'voters' || key === 'learners' ? sortedList(idList(want)) : want;
      this.#check(got === normalized, `${id} ${key}=${got}`, `${id} ${key}=${got}, want ${normalized}`);
    }
  }

  /** `assert-log N t1 t2 ...`: the terms of node N's entries from its first index to its last. */
  #assertLog(args: string[]): void {
    this.assertions++;
    const id = nodeArg(args[0]);
    const raw = this.#running(id);
    const s = raw.status();
    const entries = s.lastIndex >= s.firstIndex ? raw.entries(s.firstIndex, s.lastIndex + 1) : [];
    const got = compressTerms(entries.map((e) => e.term));
    const want = compressTerms(expandTerms(args.slice(1)));
    this.#check(got === want, `${id} log terms from ${s.firstIndex}: ${got}`, `${id} log terms from ${s.firstIndex}: ${got}, want ${want}`);
  }

  /** `assert-applied N a b c`: the values node N applied, in order (also checked across restarts). */
  #assertApplied(args: string[]): void {
    this.assertions++;
    const id = nodeArg(args[0]);
    const got = this.applied(id).join(' ');
    const want = args.slice(1).join(' ');
    this.#check(got === want, `${id} applied: ${got}`, `${id} applied: ${got}, want ${want}`);
  }

  /** `assert-read-state N context index`: node N got a read state for context at index. */
  #assertReadState(args: string[]): void {
    this.assertions++;
    const id = nodeArg(args[0]);
    const [context, index] = [args[1], Number(args[2])];
    const found = this.#node(id).readStates.find((r) => r.context === context);
    this.#check(
      found !== undefined && found.index === index,
      `${id} read state ${context} at ${index}`,
      `${id} read state ${context}: ${found === undefined ? 'none' : `at ${found.index}`}, want at ${index}`,
    );
  }

  /** `assert-error CODE`: the last command that failed failed with this code. */
  #assertError(args: string[]): void {
    this.assertions++;
    const got = this.#lastError?.code ?? 'none';
    this.#check(got === args[0], `last error ${got}`, `last error ${got}, want ${args[0]}`);
    this.#lastError = null;
  }

  /** `assert-no-msgs`: the network holds no messages (e.g. a refused action sent nothing). */
  #assertNoMsgs(args: string[]): void {
    this.assertions++;
    void args;
    const pending = this.#network.length;
    this.#check(pending === 0, 'no pending messages', `${pending} pending messages`);
  }

  #check(ok: boolean, pass: string, fail: string): void {
    if (ok) this.#print(`ok: ${pass}`);
    else this.#fail(fail);
  }

  #fail(message: string): void {
    this.#print(`ASSERTION FAILED: ${message}`);
    this.failures.push({ line: this.#line, command: this.#command, message });
  }

  // ---- helpers --------------------------------------------------------------------------

  #node(id: NodeId): SimNode {
    const node = this.nodes.get(id);
    if (node === undefined) throw new ScriptError(`no node ${id}`);
    return node;
  }

  #running(id: NodeId): RawNode {
    const raw = this.#node(id).raw;
    if (raw === null) throw new ScriptError(`node ${id} is down`);
    return raw;
  }

  #idsOrAll(args: string[]): NodeId[] {
    return args.length === 0 ? [...this.nodes.keys()] : args.map(nodeArg);
  }

  #printTransition(id: NodeId, before: Status, after: Status): void {
    if (before.role !== after.role) this.#print(`${id} became ${after.role} at term ${after.term}`);
    else if (before.term !== after.term) this.#print(`${id} moved to term ${after.term} as ${after.role}`);
  }

  #print(line: string): void {
    this.#out.push(this.#indent + line);
  }

  #nested(body: () => void): void {
    const saved = this.#indent;
    this.#indent += '  ';
    try {
      body();
    } finally {
      this.#indent = saved;
    }
  }
}

/** A mistake in the script itself (not in the core): it stops the run with the line number. */
class ScriptError extends Error {}

// ---- formatting ---------------------------------------------------------------------------

export function formatEntry(e: Entry): string {
  if (e.kind === 'conf') {
    const c = e.change;
    const what = c === undefined ? '?' : c.type === 'bootstrap' ? `bootstrap voters=${sortedList(c.voters)} learners=${sortedList(c.learners)}` : `${c.type} ${c.node}`;
    return `${e.term}/${e.index} conf ${what}`;
  }
  return `${e.term}/${e.index} normal ${JSON.stringify(textDecoder.decode(e.data))}`;
}

/**
 * A list of entries, with runs of three or more alike entries (same term, kind and data,
 * consecutive indexes) folded into one item: `2/2..513 normal "" (512 entries)`.
 */
export function formatEntries(entries: Entry[]): string {
  return entryItems(entries).join(', ');
}

function entryItems(entries: Entry[]): string[] {
  const items: string[] = [];
  let k = 0;
  while (k < entries.length) {
    let end = k;
    while (end + 1 < entries.length && alike(entries[end]!, entries[end + 1]!)) end++;
    const first = entries[k]!;
    if (end - k >= 2) {
      const last = entries[end]!;
      items.push(formatEntry(first).replace(`/${first.index} `, `/${first.index}..${last.index} `) + ` (${end - k + 1} entries)`);
      k = end + 1;
    } else {
      items.push(formatEntry(first));
      k++;
    }
  }
  return items;
}

function alike(a: Entry, b: Entry): boolean {
  return b.index === a.index + 1 && a.term === b.term && a.kind === 'normal' && b.kind === 'normal' && textDecoder.decode(a.data) === textDecoder.decode(b.data);
}

export function formatMessage(m: Message): string {
  const parts = [`${m.from}->${m.to} ${m.type} term=${m.term}`];
  const positional = m.type === 'append' || m.type === 'vote' || m.type === 'pre-vote';
  if (positional || m.logTerm !== 0) parts.push(`logTerm=${m.logTerm}`);
  if (positional || m.index !== 0) parts.push(`index=${m.index}`);
  if (m.type === 'append' || m.commit !== 0) parts.push(`commit=${m.commit}`);
  if (m.reject) parts.push(m.type === 'append-resp' ? `reject rejectHint=${m.rejectHint}` : 'reject');
  if (m.readSeq !== 0) parts.push(`readSeq=${m.readSeq}`);
  if (m.context !== '') parts.push(`context=${JSON.stringify(m.context)}`);
  if (m.transfer) parts.push('transfer');
  if (m.entries.length > 0) parts.push(`entries=[${formatEntries(m.entries)}]`);
  if (m.snapshot !== null) parts.push(`snapshot=[${formatSnapshot(m.snapshot)}]`);
  return parts.join(' ');
}

function formatHardState(h: HardState): string {
  return `term=${h.term} vote=${h.vote} commit=${h.commit}`;
}

function formatSnapshot(s: Snapshot): string {
  const values = decodeValues(s.data).map((v) => v.value);
  return `index=${s.meta.index} term=${s.meta.term} voters=${sortedList(s.meta.conf.voters)} learners=${sortedList(s.meta.conf.learners)} values=[${values.join(' ')}]`;
}

function summary(s: Status): string {
  return `${s.role} term=${s.term} leader=${s.leader} commit=${s.commit} last=${s.lastIndex} voters=${sortedList(s.conf.voters)} learners=${sortedList(s.conf.learners)}`;
}

function sortedList(ids: NodeId[]): string {
  return [...ids].sort((a, b) => a - b).join(',') || '-';
}

// ---- parsing ------------------------------------------------------------------------------

function splitOptions(tokens: string[]): { positional: string[]; options: Record<string, string> } {
  const positional: string[] = [];
  const options: Record<string, string> = {};
  for (const token of tokens) {
    const eq = token.indexOf('=');
    if (eq === -1) positional.push(token);
    else options[token.slice(0, eq)] = token.slice(eq + 1);
  }
  return { positional, options };
}

function nodeArg(token: string | undefined): NodeId {
  const id = Number(token);
  if (!Number.isInteger(id) || id <= 0) throw new ScriptError(`expected a node id, got ${token}`);
  return id;
}

function idList(text: string): NodeId[] {
  return text.replace(/[()]/g, '').split(',').filter(Boolean).map(nodeArg);
}

/** Log terms as written in scripts: `1 1 2` or, for long runs, `1 2*600`. */
function expandTerms(tokens: string[]): number[] {
  return tokens.flatMap((token) => {
    const [term, times] = token.split('*');
    return Array.from({ length: times === undefined ? 1 : Number(times) }, () => Number(term));
  });
}

/** The inverse of expandTerms, for printing: runs of four or more become `T*N`. */
function compressTerms(terms: number[]): string {
  const out: string[] = [];
  for (let k = 0; k < terms.length; ) {
    let end = k;
    while (end + 1 < terms.length && terms[end + 1] === terms[k]) end++;
    const run = end - k + 1;
    out.push(...(run >= 4 ? [`${terms[k]}*${run}`] : Array.from({ length: run }, () => String(terms[k]))));
    k = end + 1;
  }
  return out.join(' ');
}

function boolOption(text: string | undefined, fallback: boolean): boolean {
  if (text === undefined) return fallback;
  if (text !== 'true' && text !== 'false') throw new ScriptError(`expected true or false, got ${text}`);
  return text === 'true';
}

// ---- copies: nothing a node holds is shared with another node or the disk ----------------

function encodeValues(values: { index: number; value: string }[]): Uint8Array {
  return textEncoder.encode(JSON.stringify(values));
}

function decodeValues(data: Uint8Array): { index: number; value: string }[] {
  return data.length === 0 ? [] : (JSON.parse(textDecoder.decode(data)) as { index: number; value: string }[]);
}

function cloneEntry(e: Entry): Entry {
  const copy: Entry = { term: e.term, index: e.index, kind: e.kind, data: new Uint8Array(e.data) };
  if (e.change !== undefined) copy.change = { ...e.change };
  return copy;
}

function cloneSnapshot(s: Snapshot): Snapshot {
  return {
    meta: { index: s.meta.index, term: s.meta.term, conf: { voters: [...s.meta.conf.voters], learners: [...s.meta.conf.learners] } },
    data: new Uint8Array(s.data),
  };
}

function cloneMessage(m: Message): Message {
  return { ...m, entries: m.entries.map(cloneEntry), snapshot: m.snapshot === null ? null : cloneSnapshot(m.snapshot) };
}

