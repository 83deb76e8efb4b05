// Issues one planned operation through grpc-js, with a deadline, idempotent retries of the same
// request id, and the mapping of errors through status.ts into ok / fail / info.
import { Metadata, status } from '@grpc/grpc-js';
import type { ServiceError } from '@grpc/grpc-js';
import type { BranchClient, WatchReply, WatchRequest } from '../../proto/index.js';
import type { Clock } from '../systems/index.js';
import type { BranchId } from '../plan/index.js';
import type { PlanOp } from '../plan/index.js';
import type { ClientSessions } from './session.js';
import { pollTriesMax } from './session.js';
import { outcomeOf, statusName } from './status.js';

export interface Completion {
  type: 'ok' | 'fail' | 'info';
  /** The op's input fields plus, when ok, its outputs. */
  value: Record<string, unknown>;
  error?: string;
  latencyNs: number;
}

export interface OperationContext {
  clientFor(branch: BranchId): BranchClient;
  branches: readonly BranchId[];
  deadlineMs: number;
  runId: string;
  /** Deadlines and latencies by this clock: the simulator's, or the process's in real mode. */
  clock: Clock;
  /** The clients' sessions, where the strategy asks for min_version or conditional writes. */
  sessions?: ClientSessions;
  /** Resend to the branch that first took the request (crdt deduplicates only there), not the next one. */
  retrySameBranch?: boolean;
}

/** What a session adds to a request: min_version on a query, expected versions on a write. */
interface SessionFields {
  minVersion?: number;
  refuseIfBehind?: boolean;
  /** Read by Watch (push) instead of Query. */
  push?: boolean;
  expected?: Record<string, number>;
}

type Unary<Request, Reply> = (request: Request, metadata: Metadata, options: { deadline: Date }, callback: (error: ServiceError | null, reply: Reply) => void) => unknown;

function call<Request, Reply>(
  method: Unary<Request, Reply>, client: BranchClient, request: Request, metadata: Metadata, deadlineMs: number, clock: Clock,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const deadline = new Date(clock.now() + deadlineMs);
    method.call(client, request, metadata, { deadline }, (error, reply) => (error === null ? resolve(reply) : reject(error)));
  });
}

/** Push: opens Watch and answers with the first state the branch sends, then cancels the stream. */
function watchOnce(
  client: BranchClient, request: WatchRequest, metadata: Metadata, deadlineMs: number, clock: Clock,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const deadline = new Date(clock.now() + deadlineMs);
    const stream = client.watch(request, metadata, { deadline });
    let settled = false;
    stream.on('data', (reply: WatchReply) => {
      if (settled) return;
      settled = true;
      resolve({ balance: reply.balance, version: reply.version });
      stream.cancel();
    });
    stream.on('error', (error: unknown) => {
      if (settled) return;
      settled = true;
      reject(error);
    });
    stream.on('end', () => {
      if (settled) return;
      settled = true;
      reject(Object.assign(new Error('Watch ended without a state'), { code: status.UNAVAILABLE, details: 'Watch ended without a state' }));
    });
  });
}

/** The value an invoke records: the op's inputs, including its idempotency key. */
export function inputValue(op: PlanOp): Record<string, unknown> {
  switch (op.f) {
    case 'query':
      return { account: op.account };
    case 'transfer':
      return { from: op.from, to: op.to, amount: op.amount, requestId: op.requestId };
    default:
      return { account: op.account, amount: op.amount, requestId: op.requestId };
  }
}

async function attempt(
  op: PlanOp, client: BranchClient, metadata: Metadata, deadlineMs: number, clientId: string, clock: Clock, fields: SessionFields,
): Promise<Record<string, unknown>> {
  const expected = (account: string): { expectedVersion?: number } => {
    const version = fields.expected?.[account];
    return version === undefined ? {} : { expectedVersion: version };
  };
  switch (op.f) {
    case 'deposit': {
      const request = { clientId, requestId: op.requestId, account: op.account, amount: op.amount, ...expected(op.account) };
      const reply = await call(client.deposit, client, request, metadata, deadlineMs, clock);
      return { balance: reply.balance, version: reply.version };
    }
    case 'withdraw': {
      const request = { clientId, requestId: op.requestId, account: op.account, amount: op.amount, ...expected(op.account) };
      const reply = await call(client.withdraw, client, request, metadata, deadlineMs, clock);
      return { applied: reply.applied, balance: reply.balance, version: reply.version };
    }
    case 'query': {
      if (fields.push === true) return watchOnce(client, { clientId, account: op.account, minVersion: fields.minVersion ?? 0 }, metadata, deadlineMs, clock);
      const session = fields.minVersion === undefined ? {} : { minVersion: fields.minVersion, refuseIfBehind: fields.refuseIfBehind === true };
      const reply = await call(client.query, client, { clientId, account: op.account, ...session }, metadata, deadlineMs, clock);
      return { balance: reply.balance, version: reply.version };
    }
    case 'transfer': {
      const from = expected(op.from).expectedVersion;
      const to = expected(op.to).expectedVersion;
      const request = {
        clientId, requestId: op.requestId, fromAccount: op.from, toAccount: op.to, amount: op.amount,
        ...(from === undefined ? {} : { expectedFromVersion: from }), ...(to === undefined ? {} : { expectedToVersion: to }),
      };
      const reply = await call(client.transfer, client, request, metadata, deadlineMs, clock);
      // The versions say where each account stood, for the session checks; a refused transfer has none.
      return reply.applied ? { applied: true, fromBalance: reply.fromBalance, toBalance: reply.toBalance, fromVersion: reply.fromVersion, toVersion: reply.toVersion } : { applied: false };
    }
  }
}

function isServiceError(error: unknown): error is ServiceError {
  return typeof error === 'object' && error !== null && 'code' in error && typeof (error as { code: unknown }).code === 'number';
}

/** The session's fields for this op: what it last saw of the op's accounts, as the strategy asks. */
function sessionFields(op: PlanOp, sessions: ClientSessions | undefined): SessionFields {
  if (sessions === undefined) return {};
  const { policy } = sessions;
  if (op.f === 'query') {
    const minVersion = policy.minVersion === 'none' ? undefined : sessions.versionOf(op.client, op.account);
    if (policy.minVersion === 'push') return { minVersion: minVersion ?? 0, push: true };
    return minVersion === undefined ? {} : { minVersion, refuseIfBehind: policy.minVersion === 'poll' };
  }
  if (!policy.conditionalWrites) return {};
  const expected: Record<string, number> = {};
  for (const account of op.f === 'transfer' ? [op.from, op.to] : [op.account]) {
    const version = sessions.versionOf(op.client, account);
    if (version !== undefined) expected[account] = version;
  }
  return { expected };
}

/** Remembers the versions an ok reply carried in the client's session. */
function remember(op: PlanOp, output: Record<string, unknown>, sessions: ClientSessions | undefined): void {
  if (sessions === undefined) return;
  const note = (account: string, version: unknown): void => {
    if (typeof version === 'number') sessions.saw(op.client, account, version);
  };
  if (op.f === 'transfer') {
    note(op.from, output.fromVersion);
    note(op.to, output.toVersion);
  } else {
    note(op.account, output.version);
  }
}

/**
 * One attempt at one branch; a poller's query that the branch refused as behind (FAILED_PRECONDITION)
 * is asked again there after a seeded, jittered exponential backoff, at most pollTriesMax times in all
 * and never past the op's deadline. `polls` counts the calls made.
 */
async function attemptPolling(
  op: PlanOp, client: BranchClient, metadata: Metadata, clientId: string, context: OperationContext, fields: SessionFields,
): Promise<{ output: Record<string, unknown>; polls: number }> {
  const { clock } = context;
  const started = clock.monotonicMs();
  for (let tries = 1; ; tries += 1) {
    const leftMs = context.deadlineMs - (clock.monotonicMs() - started);
    try {
      return { output: await attempt(op, client, metadata, leftMs, clientId, context.clock, fields), polls: tries };
    } catch (error) {
      if (!fields.refuseIfBehind || !isServiceError(error) || error.code !== status.FAILED_PRECONDITION || tries >= pollTriesMax) throw error;
      const pause = context.sessions?.backoffMs(op.client, tries - 1) ?? 0;
      if (pause >= context.deadlineMs - (clock.monotonicMs() - started)) throw error;
      await clock.sleep(pause);
    }
  }
}

/**
 * Runs the op, retrying on an indeterminate error through the next branch with the same request id.
 * Once any attempt was indeterminate, a later definite error cannot make the op definite: it is `info`.
 */
export async function perform(op: PlanOp, context: OperationContext): Promise<Completion> {
  const { clock, sessions } = context;
  const fields = sessionFields(op, sessions);
  const input = { ...inputValue(op), ...sessionInput(fields) };
  const clientId = `${context.runId}/c${op.client}`;
  const started = clock === undefined ? process.hrtime.bigint() : 0n;
  const startedMs = clock?.monotonicMs() ?? 0;
  const latencyNs = (): number => (clock === undefined ? Number(process.hrtime.bigint() - started) : Math.round((clock.monotonicMs() - startedMs) * 1e6));
  const home = context.branches.indexOf(op.branch);
  let uncertain: string | undefined;
  for (let attemptIndex = 0; attemptIndex <= op.retries; attemptIndex += 1) {
    const branch = context.retrySameBranch === true ? op.branch : context.branches[(home + attemptIndex) % context.branches.length] as BranchId;
    const metadata = new Metadata();
    metadata.set('x-client-id', clientId);
    if ('requestId' in op) metadata.set('x-request-id', op.requestId);
    try {
      const { output, polls } = await attemptPolling(op, context.clientFor(branch), metadata, clientId, context, fields);
      remember(op, output, sessions);
      // The poller's extra calls are part of what the read cost: the history says how many it took.
      return { type: 'ok', value: { ...input, ...output, ...(polls > 1 ? { polls } : {}) }, latencyNs: latencyNs() };
    } catch (error) {
      if (!isServiceError(error)) throw error;
      const reason = `${statusName(error.code)}: ${error.details}`;
      if (outcomeOf(error.code) === 'fail' && uncertain === undefined) {
        return { type: 'fail', value: input, error: reason, latencyNs: latencyNs() };
      }
      uncertain = reason;
      if (op.f === 'query' && outcomeOf(error.code) === 'fail') break;
    }
  }
  // A query changes nothing, so an unanswered one is simply a failed read.
  if (op.f === 'query') return { type: 'fail', value: input, error: uncertain ?? 'no answer', latencyNs: latencyNs() };
  return { type: 'info', value: input, error: uncertain ?? 'no answer', latencyNs: latencyNs() };
}

/** What the session sent, in the history: `minVersion` on a query, `expected` versions on a write. */
function sessionInput(fields: SessionFields): Record<string, unknown> {
  if (fields.minVersion !== undefined) return { minVersion: fields.minVersion };
  if (fields.expected !== undefined && Object.keys(fields.expected).length > 0) return { expected: fields.expected };
  return {};
}
