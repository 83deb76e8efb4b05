// A branch's Read and CompareAndSet calls to the serialization point on another branch, carried as
// batches on one long-lived Point stream instead of a unary call each. A unary call costs a new
// HTTP/2 stream, headers and trailers on both sides; a message on an open stream costs a frame. What
// a branch asks in one turn of its event loop goes in one message; the point answers a batch once
// its decisions are committed, in one message. Every call keeps its own deadline, cancellation and
// status, as a unary call would have had. Try it: `await new PointStream(client, 'b2', stats).read(request, context)`.
import { Metadata, status } from '@grpc/grpc-js';
import type { ClientDuplexStream, ServerDuplexStream, StatusObject } from '@grpc/grpc-js';
import type {
  CompareAndSetReply, CompareAndSetRequest, NodeStats, PointAnswer, PointAnswers, PointCall, PointCalls,
  ReadReply, ReadRequest,
} from '../../../proto/index.js';
import { metadataKeys } from '../../../proto/index.js';
import type { Clock, Timer } from '../index.js';
import { operationMsDefault, outgoingDeadline } from './deadline.js';
import { statusError, StatusError, toStatus } from './errors.js';
import type { Refusal } from './errors.js';
import type { BranchStub } from './runtime.js';
import type { PointContext, SerializationPoint } from './sequencer.js';
import type { Store } from './store.js';

type PointStreamCall = ClientDuplexStream<PointCalls, PointAnswers>;
export type IncomingPointStream = ServerDuplexStream<PointCalls, PointAnswers>;

interface Pending {
  resolve: (answer: PointAnswer) => void;
  reject: (error: StatusError) => void;
  timer: Timer;
  signal: AbortSignal | undefined;
  abort: () => void;
  /** The stream it was written on; undefined while it waits for the end of the turn. */
  sentOn: PointStreamCall | undefined;
}

type Body = Pick<PointCall, 'read' | 'compareAndSet'>;

/** The calling side: one per remote serialization point. */
export class PointStream {
  private call: PointStreamCall | undefined;
  private readonly pending = new Map<number, Pending>();
  private queued: PointCall[] = [];
  private flushScheduled = false;
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly client: BranchStub, private readonly self: string, private readonly stats: NodeStats,
    private readonly clock: Clock,
  ) {}

  async read(request: ReadRequest, context: PointContext): Promise<ReadReply> {
    const answer = await this.ask({ read: request }, context);
    if (answer.read === undefined) throw statusError(status.INTERNAL, 'the point answered a read without a read reply');
    return answer.read;
  }

  async compareAndSet(request: CompareAndSetRequest, context: PointContext): Promise<CompareAndSetReply> {
    const answer = await this.ask({ compareAndSet: request }, context);
    if (answer.compareAndSet === undefined) throw statusError(status.INTERNAL, 'the point answered a compare-and-set without its reply');
    return answer.compareAndSet;
  }

  /** Ends the stream; every call still waiting fails as a broken connection would fail it. */
  close(): void {
    this.closed = true;
    this.call?.cancel();
    this.call = undefined;
    for (const id of [...this.pending.keys()]) this.settle(id, statusError(status.UNAVAILABLE, 'the branch is stopping'));
  }

  private ask(body: Body, context: PointContext): Promise<PointAnswer> {
    if (this.closed) return Promise.reject(statusError(status.UNAVAILABLE, 'the branch is stopping'));
    this.stats.pointCalls += 1;
    const id = this.nextId;
    this.nextId += 1;
    const deadline = outgoingDeadline(this.clock, context.deadline);
    return new Promise<PointAnswer>((resolve, reject) => {
      const timer = this.clock.after(() => this.settle(id, statusError(status.DEADLINE_EXCEEDED, 'no answer from the serialization point by the deadline')),
        Math.max(0, deadline - this.clock.now()));
      const abort = (): void => this.settle(id, statusError(status.CANCELLED, 'the caller cancelled'));
      context.signal?.addEventListener('abort', abort, { once: true });
      this.pending.set(id, { resolve, reject, timer, signal: context.signal, abort, sentOn: undefined });
      this.queued.push({
        id, clientId: `${this.self}/${context.clientId}`, hasEpoch: context.epoch !== undefined, epoch: context.epoch ?? 0,
        deadlineMs: deadline, ...body,
      });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        this.clock.afterTurn(() => this.flush());
      }
    });
  }

  /** Writes what was asked in this turn as one message. */
  private flush(): void {
    this.flushScheduled = false;
    const calls = this.queued.splice(0).filter((entry) => this.pending.has(entry.id));
    if (calls.length === 0 || this.closed) return;
    const call = this.open();
    for (const entry of calls) {
      const waiting = this.pending.get(entry.id);
      if (waiting !== undefined) waiting.sentOn = call;
    }
    call.write({ calls });
  }

  private open(): PointStreamCall {
    if (this.call !== undefined) return this.call;
    const metadata = new Metadata();
    metadata.set(metadataKeys.clientId, this.self);
    // As the unary calls it replaces: a channel still connecting holds the stream, not fails it.
    metadata.setOptions({ waitForReady: true });
    const call = this.client.point(metadata);
    call.on('data', (batch: PointAnswers) => {
      for (const answer of batch.answers) this.answer(answer);
    });
    call.on('error', () => undefined); // the status event says what happened
    call.on('status', (outcome: StatusObject) => this.ended(call, outcome));
    this.call = call;
    return call;
  }

  private answer(answer: PointAnswer): void {
    if (answer.code === status.OK) {
      const waiting = this.pending.get(answer.id);
      if (waiting === undefined) return; // it gave up already
      this.forget(answer.id, waiting);
      waiting.resolve(answer);
      return;
    }
    const refusal: Refusal | undefined = answer.refusal === 'outbox-full' ? answer.refusal : undefined;
    this.settle(answer.id, statusError(answer.code, answer.details, refusal));
  }

  /** The stream is over: its calls fail with its status; the next call opens a new stream. */
  private ended(call: PointStreamCall, outcome: StatusObject): void {
    if (this.call === call) this.call = undefined;
    const code = outcome.code === status.OK ? status.UNAVAILABLE : outcome.code;
    const details = `the point stream ended (${status[outcome.code] ?? outcome.code}: ${outcome.details})`;
    for (const [id, waiting] of [...this.pending]) {
      if (waiting.sentOn === call) this.settle(id, statusError(code, details));
    }
  }

  private settle(id: number, error: StatusError): void {
    const waiting = this.pending.get(id);
    if (waiting === undefined) return;
    this.forget(id, waiting);
    waiting.reject(error);
  }

  private forget(id: number, waiting: Pending): void {
    this.pending.delete(id);
    this.clock.cancel(waiting.timer);
    waiting.signal?.removeEventListener('abort', waiting.abort);
  }
}

/**
 * The answering side, at the serialization point: each batch's calls run in order, and the batch is
 * answered once the store committed what they decided (or each call fails if that commit failed).
 */
export function servePointStream(call: IncomingPointStream, point: SerializationPoint, store: Store, clock: Clock): void {
  let open = true;
  call.on('data', (batch: PointCalls) => {
    void Promise.all(batch.calls.map((entry) => answerCall(point, entry, clock))).then(async (answers) => {
      const committed = await store.durable().then(() => true, () => false);
      const sent = committed ? answers : answers.map((answer) => ({
        id: answer.id, code: status.UNAVAILABLE, details: 'the point could not commit its decisions', refusal: '',
      }));
      if (open) call.write({ answers: sent });
    });
  });
  const close = (): void => {
    open = false;
  };
  call.on('cancelled', close);
  call.on('error', close);
  call.on('end', () => {
    close();
    call.end();
  });
}

async function answerCall(point: SerializationPoint, entry: PointCall, clock: Clock): Promise<PointAnswer> {
  const context: PointContext = {
    deadline: entry.deadlineMs > 0 ? entry.deadlineMs : clock.now() + operationMsDefault,
    clientId: entry.clientId, epoch: entry.hasEpoch ? entry.epoch : undefined,
  };
  const ok = { id: entry.id, code: status.OK, details: '', refusal: '' };
  try {
    if (entry.read !== undefined) return { ...ok, read: await point.read(entry.read, context) };
    if (entry.compareAndSet !== undefined) return { ...ok, compareAndSet: await point.compareAndSet(entry.compareAndSet, context) };
    return { ...ok, code: status.INVALID_ARGUMENT, details: 'a point call needs a read or a compare_and_set' };
  } catch (error) {
    const outcome = toStatus(error);
    return { ...ok, code: outcome.code, details: outcome.details, refusal: error instanceof StatusError ? error.refusal ?? '' : '' };
  }
}
