// The receiving half of log shipping: serves one incoming Propagate stream. After the sender's
// hello it answers with the highest sequence applied from that origin, then applies each update in
// one transaction with its dedup record and acks it once it is durable.
// Try it: see propagation.test.ts.
import { status } from '@grpc/grpc-js';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { AckStatus } from '../../../proto/gen/bank.js';
import type { NodeStats, PropagateAck, PropagateMessage } from '../../../proto/gen/bank.js';
import type { BugName } from '../config.js';
import type { ReplicaOutcome, ReplicaPolicy, Store } from '../store.js';

export interface ReceiverOptions {
  self: string;
  peers: ReadonlySet<string>;
  store: Store;
  policy: ReplicaPolicy;
  bug: BugName | undefined;
  epoch: () => number;
  stats: NodeStats;
  log: (line: string) => void;
}

export type PropagateCall = ServerDuplexStream<PropagateMessage, PropagateAck>;

const ackStatusOf: Record<ReplicaOutcome, AckStatus> = {
  applied: AckStatus.ACK_STATUS_APPLIED,
  duplicate: AckStatus.ACK_STATUS_DUPLICATE,
  'dead-letter': AckStatus.ACK_STATUS_DEAD_LETTER,
};

/** Ends an incoming stream with a status the sender reads (FAILED_PRECONDITION: wrong epoch). */
export function refuseStream(call: PropagateCall, code: status, details: string): void {
  call.emit('error', { code, details });
}

export function receivePropagation(call: PropagateCall, options: ReceiverOptions): void {
  let origin: string | undefined;
  call.on('data', (message: PropagateMessage) => {
    if (message.epoch !== options.epoch()) {
      return refuseStream(call, status.FAILED_PRECONDITION, `epoch ${message.epoch} is not this branch's epoch ${options.epoch()}`);
    }
    if (origin === undefined) {
      if (!message.hello || !options.peers.has(message.origin)) {
        return refuseStream(call, status.FAILED_PRECONDITION, `a stream must open with a hello from a known peer, got '${message.origin}'`);
      }
      origin = message.origin;
      return void call.write({ key: 'hello', sequence: options.store.appliedSequence(origin), status: AckStatus.ACK_STATUS_APPLIED, receiver: options.self });
    }
    return receiveUpdate(call, { ...message, origin }, options);
  });
  call.on('end', () => call.end());
  call.on('error', () => undefined); // a cancelled or broken stream: the sender reconnects
}

function receiveUpdate(call: PropagateCall, message: PropagateMessage, options: ReceiverOptions): void {
  const apply = (): ReplicaOutcome => options.store.applyReplica(message, options.policy);
  if (options.bug === 'ack-before-apply') {
    // The planted bug: the ack promises durability before the apply, so a crash in between loses
    // an update the sender will never resend.
    call.write(ack(message, 'applied', options.self));
    setImmediate(() => {
      if (message.epoch !== options.epoch()) return; // a Reset came in between
      try {
        apply();
      } catch (error) {
        options.log(`apply of ${message.key} failed after its ack: ${String(error)}`);
      }
    });
    return;
  }
  let outcome: ReplicaOutcome;
  try {
    outcome = apply();
  } catch (error) {
    // The store is closing or broken: no ack, so the sender resends after it reconnects.
    options.log(`apply of ${message.key} failed: ${String(error)}`);
    return refuseStream(call, status.UNAVAILABLE, 'the branch could not apply the update');
  }
  if (outcome === 'duplicate') options.stats.duplicatesSuppressed += 1;
  if (outcome === 'dead-letter') options.log(`update ${message.key} went to the dead letters`);
  call.write(ack(message, outcome, options.self));
}

function ack(message: PropagateMessage, outcome: ReplicaOutcome, receiver: string): PropagateAck {
  return { key: message.key, sequence: message.sequence, status: ackStatusOf[outcome], receiver };
}
