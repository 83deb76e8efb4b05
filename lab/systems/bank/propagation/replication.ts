// All of a branch's outgoing propagation: one sender per peer, started and stopped together, and
// the question a lock sequencer asks before it answers: how many replicas acked this sequence.
// Try it: `const replication = new Replication(options); replication.start(); await replication.acknowledged(5, deadline)`.
import type { Clock, Timer } from '../../index.js';
import type { Peer } from '../config.js';
import { NodeRandom } from '../random.js';
import type { Transport } from '../runtime.js';
import type { Store, Update } from '../store.js';
import { PeerSender } from './sender.js';
import type { SendMode } from './sender.js';

export interface ReplicationOptions {
  self: string;
  peers: readonly Peer[];
  store: Store;
  mode: SendMode;
  seed: string;
  /** The node's randomness; a Replication run alone (bench/) makes its own from `seed`. */
  random?: NodeRandom;
  epoch: () => number;
  log: (line: string) => void;
  clock: Clock;
  transport: Transport;
}

export class Replication {
  private readonly senders: PeerSender[];
  private readonly peerIds: string[];
  private notifyQueued = false;
  private readonly clock: Clock;

  constructor(private readonly options: ReplicationOptions) {
    this.clock = options.clock;
    this.peerIds = options.peers.map((peer) => peer.id);
    const random = options.random ?? new NodeRandom(options.self, options.seed);
    this.senders = options.peers.map((peer) => new PeerSender({
      self: options.self, peer, store: options.store, mode: options.mode, epoch: options.epoch, log: options.log, clock: this.clock, transport: options.transport,
      random: random.stream(`propagate/${peer.id}`),
      onCursor: () => this.prune(),
    }));
  }

  get peerCount(): number {
    return this.senders.length;
  }

  /** How many peers a stream is up to right now. */
  get connectedCount(): number {
    return this.senders.filter((sender) => sender.isConnected).length;
  }

  start(): void {
    for (const sender of this.senders) sender.start();
  }

  /** After a Reset: drop every stream and start again from the (now empty) log. */
  restart(): void {
    this.stop();
    this.start();
  }

  stop(): void {
    for (const sender of this.senders) sender.stop();
  }

  close(): void {
    for (const sender of this.senders) sender.close();
  }

  /**
   * New log rows were written: the senders ship them once they are committed (once per group
   * commit, however many rows it holds). A branch alone has no one to wait for: its rows leave at once.
   */
  notify(): void {
    if (this.notifyQueued) return;
    this.notifyQueued = true;
    const ship = (): void => {
      this.notifyQueued = false;
      if (this.senders.length === 0) this.prune();
      for (const sender of this.senders) sender.notify();
    };
    // After a failed commit too: its rows are gone, but the flag must not stay up.
    void this.options.store.durable().then(ship, ship);
  }

  /** Drops the log rows every peer acked; what is left is the outbox that backpressure measures. */
  prune(): void {
    if (this.options.mode === 'log') this.options.store.pruneLog(this.peerIds);
  }

  /** Unsafe's fire-and-forget, still only once the local write is committed. */
  sendOnce(requestId: string, updates: readonly Update[]): void {
    this.options.store.afterCommit(() => {
      for (const sender of this.senders) sender.sendOnce(requestId, updates);
    });
  }

  /** Resolves when a stream to every peer is up, or after `msMax`; says which it was. */
  async whenConnected(msMax: number): Promise<boolean> {
    let timer: Timer | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = this.clock.after(() => resolve(false), msMax);
    });
    const connected = Promise.all(this.senders.map((sender) => sender.whenConnected())).then(() => true);
    const outcome = await Promise.race([connected, timeout]);
    this.clock.cancel(timer);
    return outcome;
  }

  /** How many peers acked `sequence` by the deadline. */
  async acknowledged(sequence: number, deadline: number): Promise<number> {
    const answers = await Promise.all(this.senders.map((sender) => sender.waitForAck(sequence, deadline)));
    return answers.filter(Boolean).length;
  }
}
