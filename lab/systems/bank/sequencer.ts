// The serialization point of the bank's accounts: it grants leases (lock), answers reads and
// compare-and-sets (lock-free), and is the one place a decision becomes durable and is remembered
// for its request id. Try it: `serializationPoint('a1', ['b2', 'b1', 'b3'])` is 'b1'.
import { status } from '@grpc/grpc-js';
import type {
  AccountState, AcquireReply, AcquireRequest, CommitReply, CommitRequest, CompareAndSetReply,
  CompareAndSetRequest, NodeStats, ReadReply, ReadRequest, ReleaseReply, ReleaseRequest,
} from '../../../proto/index.js';
import type { BugName } from './config.js';
import { updateProblem } from './decide.js';
import { deadlineMarginMs } from './deadline.js';
import { statusError } from './errors.js';
import type { LeaseTable } from './leases.js';
import type { Replication } from './propagation/replication.js';
import type { AccountRecord, Store } from './store.js';

// The bank's one serialization point per account is declared with the topology (lab/plan), where the
// plan generator reads it too: the read-after-write workload aims its partitions at it.
export { serializationPoint } from '../../plan/index.js';

/** What travels with a call to a serialization point, whether it crosses the network or not. */
export interface PointContext {
  /** Epoch milliseconds by which the answer must be back. */
  deadline: number;
  clientId: string;
  /** The caller's epoch, when it said; a point refuses calls of another epoch. */
  epoch: number | undefined;
  signal?: AbortSignal;
}

export interface SerializationPoint {
  acquire(request: AcquireRequest, context: PointContext): Promise<AcquireReply>;
  commit(request: CommitRequest, context: PointContext): Promise<CommitReply>;
  release(request: ReleaseRequest, context: PointContext): Promise<ReleaseReply>;
  read(request: ReadRequest, context: PointContext): Promise<ReadReply>;
  compareAndSet(request: CompareAndSetRequest, context: PointContext): Promise<CompareAndSetReply>;
}

export interface OutboxLimits {
  rowsMax: number;
  bytesMax: number;
}

export interface SequencerOptions {
  self: string;
  store: Store;
  leases: LeaseTable;
  replication: Replication;
  stats: NodeStats;
  bug: BugName | undefined;
  outbox: OutboxLimits;
}

export class Sequencer implements SerializationPoint {
  constructor(private readonly options: SequencerOptions) {}

  async acquire(request: AcquireRequest, context: PointContext): Promise<AcquireReply> {
    this.checkEpoch(context);
    this.states(request.accounts);
    const grant = await this.options.leases.acquire(request.accounts, request.leaseMs, context.deadline - deadlineMarginMs, context.signal);
    if (grant.waited) {
      this.options.stats.lockWaits += 1;
      this.options.stats.lockWaitMs += grant.waitedMs;
    }
    // Checked under the lease: a retry that queued behind its own first attempt sees its decision.
    const previousReply = this.previousReply(request.requestId);
    if (previousReply !== '') {
      this.options.leases.release(grant.token);
      return { token: 0, accounts: [], previousReply, waitedMs: grant.waitedMs };
    }
    try {
      this.admit();
    } catch (error) {
      this.options.leases.release(grant.token);
      throw error;
    }
    return { token: grant.token, accounts: this.states(request.accounts), previousReply: '', waitedMs: grant.waitedMs };
  }

  async commit(request: CommitRequest, context: PointContext): Promise<CommitReply> {
    this.checkEpoch(context);
    const accounts = request.updates.map((update) => update.account);
    if (!this.options.leases.holds(request.token, accounts)) {
      throw statusError(status.FAILED_PRECONDITION, `lease ${request.token} is not live on ${accounts.join(',') || 'its accounts'}`);
    }
    const sequence = this.decide(request.requestId, request.updates, request.reply);
    if (!request.waitForReplicas || sequence === 0) {
      return { committed: true, replicasAcked: this.options.replication.peerCount };
    }
    const replicasAcked = await this.options.replication.acknowledged(sequence, context.deadline - deadlineMarginMs);
    return { committed: true, replicasAcked };
  }

  async release(request: ReleaseRequest): Promise<ReleaseReply> {
    return { released: this.options.leases.release(request.token) };
  }

  async read(request: ReadRequest, context: PointContext): Promise<ReadReply> {
    this.checkEpoch(context);
    const previousReply = this.previousReply(request.requestId);
    if (previousReply !== '') return { accounts: [], previousReply };
    // A read with a request id is the first step of a customer's operation; a query has none.
    if (request.requestId !== '') this.admit();
    return { accounts: this.states(request.accounts), previousReply: '' };
  }

  async compareAndSet(request: CompareAndSetRequest, context: PointContext): Promise<CompareAndSetReply> {
    this.checkEpoch(context);
    // From here to the commit nothing awaits: the check and the write are one step of the event
    // loop, and the store makes the write one transaction.
    const previousReply = this.previousReply(request.requestId);
    if (previousReply !== '') return { swapped: false, current: [], previousReply };
    const current = this.states(request.expected.map((state) => state.account));
    const moved = request.expected.some((expected, index) => current[index]?.version !== expected.version);
    if (moved) return { swapped: false, current, previousReply: '' };
    this.decide(request.requestId, request.updates, request.reply);
    return { swapped: true, current: [], previousReply: '' };
  }

  /** Applies, remembers and logs a decision; returns its log sequence (0 for a refusal). */
  private decide(requestId: string, updates: CommitRequest['updates'], reply: string): number {
    for (const update of updates) {
      const problem = updateProblem(update, this.options.store.account(update.account));
      if (problem !== undefined) throw statusError(status.FAILED_PRECONDITION, problem);
    }
    if (updates.length > 0) this.admit();
    const sequence = this.options.store.commit(this.options.self, requestId, updates, reply);
    if (sequence > 0) this.options.replication.notify();
    return sequence;
  }

  /**
   * Backpressure: while the outbox (log rows some peer has not acked) is at its cap in rows or bytes,
   * a new operation is refused, definitely, instead of being accepted with nowhere durable to wait.
   * Called only for operations not yet decided, so a retry of a decided one still gets its reply.
   */
  private admit(): void {
    const usage = this.options.store.outboxUsage();
    const { rowsMax, bytesMax } = this.options.outbox;
    if (usage.rows < rowsMax && usage.bytes < bytesMax) return;
    throw statusError(status.RESOURCE_EXHAUSTED,
      `the outbox is full (${usage.rows} of ${rowsMax} rows, ${usage.bytes} of ${bytesMax} bytes wait for a peer's ack); try again later`,
      'outbox-full');
  }

  private previousReply(requestId: string): string {
    // The planted no-dedup bug: every retry is decided again as if it were new.
    if (requestId === '' || this.options.bug === 'no-dedup') return '';
    const reply = this.options.store.reply(requestId);
    if (reply !== undefined) this.options.stats.duplicatesSuppressed += 1;
    return reply ?? '';
  }

  private states(accounts: readonly string[]): AccountState[] {
    return accounts.map((account) => {
      const state: AccountRecord | undefined = this.options.store.account(account);
      if (state === undefined) throw statusError(status.NOT_FOUND, `no account ${account}`);
      return state;
    });
  }

  private checkEpoch(context: PointContext): void {
    const epoch = this.options.store.epoch();
    if (context.epoch !== undefined && context.epoch !== epoch) {
      throw statusError(status.FAILED_PRECONDITION, `caller's epoch ${context.epoch} is not ${epoch}`);
    }
  }
}
