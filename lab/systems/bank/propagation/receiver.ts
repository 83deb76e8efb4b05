// The receiving half of propagation: serves one incoming Propagate stream. After the sender's hello
// it answers with the highest sequence it processed from that origin; then, for each update, it runs
// the dedup check and the apply atomically and acks only once that is committed: APPLIED, DUPLICATE
// (seen before, not applied again) or DEAD_LETTER (kept in the dead-letter table). Acks are
// cumulative: of the updates one group commit made durable, the last is acked, and each dead letter.
// Try it: see propagation.test.ts.
import { status } from '@grpc/grpc-js';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { AckStatus } from '../../../../proto/index.js';
import type { NodeStats, PropagateAck, PropagateMessage } from '../../../../proto/index.js';
import type { Clock, Timer } from '../../index.js';
import type { BugName } from '../config.js';
import type { ReplicaMessage, ReplicaOutcome, ReplicaPolicy, Store } from '../store.js';

/**
 * The ack-before-apply bug applies what it already acked in batches, this often: the window in
 * which a kill -9 loses acknowledged updates, as a receiver that buffers for throughput would.
 */
export const bugApplyBatchMs = 200;

export interface ReceiverOptions {
  self: string;
  peers: ReadonlySet<string>;
  store: Store;
  policy: ReplicaPolicy;
  bug: BugName | undefined;
  epoch: () => number;
  /** Wall-clock milliseconds (clock.now()): dedup keys age by it, across restarts; and the bug's apply timer. */
  clock: Clock;
  stats: NodeStats;
  log: (line: string) => void;
}

export type PropagateCall = ServerDuplexStream<PropagateMessage, PropagateAck>;

const ackStatusOf: Record<ReplicaOutcome, AckStatus> = {
  applied: AckStatus.ACK_STATUS_APPLIED,
  duplicate: AckStatus.ACK_STATUS_DUPLICATE,
  stale: AckStatus.ACK_STATUS_DUPLICATE,
  'dead-letter': AckStatus.ACK_STATUS_DEAD_LETTER,
};

/** Ends an incoming stream with a status the sender reads (FAILED_PRECONDITION: wrong epoch). */
export function refuseStream(call: Pick<PropagateCall, 'emit'>, code: status, details: string): void {
  call.emit('error', { code, details });
}

interface StreamState {
  origin: string;
  /** The last sequence seen on this stream: a sender writes in order, so anything else is a bug. */
  lastSequence: number;
  refused: boolean;
  /** Acks of updates applied but not yet committed; sent, coalesced, once they are. */
  pendingAcks: PropagateAck[];
}

export function receivePropagation(call: PropagateCall, options: ReceiverOptions): void {
  let stream: StreamState | undefined;
  const deferred = options.bug === 'ack-before-apply' ? new DeferredApplier(options) : undefined;
  call.on('data', (message: PropagateMessage) => {
    if (stream?.refused === true) return;
    if (message.epoch !== options.epoch()) {
      if (stream !== undefined) stream.refused = true;
      return refuseStream(call, status.FAILED_PRECONDITION, `epoch ${message.epoch} is not this branch's epoch ${options.epoch()}`);
    }
    if (stream === undefined) {
      if (!message.hello || !options.peers.has(message.origin)) {
        return refuseStream(call, status.FAILED_PRECONDITION, `a stream must open with a hello from a known peer, got '${message.origin}'`);
      }
      stream = { origin: message.origin, lastSequence: 0, refused: false, pendingAcks: [] };
      const hello = { key: 'hello', sequence: options.store.appliedSequence(stream.origin), status: AckStatus.ACK_STATUS_APPLIED, receiver: options.self };
      return void options.store.durable().then(() => call.write(hello), () => undefined);
    }
    if (message.hello) return refuseOutOfOrder(call, stream, message.key, message.sequence, options);
    const { key, sequence, requestId, updates } = message;
    for (const entry of [{ key, sequence, requestId, updates }, ...message.more]) {
      // Reads and writes of one stream never reorder a key's updates; if they ever did, stop here
      // rather than apply out of order. The sender reconnects and resends from its cursor.
      if (entry.sequence <= stream.lastSequence) return refuseOutOfOrder(call, stream, entry.key, entry.sequence, options);
      stream.lastSequence = entry.sequence;
      const replica: ReplicaMessage = { ...entry, origin: stream.origin };
      if (deferred !== undefined) deferred.accept(call, replica, message.epoch);
      else receiveUpdate(call, stream, replica, options);
      if (stream.refused) return;
    }
  });
  call.on('end', () => call.end());
  call.on('error', () => undefined); // a cancelled or broken stream: the sender reconnects
}

function refuseOutOfOrder(call: PropagateCall, stream: StreamState, key: string, sequence: number, options: ReceiverOptions): void {
  stream.refused = true;
  options.log(`stream from ${stream.origin} sent ${key} after sequence ${stream.lastSequence}: refused`);
  refuseStream(call, status.INTERNAL, `update ${sequence} came after ${stream.lastSequence} on one stream`);
}

function receiveUpdate(call: PropagateCall, stream: StreamState, message: ReplicaMessage, options: ReceiverOptions): void {
  let outcome: ReplicaOutcome;
  try {
    outcome = options.store.applyReplica(message, options.policy, options.clock.now());
  } catch (error) {
    // The store is closing or broken: no ack, so the sender resends after it reconnects.
    stream.refused = true;
    options.log(`apply of ${message.key} failed: ${String(error)}`);
    return refuseStream(call, status.UNAVAILABLE, 'the branch could not apply the update');
  }
  noteOutcome(message, outcome, options);
  if (stream.pendingAcks.push(ack(message, outcome, options.self)) > 1) return;
  options.store.durable().then(() => {
    if (!stream.refused) for (const pending of coalesce(stream.pendingAcks.splice(0))) call.write(pending);
  }, (error: unknown) => {
    stream.refused = true;
    options.log(`commit of updates up to ${stream.lastSequence} failed: ${String(error)}`);
    refuseStream(call, status.UNAVAILABLE, 'the branch could not commit the updates');
  });
}

/** The acks worth sending of a committed run: every dead letter (the sender logs each), then the last. */
function coalesce(acks: PropagateAck[]): PropagateAck[] {
  const last = acks.at(-1);
  const kept = acks.filter((entry) => entry.status === AckStatus.ACK_STATUS_DEAD_LETTER && entry !== last);
  return last === undefined ? kept : [...kept, last];
}

function noteOutcome(message: ReplicaMessage, outcome: ReplicaOutcome, options: ReceiverOptions): void {
  if (outcome === 'duplicate' || outcome === 'stale') options.stats.duplicatesSuppressed += 1;
  // A stale update means a redelivery outlived its key: the dedup window is shorter than the outage.
  if (outcome === 'stale') options.log(`update ${message.key} is older than the dedup window; version order refused it`);
  if (outcome === 'dead-letter') options.log(`update ${message.key} went to the dead letters`);
}

function ack(message: ReplicaMessage, outcome: ReplicaOutcome, receiver: string): PropagateAck {
  return { key: message.key, sequence: message.sequence, status: ackStatusOf[outcome], receiver };
}

/**
 * The planted ack-before-apply bug: every update is acked the moment it arrives and applied later,
 * in a batch, from memory. The ack promises what only the apply makes true, so a kill -9 in between
 * loses updates the sender has already dropped from its outbox.
 */
class DeferredApplier {
  private readonly queue: { message: ReplicaMessage; epoch: number }[] = [];
  private timer: Timer | undefined;

  constructor(private readonly options: ReceiverOptions) {}

  accept(call: PropagateCall, message: ReplicaMessage, epoch: number): void {
    call.write({ key: message.key, sequence: message.sequence, status: AckStatus.ACK_STATUS_APPLIED, receiver: this.options.self });
    this.queue.push({ message, epoch });
    this.timer ??= this.options.clock.after(() => this.flush(), bugApplyBatchMs);
  }

  private flush(): void {
    this.timer = undefined;
    for (const { message, epoch } of this.queue.splice(0)) {
      if (epoch !== this.options.epoch()) continue; // a Reset came in between
      try {
        noteOutcome(message, this.options.store.applyReplica(message, this.options.policy, this.options.clock.now()), this.options);
      } catch (error) {
        this.options.log(`apply of ${message.key} failed after its ack: ${String(error)}`);
      }
    }
  }
}
