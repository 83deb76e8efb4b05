// The receiving half of propagation: serves one incoming Propagate stream. After the sender's hello
// it answers with the highest sequence it processed from that origin; then, for each update, it runs
// the dedup check and the apply in one transaction and acks only once that is durable: APPLIED,
// DUPLICATE (seen before, not applied again) or DEAD_LETTER (kept in the dead-letter table).
// Try it: see propagation.test.ts.
import { status } from '@grpc/grpc-js';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { AckStatus } from '../../../proto/gen/bank.js';
import type { NodeStats, PropagateAck, PropagateMessage } from '../../../proto/gen/bank.js';
import type { BugName } from '../config.js';
import type { ReplicaOutcome, ReplicaPolicy, Store } from '../store.js';

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
  /** Wall-clock milliseconds: dedup keys age by it, across restarts. */
  now: () => number;
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
export function refuseStream(call: PropagateCall, code: status, details: string): void {
  call.emit('error', { code, details });
}

interface StreamState {
  origin: string;
  /** The last sequence seen on this stream: a sender writes in order, so anything else is a bug. */
  lastSequence: number;
  refused: boolean;
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
      stream = { origin: message.origin, lastSequence: 0, refused: false };
      return void call.write({ key: 'hello', sequence: options.store.appliedSequence(stream.origin), status: AckStatus.ACK_STATUS_APPLIED, receiver: options.self });
    }
    if (message.hello || message.sequence <= stream.lastSequence) {
      // Reads and writes of one stream never reorder a key's updates; if they ever did, stop here
      // rather than apply out of order. The sender reconnects and resends from its cursor.
      stream.refused = true;
      options.log(`stream from ${stream.origin} sent ${message.key} after sequence ${stream.lastSequence}: refused`);
      return refuseStream(call, status.INTERNAL, `update ${message.sequence} came after ${stream.lastSequence} on one stream`);
    }
    stream.lastSequence = message.sequence;
    const replica = { ...message, origin: stream.origin };
    if (deferred !== undefined) return deferred.accept(call, replica);
    return receiveUpdate(call, stream, replica, options);
  });
  call.on('end', () => call.end());
  call.on('error', () => undefined); // a cancelled or broken stream: the sender reconnects
}

function receiveUpdate(call: PropagateCall, stream: StreamState, message: PropagateMessage, options: ReceiverOptions): void {
  let outcome: ReplicaOutcome;
  try {
    outcome = options.store.applyReplica(message, options.policy, options.now());
  } catch (error) {
    // The store is closing or broken: no ack, so the sender resends after it reconnects.
    stream.refused = true;
    options.log(`apply of ${message.key} failed: ${String(error)}`);
    return refuseStream(call, status.UNAVAILABLE, 'the branch could not apply the update');
  }
  noteOutcome(message, outcome, options);
  call.write(ack(message, outcome, options.self));
}

function noteOutcome(message: PropagateMessage, outcome: ReplicaOutcome, options: ReceiverOptions): void {
  if (outcome === 'duplicate' || outcome === 'stale') options.stats.duplicatesSuppressed += 1;
  // A stale update means a redelivery outlived its key: the dedup window is shorter than the outage.
  if (outcome === 'stale') options.log(`update ${message.key} is older than the dedup window; version order refused it`);
  if (outcome === 'dead-letter') options.log(`update ${message.key} went to the dead letters`);
}

function ack(message: PropagateMessage, outcome: ReplicaOutcome, receiver: string): PropagateAck {
  return { key: message.key, sequence: message.sequence, status: ackStatusOf[outcome], receiver };
}

/**
 * The planted ack-before-apply bug: every update is acked the moment it arrives and applied later,
 * in a batch, from memory. The ack promises what only the apply makes true, so a kill -9 in between
 * loses updates the sender has already dropped from its outbox.
 */
class DeferredApplier {
  private readonly queue: PropagateMessage[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ReceiverOptions) {}

  accept(call: PropagateCall, message: PropagateMessage): void {
    call.write({ key: message.key, sequence: message.sequence, status: AckStatus.ACK_STATUS_APPLIED, receiver: this.options.self });
    this.queue.push(message);
    this.timer ??= setTimeout(() => this.flush(), bugApplyBatchMs);
  }

  private flush(): void {
    this.timer = undefined;
    for (const message of this.queue.splice(0)) {
      if (message.epoch !== this.options.epoch()) continue; // a Reset came in between
      try {
        noteOutcome(message, this.options.store.applyReplica(message, this.options.policy, this.options.now()), this.options);
      } catch (error) {
        this.options.log(`apply of ${message.key} failed after its ack: ${String(error)}`);
      }
    }
  }
}
