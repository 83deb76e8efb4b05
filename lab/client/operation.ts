// Issues one planned operation through grpc-js, with a deadline, idempotent retries of the same
// request id, and the mapping of errors through status.ts into ok / fail / info.
import { Metadata } from '@grpc/grpc-js';
import type { ServiceError } from '@grpc/grpc-js';
import type { BranchClient } from '../../proto/index.js';
import type { Clock } from '../systems/index.js';
import type { BranchId } from '../plan/index.js';
import type { PlanOp } from '../plan/index.js';
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
  /** Deadlines and latencies by this clock (the simulator's); by default the process's. */
  clock?: Clock;
}

type Unary<Request, Reply> = (request: Request, metadata: Metadata, options: { deadline: Date }, callback: (error: ServiceError | null, reply: Reply) => void) => unknown;

function call<Request, Reply>(
  method: Unary<Request, Reply>, client: BranchClient, request: Request, metadata: Metadata, deadlineMs: number, clock: Clock | undefined,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const deadline = new Date((clock === undefined ? performance.timeOrigin + performance.now() : clock.now()) + deadlineMs);
    method.call(client, request, metadata, { deadline }, (error, reply) => (error === null ? resolve(reply) : reject(error)));
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
  op: PlanOp, client: BranchClient, metadata: Metadata, deadlineMs: number, clientId: string, clock: Clock | undefined,
): Promise<Record<string, unknown>> {
  switch (op.f) {
    case 'deposit': {
      const reply = await call(client.deposit, client, { clientId, requestId: op.requestId, account: op.account, amount: op.amount }, metadata, deadlineMs, clock);
      return { balance: reply.balance, version: reply.version };
    }
    case 'withdraw': {
      const reply = await call(client.withdraw, client, { clientId, requestId: op.requestId, account: op.account, amount: op.amount }, metadata, deadlineMs, clock);
      return { applied: reply.applied, balance: reply.balance, version: reply.version };
    }
    case 'query': {
      const reply = await call(client.query, client, { clientId, account: op.account }, metadata, deadlineMs, clock);
      return { balance: reply.balance, version: reply.version };
    }
    case 'transfer': {
      const request = { clientId, requestId: op.requestId, fromAccount: op.from, toAccount: op.to, amount: op.amount };
      const reply = await call(client.transfer, client, request, metadata, deadlineMs, clock);
      // The versions say where each account stood, for the session checks; a refused transfer has none.
      return reply.applied ? { applied: true, fromBalance: reply.fromBalance, toBalance: reply.toBalance, fromVersion: reply.fromVersion, toVersion: reply.toVersion } : { applied: false };
    }
  }
}

function isServiceError(error: unknown): error is ServiceError {
  return typeof error === 'object' && error !== null && 'code' in error && typeof (error as { code: unknown }).code === 'number';
}

/**
 * Runs the op, retrying on an indeterminate error through the next branch with the same request id.
 * Once any attempt was indeterminate, a later definite error cannot make the op definite: it is `info`.
 */
export async function perform(op: PlanOp, context: OperationContext): Promise<Completion> {
  const input = inputValue(op);
  const clientId = `${context.runId}/c${op.client}`;
  const { clock } = context;
  const started = clock === undefined ? process.hrtime.bigint() : 0n;
  const startedMs = clock?.monotonicMs() ?? 0;
  const latencyNs = (): number => (clock === undefined ? Number(process.hrtime.bigint() - started) : Math.round((clock.monotonicMs() - startedMs) * 1e6));
  const home = context.branches.indexOf(op.branch);
  let uncertain: string | undefined;
  for (let attemptIndex = 0; attemptIndex <= op.retries; attemptIndex += 1) {
    const branch = context.branches[(home + attemptIndex) % context.branches.length] as BranchId;
    const metadata = new Metadata();
    metadata.set('x-client-id', clientId);
    if ('requestId' in op) metadata.set('x-request-id', op.requestId);
    try {
      const output = await attempt(op, context.clientFor(branch), metadata, context.deadlineMs, clientId, clock);
      return { type: 'ok', value: { ...input, ...output }, latencyNs: latencyNs() };
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
