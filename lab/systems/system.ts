// The interface a system under test implements, as the lab will drive it: how to start its nodes, which
// links exist between them, its workload (an arbitrary of its own ops and a client that performs one),
// and its judge (a model, its final states, the claims that apply). The bank is the first system, etcd
// the first outside one; a user's is a module path. The runner, nemesis, shrinker, replay, compare and
// report know nothing else of a system (lab/run/system-run.ts drives it; README: "Testing your own system").
import type fc from 'fast-check';
import type { AnyModel, Claims, History, Verdict } from '../../models/index.js';
import type { Fault } from '../plan/index.js';

/** What the lab fills in for one node of the system before it starts it. */
export interface NodeContext {
  /** The node's id (b1, b2, ... for the bank; n1, n2, ... for etcd). */
  id: string;
  /** Where the node listens for clients, on loopback (the client link's proxy points here). */
  listen: { host: string; port: number };
  /**
   * Where the node listens for its peers: given to a system with a peer front (etcd's raft port). Any
   * other system's peers dial the node's client address, through the proxy of the pair.
   */
  peerListen?: { host: string; port: number };
  /**
   * The address peers dial to reach this node, for a system whose nodes announce it to each other
   * (etcd's --initial-advertise-peer-urls): the address of its peer front (System.peerFront).
   */
  peerAdvertise?: string;
  /** Every other node: the address this node must dial to reach it: the proxy of the link, or the peer's front. */
  peers: { id: string; address: string }[];
  /** The node's own data directory, kept across kill -9 and restart. */
  dataDir: string;
  /** The nodes' sub-seed of the run; a node that draws random numbers draws them from it. */
  seed: number;
  /** The first start of this node in the run, or a restart after a kill. */
  start: 'first' | 'restart';
  /** The workload of the run, for a system whose variants start their nodes differently (the bank's strategies). */
  workload?: string;
}

/** How one node runs: an OS process the lab starts, signals and stops. */
export interface NodeLaunch {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

/** How the lab knows a node serves: grpc.health.v1 on the client address, or the system's own probe. */
export type Readiness = { kind: 'grpc-health'; service?: string } | { kind: 'probe'; ready(address: string, deadlineMs: number): Promise<boolean> };

/** The outcome of one op, as the history records it: ok (it happened), fail (it did not), info (unknown). */
export interface OpOutcome {
  type: 'ok' | 'fail' | 'info';
  /** The op's input fields and, when ok, its outputs: the history's `value`. */
  value: Record<string, unknown>;
  error?: string;
}

/** One op of a plan: the system's own JSON, with the lab's fields for who issues it where. */
export interface SystemOp {
  client: number;
  /** The node the client calls first; a retry after an indeterminate error goes to the next one. */
  node: string;
  retries: number;
  /** The operation's name as the history records it (`f`). */
  f: string;
  /** Its inputs, the system's own JSON. */
  input: Record<string, unknown>;
}

/** A client of the system: performs one op on one node with a deadline, and says what happened. */
export interface SystemClient {
  /**
   * Performs the op at the node's client address. Errors become `fail` only when the system's own
   * table says they are definite; anything else is `info`. Never retries on its own.
   */
  perform(op: SystemOp, address: string, deadlineMs: number): Promise<OpOutcome>;
  close(): Promise<void>;
}

/** What shapes a workload: the same knobs for every system, each reading what applies to it. */
export interface WorkloadConstraints {
  nodes: number;
  clients: number;
  opsMax: number;
  /** Keys, accounts or registers the ops spread over. */
  objectsMax: number;
  contention: 'low' | 'high';
}

/** An op as a workload's arbitrary draws it: its name and input, before the lab says who sends it where. */
export type DrawnOp = Omit<SystemOp, 'client' | 'node' | 'retries'>;

/** What a workload's placement sees of one op: plain data from the plan being generated. */
export interface OpPlacement {
  client: number;
  /** The client's own node, where its ops go unless the workload places them elsewhere. */
  home: string;
  nodes: readonly string[];
  /** The faults in force while the op's step runs (applied at or before it, healed after it). */
  faults: readonly Fault[];
}

/** One workload of a system: its ops' arbitrary, the model that judges them, and what it claims. */
export interface SystemWorkload {
  name: string;
  /** The ops of each client, as fast-check generates and shrinks them. */
  ops(constraints: WorkloadConstraints): fc.Arbitrary<DrawnOp[]>;
  /**
   * The node an op is sent to, a pure function of the op and the faults in force at its step (the plan
   * generator calls it, so the plan stays data and a shrunk plan is placed the same way). Without it
   * every op goes to its client's home node. etcd's register workloads send a read to the members a
   * partition cuts off from the majority and a write to the majority: the shape a stale read needs.
   */
  place?(op: DrawnOp, at: OpPlacement): string;
  /** The model the linearizability check (or the declared rung) uses. */
  model(initial: unknown): AnyModel;
  /** What this workload promises; the judge checks exactly these. */
  claims: Claims;
  /**
   * The workload's own checks beyond its model, over the history and the final states (etcd's lock
   * workload judges mutual exclusion from the versions its critical sections read and overwrote).
   */
  invariants?(history: History, states: readonly NodeState[]): WorkloadCheck[];
}

/** A node's peer front (see System.peerFront): its address is the one the node advertises to its peers. */
export interface PeerFront {
  address: string;
  /** Connections from this peer (named by its id and the address it advertises) go to this proxy. */
  route(from: { id: string; advertise: string }, proxyAddress: string): void;
  /** Where a connection goes that names no known sender (etcd's version checks, say). */
  fallback(proxyAddress: string): void;
  close(): Promise<void>;
}

/** One check a workload runs itself, with the judge's three verdicts. */
export interface WorkloadCheck {
  name: string;
  verdict: Verdict;
  summary: string;
  details?: unknown;
}

/** One node's state after the heal, as the judge reads it (the bank's BranchState, etcd's key-value map). */
export interface NodeState {
  node: string;
  state: Record<string, unknown>;
}

export interface System {
  name: string;
  /** Node ids of an N-node cluster. */
  nodeIds(count: number): string[];
  /**
   * How the lab proxies the nodes' traffic to each other: 'none' (no peer traffic) or 'pair' (each node
   * reaches each peer through the proxy of that pair, so a partition can cut any set of pairs).
   */
  peerLinks: 'none' | 'pair';
  /**
   * For a system whose nodes must name each peer by one address that every node dials (etcd hashes a
   * member's peer URLs into its id): the front the lab starts at that address, which tells the dialing
   * node from the connection's first bytes and hands the connection to the proxy of the pair. Without
   * it a pair could not be cut alone: etcd sends each message over whichever side's connection works.
   */
  peerFront?(context: { id: string; host: string; seed: number }): Promise<PeerFront>;
  launch(context: NodeContext): NodeLaunch;
  readiness: Readiness;
  /** SIGTERM, then SIGKILL after this long. */
  stopGraceMs: number;
  /**
   * How long an op may wait by default (`--deadline-ms` overrides it): longer than one failover of the
   * system, so that an op sent just after a fault ends ok or info by what the system does, not by how
   * a timer happened to race its election. Without it the runner's default (2 s) applies.
   */
  opDeadlineMs?: number;
  workloads: Record<string, SystemWorkload>;
  client(): SystemClient;
  /** Each node's state after the heal and quiescence, read straight from the node (not through a proxy). */
  finalStates(addresses: Record<string, string>, deadlineMs: number): Promise<NodeState[]>;
  /** Whether the nodes agree, for the convergence claim: the system's own notion of equal states. */
  converged(states: readonly NodeState[]): Verdict;
}
