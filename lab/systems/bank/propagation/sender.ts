// The sending half of propagation: one long-lived Propagate stream to one peer. The peer's outbox is
// every log row above its durable cursor; after each (re)connect and hello the sender writes those
// rows in order, and the cursor moves only when acks arrive, so an update leaves the outbox only on
// its ack. On any stream error it reconnects with seeded, jittered, capped exponential backoff.
// Try it: see propagation.test.ts, or run two nodes and watch Snapshot's outbox drain.
import { Metadata, status } from '@grpc/grpc-js';
import type { ChannelOptions, ClientDuplexStream, StatusObject } from '@grpc/grpc-js';
import { AckStatus } from '../../../../proto/index.js';
import type { PropagateAck, PropagateMessage } from '../../../../proto/index.js';
import { channelOptions, metadataKeys } from '../../../../proto/index.js';
import type { Clock, Timer } from '../../index.js';
import type { Peer } from '../config.js';
import type { BranchStub, Transport } from '../runtime.js';
import type { LogEntry, Store, Update } from '../store.js';

export const reconnectBackoffMsInitial = 100;
export const reconnectBackoffMsMax = 1_000;
/** A stream is a call too, so it has a deadline; when it runs out the sender simply reconnects. */
export const streamLifetimeMs = 60_000;
/** Log rows per message at most: what is ready goes together, so a busy log costs few messages. */
export const sendBatchRowsMax = 256;
/** How long acks gather before the cursor is written (and acked rows leave the log). */
export const cursorFlushDelayMs = 5;
/** Unacked rows allowed on the wire before the sender waits for acks. */
export const inFlightRowsMax = 1_024;

/**
 * The propagation channel's own reconnect backoff is kept short, so the sender's seeded backoff
 * below is the one that paces reconnects (grpc-js jitters its backoff with Math.random). Keepalive
 * (from channelOptions) notices a half-open connection within keepalive_time + keepalive_timeout.
 */
export const propagationChannelOptions: ChannelOptions = {
  ...channelOptions,
  'grpc.initial_reconnect_backoff_ms': 50,
  'grpc.min_reconnect_backoff_ms': 50,
  'grpc.max_reconnect_backoff_ms': 100,
};

/**
 * How long to wait before reconnect attempt number `failures` (0 after a stream that was up):
 * exponential from reconnectBackoffMsInitial, capped at reconnectBackoffMsMax, and jittered into
 * the upper half of that ceiling by the node's seeded PRNG, so senders that failed together spread out.
 */
export function reconnectDelayMs(failures: number, random: () => number): number {
  const ceiling = Math.min(reconnectBackoffMsMax, reconnectBackoffMsInitial * 2 ** Math.max(0, failures));
  return ceiling * (0.5 + 0.5 * random());
}

/**
 * `log`: ship the durable log and resend from the acked cursor (lock, lock-free).
 * `once`: unsafe's fire-and-forget, each update written once if a stream is up, never resent.
 */
export type SendMode = 'log' | 'once';

export interface SenderOptions {
  self: string;
  peer: Peer;
  store: Store;
  mode: SendMode;
  /** Seeded: the jitter of reconnects is part of what a seed replays. */
  random: () => number;
  epoch: () => number;
  log: (line: string) => void;
  /** Called after the durable cursor moved: rows every peer acked can leave the log. */
  onCursor?: () => void;
  /** Timers and deadlines; the process's own unless the simulator runs the node. */
  clock: Clock;
  /** How the stream reaches the peer; grpc-js unless the simulator runs the node. */
  transport: Transport;
}

interface AckWaiter {
  sequence: number;
  resolve: (acked: boolean) => void;
  timer: Timer;
}

export class PeerSender {
  private readonly client: BranchStub;
  private call: ClientDuplexStream<PropagateMessage, PropagateAck> | undefined;
  /** Bumped on every (re)connect and stop, so callbacks of an old stream do nothing. */
  private generation = 0;
  private connected = false;
  private stopped = true;
  private failures = 0;
  private reconnectTimer: Timer | undefined;
  /** Highest sequence written on the current stream. */
  private position = 0;
  /** Highest sequence the peer acked; mirrors the durable cursor. */
  private acked = 0;
  private cursorFlushPending = false;
  private pumping = false;
  private pumpAgain = false;
  private waiters: AckWaiter[] = [];
  private onceSequence = 0;
  private connectedListeners: (() => void)[] = [];
  private readonly clock: Clock;

  constructor(private readonly options: SenderOptions) {
    this.clock = options.clock;
    this.client = options.transport.branchClient(options.peer.address, propagationChannelOptions);
  }

  get peer(): string {
    return this.options.peer.id;
  }

  start(): void {
    this.stopped = false;
    // A Reset starts the backoff afresh too: the next run's delays must not depend on this one's failures.
    this.failures = 0;
    this.acked = this.options.mode === 'log' ? this.options.store.cursor(this.peer) : 0;
    this.connect();
  }

  /** Closes the stream and fails every waiter; the channel stays open unless `close` follows. */
  stop(): void {
    this.stopped = true;
    this.disconnect();
    this.clock.cancel(this.reconnectTimer);
    this.flushCursor();
    for (const waiter of this.waiters.splice(0)) {
      this.clock.cancel(waiter.timer);
      waiter.resolve(false);
    }
  }

  close(): void {
    this.stop();
    this.client.close();
  }

  /** True while a stream is up (its hello answered). */
  get isConnected(): boolean {
    return this.connected;
  }

  /** Resolves once a stream is up (its hello answered). */
  whenConnected(): Promise<void> {
    if (this.connected) return Promise.resolve();
    return new Promise((resolve) => this.connectedListeners.push(resolve));
  }

  /** New log rows were committed: send them if the stream is up. */
  notify(): void {
    if (this.connected) void this.pump();
  }

  /** Unsafe's propagation: written once if a stream is up, else lost. */
  sendOnce(requestId: string, updates: readonly Update[]): void {
    if (!this.connected || this.call === undefined) return;
    const sequence = ++this.onceSequence;
    this.call.write(this.message([{ sequence, key: `${this.options.self}/once/${sequence}`, requestId, updates: [...updates] }]));
  }

  /** Resolves true once the peer acked `sequence`, false at the deadline (or on stop). */
  waitForAck(sequence: number, deadline: number): Promise<boolean> {
    if (this.acked >= sequence) return Promise.resolve(true);
    if (this.stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter: AckWaiter = { sequence, resolve, timer: this.clock.after(() => this.expire(waiter), Math.max(0, deadline - this.clock.now())) };
      this.waiters.push(waiter);
    });
  }

  private connect(): void {
    if (this.stopped) return;
    const generation = ++this.generation;
    const metadata = new Metadata();
    metadata.set(metadataKeys.clientId, this.options.self);
    const call = this.client.propagate(metadata, { deadline: this.clock.now() + streamLifetimeMs });
    this.call = call;
    call.on('data', (ack: PropagateAck) => {
      if (generation === this.generation) this.onAck(ack);
    });
    call.on('error', () => undefined); // the status event below says what happened
    call.on('status', (outcome: StatusObject) => {
      if (generation === this.generation) this.onStreamEnd(outcome);
    });
    call.write({ key: 'hello', origin: this.options.self, sequence: 0, requestId: '', updates: [], hello: true, epoch: this.options.epoch(), more: [] });
  }

  private onAck(ack: PropagateAck): void {
    if (!this.connected) return this.onHello(ack);
    if (ack.status === AckStatus.ACK_STATUS_UNSPECIFIED || ack.status === AckStatus.UNRECOGNIZED) return;
    if (ack.status === AckStatus.ACK_STATUS_DEAD_LETTER) {
      this.options.log(`${this.peer} could not apply ${ack.key}: it is in ${this.peer}'s dead letters (faultline dlq)`);
    }
    this.acknowledge(ack.sequence);
    if (this.position - this.acked < inFlightRowsMax) void this.pump();
  }

  /**
   * The hello's answer. Every unacked row is resent from the durable cursor, in order; the peer's
   * dedup store answers DUPLICATE for those it already applied. Its high-water mark is only checked:
   * below our cursor, it acked updates it no longer holds, and resending would hide that.
   */
  private onHello(ack: PropagateAck): void {
    this.connected = true;
    this.failures = 0;
    if (this.options.mode === 'log' && ack.sequence < this.acked) {
      this.options.log(`${this.peer} acked up to ${this.acked} but holds only up to ${ack.sequence}: it lost acknowledged updates`);
    }
    this.position = this.acked;
    for (const listener of this.connectedListeners.splice(0)) listener();
    void this.pump();
  }

  private acknowledge(sequence: number): void {
    if (this.options.mode !== 'log' || sequence <= this.acked) return;
    this.acked = sequence;
    this.scheduleCursorFlush();
    this.waiters = this.waiters.filter((waiter) => {
      if (waiter.sequence > sequence) return true;
      this.clock.cancel(waiter.timer);
      waiter.resolve(true);
      return false;
    });
  }

  private async pump(): Promise<void> {
    if (this.options.mode !== 'log') return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    const generation = this.generation;
    try {
      do {
        this.pumpAgain = false;
        while (generation === this.generation && this.connected && this.position - this.acked < inFlightRowsMax) {
          const room = inFlightRowsMax - (this.position - this.acked);
          const rows = this.options.store.logAfter(this.position, Math.min(sendBatchRowsMax, room));
          if (rows.length === 0 || this.call === undefined) break;
          // One writer per stream, rows in log order: a key's updates cannot overtake each other.
          for (const [index, row] of rows.entries()) {
            if (row.sequence !== this.position + 1 + index) throw new Error(`sender: row ${row.sequence} does not follow ${this.position + index}`);
          }
          const flowing = this.call.write(this.message(rows));
          this.position += rows.length;
          if (!flowing) await this.drained(this.call);
        }
      } while (this.pumpAgain && generation === this.generation);
    } finally {
      this.pumping = false;
    }
  }

  private drained(call: ClientDuplexStream<PropagateMessage, PropagateAck>): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        call.off('drain', done);
        call.off('status', done);
        resolve();
      };
      call.on('drain', done);
      call.on('status', done);
    });
  }

  /** One message for contiguous rows: the first inline, the rest in `more`. */
  private message(rows: readonly LogEntry[]): PropagateMessage {
    const [first, ...rest] = rows;
    if (first === undefined) throw new Error('sender: a message needs at least one row');
    return {
      key: first.key, origin: this.options.self, sequence: first.sequence, requestId: first.requestId,
      updates: first.updates, hello: false, epoch: this.options.epoch(),
      more: rest.map((row) => ({ key: row.key, sequence: row.sequence, requestId: row.requestId, updates: row.updates })),
    };
  }

  private onStreamEnd(outcome: StatusObject): void {
    const wasConnected = this.connected;
    this.disconnect();
    if (this.stopped) return;
    // A peer of another epoch is being Reset right now: ask again soon instead of backing off.
    const epochRefused = outcome.code === status.FAILED_PRECONDITION;
    // A stream that merely reached its lifetime is routine: the next one opens at once.
    const lifetimeEnded = wasConnected && outcome.code === status.DEADLINE_EXCEEDED;
    if (!epochRefused && !wasConnected) this.failures += 1;
    // Only a backoff draws: a refusal during a Reset comes or not as the nodes' Resets interleave,
    // and a draw for it would make the node's draws (and its digest) depend on that race.
    const delay = lifetimeEnded ? 0 : epochRefused ? reconnectBackoffMsInitial : reconnectDelayMs(this.failures, this.options.random);
    // Log when a stream goes down, not on every retry while a peer stays down.
    const news = wasConnected ? !lifetimeEnded : this.failures === 1;
    if (news) {
      this.options.log(`stream to ${this.peer} ended (${status[outcome.code] ?? outcome.code}: ${outcome.details}); again in ${Math.round(delay)} ms`);
    }
    this.reconnectTimer = this.clock.after(() => this.connect(), delay);
  }

  private disconnect(): void {
    this.generation += 1;
    this.connected = false;
    const call = this.call;
    this.call = undefined;
    call?.cancel();
  }

  private expire(waiter: AckWaiter): void {
    this.waiters = this.waiters.filter((entry) => entry !== waiter);
    waiter.resolve(false);
  }

  private scheduleCursorFlush(): void {
    if (this.cursorFlushPending) return;
    this.cursorFlushPending = true;
    // Acks arrive one after another under load; one write covers all those of a few milliseconds.
    // A crash loses at most that much of the cursor, and the peer's dedup store absorbs the resend.
    this.clock.after(() => this.flushCursor(), cursorFlushDelayMs);
  }

  private flushCursor(): void {
    if (!this.cursorFlushPending) return;
    this.cursorFlushPending = false;
    if (this.options.mode !== 'log') return;
    this.options.store.setCursor(this.peer, this.acked);
    this.options.onCursor?.();
  }
}
