// One branch of the bank, put together: its store, its serialization point, its strategy, its
// propagation both ways, and the admin operations Snapshot and Reset. The gRPC server (server.ts)
// only translates calls into these. Try it: `const branch = new Branch(config, store, log); branch.start()`.
import { status } from '@grpc/grpc-js';
import type { NodeStats, ResetReply, ResetRequest, RightsReply, RightsRequest, SnapshotReply } from '../../../proto/index.js';
import { strategyDeclaration } from '../../plan/index.js';
import type { BaseStrategy } from '../../plan/index.js';
import { channelOptions } from '../../../proto/index.js';
import type { Timer } from '../index.js';
import { isAccountName } from './config.js';
import type { NodeConfig } from './config.js';
import { statusError } from './errors.js';
import { LeaseTable } from './leases.js';
import { receivePropagation, refuseStream } from './propagation/receiver.js';
import type { PropagateCall } from './propagation/receiver.js';
import { Replication } from './propagation/replication.js';
import { NodeRandom } from './random.js';
import { servePointStream } from './point-stream.js';
import type { IncomingPointStream } from './point-stream.js';
import { RemotePoint } from './remote-point.js';
import type { BranchStub, NodeRuntime } from './runtime.js';
import { Sequencer, serializationPoint } from './sequencer.js';
import type { SerializationPoint } from './sequencer.js';
import { clearStats, emptyStats } from './stats.js';
import type { ReplicaPolicy, Store } from './store.js';
import { lockFreeStrategy } from './strategies/lock-free.js';
import { lockStrategy } from './strategies/lock.js';
import { crdtStrategy, foldedAccount, isTotalName, withTotals } from './strategies/crdt.js';
import { askForRights, isRightsName } from './strategies/escrow.js';
import { queryReader } from './strategies/reads.js';
import type { QueryReader } from './strategies/reads.js';
import type { Strategy, StrategyDependencies } from './strategies/types.js';
import { unsafeStrategy } from './strategies/unsafe.js';

/** The dedup store is purged this often (or four times per window, if that is more often)... */
export const dedupPurgeEveryMsMax = 10_000;
/** ...this many keys per transaction, yielding between them, so a purge never holds the event loop long. */
export const dedupPurgeRowsMax = 5_000;

/** What a strategy's factory may need beyond the common dependencies, from the cluster and the declaration. */
interface StrategyContext {
  branches: readonly string[];
  escrow: boolean;
  /** Escrow's RequestRights to a peer, over that peer's client. */
  askPeer: (peer: string, request: RightsRequest, deadline: number) => Promise<RightsReply>;
}

const strategies: Record<BaseStrategy, (dependencies: StrategyDependencies, context: StrategyContext) => Strategy> = {
  unsafe: unsafeStrategy,
  lock: lockStrategy,
  'lock-free': lockFreeStrategy,
  crdt: (dependencies, context) => crdtStrategy({ ...dependencies, ...context }),
};

export class Branch {
  readonly stats: NodeStats = emptyStats();
  /** Every PRNG of this branch draws from here; Reset reseeds it. */
  readonly random: NodeRandom;
  readonly sequencer: Sequencer;
  readonly strategy: Strategy;
  /** Every query: at the point or the replica, as the strategy declares, with min_version and the cache. */
  readonly query: QueryReader;
  /** crdt keeps each account as totals per branch: Snapshot and Reset fold and unfold them. */
  private readonly crdt: boolean;
  /** crdt:escrow also keeps rights rows per pair of branches (strategies/escrow.ts). */
  private readonly escrow: boolean;
  private readonly leases: LeaseTable;
  private readonly replication: Replication;
  private readonly remotePoints = new Map<string, RemotePoint>();
  /** One client per peer this branch calls (its serialization points, escrow's requests for rights). */
  private readonly peerClients = new Map<string, BranchStub>();
  private readonly incoming = new Set<PropagateCall>();
  private readonly incomingPoints = new Set<IncomingPointStream>();
  private readonly branches: string[];
  private purgeTimer: Timer | undefined;
  private purging = false;

  constructor(
    readonly config: NodeConfig, readonly store: Store, private readonly log: (line: string) => void,
    readonly runtime: NodeRuntime,
  ) {
    const { clock, transport } = runtime;
    this.branches = [config.id, ...config.peers.map((peer) => peer.id)];
    this.random = new NodeRandom(config.id, config.seed);
    const epoch = (): number => store.epoch();
    this.leases = new LeaseTable(store.boot, () => {
      this.stats.leaseExpiries += 1;
    }, clock);
    this.replication = new Replication({
      self: config.id, peers: config.peers, store, mode: strategyDeclaration(config.strategy).propagation === 'fire-and-forget' ? 'once' : 'log',
      seed: config.seed, random: this.random, epoch, log, clock, transport,
    });
    this.sequencer = new Sequencer({
      self: config.id, store, leases: this.leases, replication: this.replication, stats: this.stats, bug: config.bug,
      outbox: { rowsMax: config.outboxRowsMax, bytesMax: config.outboxBytesMax },
    });
    const declaration = strategyDeclaration(config.strategy);
    const dependencies: StrategyDependencies = {
      self: config.id, store, replication: this.replication, pointFor: (accounts) => this.pointFor(accounts),
      epoch, stats: this.stats, random: this.random, bug: config.bug, clock,
    };
    this.crdt = declaration.totalsPerBranch === true;
    this.escrow = declaration.escrow === true;
    const askPeer = (peer: string, request: RightsRequest, deadline: number): Promise<RightsReply> => askForRights(this.peerClient(peer), request, deadline);
    this.strategy = strategies[declaration.base](dependencies, { branches: this.branches, escrow: this.escrow, askPeer });
    // A new crdt store holds every branch's totals beside each account, at 0, before anything is written.
    if (this.crdt && store.created) store.reset(withTotals(store.accounts(), this.branches, this.escrow), store.epoch());
    this.query = queryReader(
      { store, clock, reads: declaration.reads, cache: declaration.cache, bug: config.bug },
      (account, context) => this.strategy.query(account, context),
    );
  }

  start(): void {
    this.replication.start();
    const everyMs = Math.min(dedupPurgeEveryMsMax, Math.ceil(this.config.dedupWindowMs / 4));
    this.purgeTimer = this.runtime.clock.every(() => void this.purgeDedup(), everyMs, { background: true });
  }

  /**
   * Forgets the dedup keys older than the window, a chunk at a time until none is left, so the
   * store holds about rate x (window + purge interval) keys whatever the rate. Returns how many.
   */
  async purgeDedup(): Promise<number> {
    if (this.purging) return 0;
    this.purging = true;
    const before = this.runtime.clock.now() - this.config.dedupWindowMs;
    let purged = 0;
    try {
      for (;;) {
        const chunk = this.store.purgeDedup(before, dedupPurgeRowsMax);
        purged += chunk;
        if (chunk < dedupPurgeRowsMax || this.purgeTimer === undefined) return purged;
        await new Promise<void>((resolve) => this.runtime.clock.afterTurn(resolve));
      }
    } catch (error) {
      // Only a closing store throws here; the next purge, if any, starts over.
      this.log(`dedup purge stopped: ${String(error)}`);
      return purged;
    } finally {
      this.purging = false;
    }
  }

  /** Peers whose propagation stream is up now: Snapshot's peersConnected, without reading the store. */
  get peersConnected(): number {
    return this.replication.connectedCount;
  }

  /** Resolves once propagation to every peer is up, or after `msMax` (a peer may be down). */
  whenConnected(msMax: number): Promise<boolean> {
    return this.replication.whenConnected(msMax);
  }

  stop(): void {
    this.runtime.clock.cancel(this.purgeTimer);
    this.purgeTimer = undefined;
    this.leases.clear('the branch is stopping');
    for (const call of this.incoming) refuseStream(call, status.UNAVAILABLE, 'the branch is stopping');
    this.incoming.clear();
    this.replication.close();
    for (const call of this.incomingPoints) refuseStream(call, status.UNAVAILABLE, 'the branch is stopping');
    this.incomingPoints.clear();
    for (const point of this.remotePoints.values()) point.close();
    this.remotePoints.clear();
    for (const client of this.peerClients.values()) client.close();
    this.peerClients.clear();
  }

  /** Where operations on these accounts are serialized: this branch itself, or a peer over gRPC. */
  pointFor(accounts: readonly string[]): SerializationPoint {
    const points = new Set(accounts.map((account) => serializationPoint(account, this.branches)));
    const [point] = points;
    if (point === undefined || points.size > 1) {
      throw statusError(status.UNIMPLEMENTED, `accounts ${accounts.join(',')} are serialized at different branches`);
    }
    if (point === this.config.id) return this.sequencer;
    let remote = this.remotePoints.get(point);
    if (remote === undefined) {
      remote = new RemotePoint(this.peerClient(point), this.config.id, this.stats, this.runtime.clock);
      this.remotePoints.set(point, remote);
    }
    return remote;
  }

  /** The client of a peer's Branch service, made on first use and kept until the branch stops. */
  peerClient(id: string): BranchStub {
    let client = this.peerClients.get(id);
    if (client === undefined) {
      const peer = this.config.peers.find((entry) => entry.id === id);
      if (peer === undefined) throw new Error(`peerClient: ${id} is not a peer`);
      client = this.runtime.transport.branchClient(peer.address, channelOptions);
      this.peerClients.set(id, client);
    }
    return client;
  }

  /** A peer's RequestRights: what this branch's strategy grants, or UNIMPLEMENTED when it moves no rights. */
  grantRights(request: RightsRequest): RightsReply {
    if (this.strategy.grantRights === undefined) throw statusError(status.UNIMPLEMENTED, `${this.config.strategy} moves no rights between branches`);
    return this.strategy.grantRights(request);
  }

  receive(call: PropagateCall): void {
    holdWhileOpen(this.incoming, call);
    receivePropagation(call, {
      self: this.config.id, peers: new Set(this.config.peers.map((peer) => peer.id)), store: this.store,
      policy: this.replicaPolicy(), bug: this.config.bug, epoch: () => this.store.epoch(), clock: this.runtime.clock,
      stats: this.stats, log: this.log,
    });
  }

  /** An incoming Point stream: another branch's reads and compare-and-sets at this sequencer. */
  servePoint(call: IncomingPointStream): void {
    holdWhileOpen(this.incomingPoints, call);
    servePointStream(call, this.sequencer, this.store, this.runtime.clock);
  }

  snapshot(): SnapshotReply {
    return {
      branch: this.config.id,
      ...this.ledger(),
      deadLetters: this.store.deadLetterCount(),
      outbox: this.store.outbox(this.config.peers.map((peer) => peer.id)),
      stats: { ...this.stats },
      epoch: this.store.epoch(),
      peersConnected: this.peersConnected,
      randomness: this.random.state(),
    };
  }

  /** Starts a new run on this branch: nothing of the old one survives, in memory or on disk. */
  reset(request: ResetRequest): ResetReply {
    const current = this.store.epoch();
    if (request.epoch < current) {
      throw statusError(status.FAILED_PRECONDITION, `epoch ${request.epoch} is older than this branch's ${current}`);
    }
    for (const state of request.accounts) {
      if (!isAccountName(state.account)) throw statusError(status.INVALID_ARGUMENT, `bad account name '${state.account}'`);
      if (!Number.isSafeInteger(state.balance) || state.balance < 0 || !Number.isSafeInteger(state.version) || state.version < 0) {
        throw statusError(status.INVALID_ARGUMENT, `account ${state.account} needs a whole balance and version of at least 0`);
      }
    }
    if (new Set(request.accounts.map((state) => state.account)).size !== request.accounts.length) {
      throw statusError(status.INVALID_ARGUMENT, 'an account is listed twice');
    }
    this.leases.clear('the branch was reset');
    this.replication.stop();
    for (const call of this.incoming) refuseStream(call, status.FAILED_PRECONDITION, 'the branch was reset');
    this.incoming.clear();
    this.store.reset(this.crdt ? withTotals(request.accounts, this.branches, this.escrow) : request.accounts, request.epoch);
    clearStats(this.stats);
    // After the streams stopped and before they start: no draw of the old run lands in the new one.
    this.random.reseed(request.seed === '' ? this.config.seed : request.seed);
    this.replication.start();
    return { epoch: request.epoch };
  }

  /**
   * Every account and applied key; crdt's totals folded into their accounts, as the customers see them,
   * and escrow's grants of rights (no customer's request) left out.
   */
  private ledger(): Pick<SnapshotReply, 'accounts' | 'applied'> {
    if (!this.crdt) return { accounts: this.store.accounts(), applied: this.store.appliedKeys() };
    const accounts = this.store.accounts().filter((state) => !isTotalName(state.account))
      .map((state) => foldedAccount(this.store, state.account, this.branches) ?? state);
    const applied = this.store.appliedKeys().filter((key) => !isRightsName(key.account))
      .map((key) => ({ ...key, account: key.account.split('.crdt.')[0] ?? key.account }));
    return { accounts, applied };
  }

  private replicaPolicy(): ReplicaPolicy {
    if (!strategyDeclaration(this.config.strategy).replicaDedup || this.config.bug === 'no-dedup') return { dedup: false, ordered: false };
    return { dedup: true, ordered: true };
  }
}

/** Keeps an incoming stream in `open` until it ends, however it ends, so a stop or reset can end it. */
function holdWhileOpen<Call extends PropagateCall | IncomingPointStream>(open: Set<Call>, call: Call): void {
  open.add(call);
  const forget = (): boolean => open.delete(call);
  call.on('close', forget);
  call.on('cancelled', forget);
  call.on('error', forget);
}
