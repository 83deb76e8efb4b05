// A serialization point on another branch, reached over gRPC: the same interface as the local
// Sequencer, so a strategy does not care where its sequencer runs. Every call has a deadline and
// carries the caller's ids and epoch. The lease calls are unary, with them as metadata; Read and
// CompareAndSet, lock-free's hot path, go in batches on the Point stream (point-stream.ts).
// Try it: `await new RemotePoint(client, 'b2').read({ requestId: '', accounts: ['a1'] }, context)`.
import { Metadata } from '@grpc/grpc-js';
import type { CallOptions, ClientUnaryCall, ServiceError } from '@grpc/grpc-js';
import type {
  AcquireReply, AcquireRequest, CommitReply, CommitRequest, CompareAndSetReply, CompareAndSetRequest,
  NodeStats, ReadReply, ReadRequest, ReleaseReply, ReleaseRequest,
} from '../../../proto/index.js';
import { metadataKeys } from '../../../proto/index.js';
import type { Clock } from '../index.js';
import { outgoingDeadline } from './deadline.js';
import { PointStream } from './point-stream.js';
import type { BranchStub } from './runtime.js';
import type { PointContext, SerializationPoint } from './sequencer.js';

type UnaryMethod<Request, Reply> = (
  request: Request, metadata: Metadata, options: Partial<CallOptions>,
  callback: (error: ServiceError | null, reply: Reply) => void,
) => ClientUnaryCall;

export class RemotePoint implements SerializationPoint {
  private readonly stream: PointStream;

  constructor(
    private readonly client: BranchStub, private readonly self: string, private readonly stats: NodeStats,
    private readonly clock: Clock,
  ) {
    this.stream = new PointStream(client, self, stats, clock);
  }

  /** Ends the Point stream; the channel is the caller's to close. */
  close(): void {
    this.stream.close();
  }

  acquire(request: AcquireRequest, context: PointContext): Promise<AcquireReply> {
    return this.call(this.client.acquire, request, context, request.requestId);
  }

  commit(request: CommitRequest, context: PointContext): Promise<CommitReply> {
    return this.call(this.client.commit, request, context, request.requestId);
  }

  release(request: ReleaseRequest, context: PointContext): Promise<ReleaseReply> {
    return this.call(this.client.release, request, context, '');
  }

  read(request: ReadRequest, context: PointContext): Promise<ReadReply> {
    return this.stream.read(request, context);
  }

  compareAndSet(request: CompareAndSetRequest, context: PointContext): Promise<CompareAndSetReply> {
    return this.stream.compareAndSet(request, context);
  }

  private call<Request, Reply>(
    method: UnaryMethod<Request, Reply>, request: Request, context: PointContext, requestId: string,
  ): Promise<Reply> {
    const metadata = new Metadata();
    metadata.set(metadataKeys.clientId, `${this.self}/${context.clientId}`);
    if (requestId !== '') metadata.set(metadataKeys.requestId, requestId);
    if (context.epoch !== undefined) metadata.set(metadataKeys.epoch, String(context.epoch));
    // waitForReady: a channel still connecting (a peer that just started, a link that just healed)
    // holds the call until the deadline instead of failing it at once.
    metadata.setOptions({ waitForReady: true });
    const options: Partial<CallOptions> = { deadline: outgoingDeadline(this.clock, context.deadline) };
    this.stats.pointCalls += 1;
    return new Promise<Reply>((resolve, reject) => {
      const pending = method.call(this.client, request, metadata, options, (error, reply) => {
        context.signal?.removeEventListener('abort', cancel);
        if (error !== null) return reject(error);
        return resolve(reply);
      });
      const cancel = (): void => pending.cancel();
      context.signal?.addEventListener('abort', cancel, { once: true });
    });
  }
}
