// Promise-shaped unary calls with a deadline, the branch client and the standard health check.
// Try: `await callUnary(client.query.bind(client), { clientId: 'me', account: 'a1' }, 2_000)`.
import { credentials, makeGenericClientConstructor, Metadata, status } from '@grpc/grpc-js';
import type { CallOptions, ClientUnaryCall, ServiceDefinition, ServiceError } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { BranchClient } from '../../proto/index.js';
import { channelOptions, metadataKeys } from '../../proto/index.js';

export type UnaryMethod<Request, Reply> = (
  request: Request,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, reply: Reply) => void,
) => ClientUnaryCall;

export interface CallIdentity {
  clientId: string;
  requestId?: string | undefined;
}

/**
 * Every call the lab makes has a deadline; a call with none could hang a run forever. The identity,
 * when given, also travels as metadata, where the node's interceptor records it.
 */
export function callUnary<Request, Reply>(
  method: UnaryMethod<Request, Reply>,
  request: Request,
  deadlineMs: number,
  identity?: CallIdentity,
): Promise<Reply> {
  const metadata = new Metadata();
  if (identity !== undefined) metadata.set(metadataKeys.clientId, identity.clientId);
  if (identity?.requestId !== undefined) metadata.set(metadataKeys.requestId, identity.requestId);
  return new Promise((resolve, reject) => {
    const options = { deadline: Date.now() + deadlineMs };
    method(request, metadata, options, (error, reply) => (error === null ? resolve(reply) : reject(error)));
  });
}

export function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === 'number';
}

export function branchClient(address: string): BranchClient {
  return new BranchClient(address, credentials.createInsecure(), channelOptions);
}

interface HealthCheckReply {
  status: string;
}

interface HealthClient {
  check: UnaryMethod<{ service: string }, HealthCheckReply>;
  close(): void;
}

const HealthClientConstructor = makeGenericClientConstructor(healthService as unknown as ServiceDefinition, 'grpc.health.v1.Health');
const healthPollIntervalMs = 50;
const healthCallDeadlineMs = 1_000;

/**
 * Polls grpc.health.v1 Check (the server's overall status) until it says SERVING, within timeoutMs.
 * An aborted signal ends the polling early (the caller saw the process die).
 */
export async function waitForServing(address: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const client = new HealthClientConstructor(address, credentials.createInsecure(), channelOptions) as unknown as HealthClient;
  const started = performance.now();
  let last = 'no answer';
  try {
    while (performance.now() - started < timeoutMs && signal?.aborted !== true) {
      try {
        const reply = await callUnary(client.check.bind(client), { service: '' }, healthCallDeadlineMs);
        if (reply.status === 'SERVING') return;
        last = reply.status;
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
      }
      await sleep(healthPollIntervalMs);
    }
    throw new Error(`${address} did not report SERVING within ${timeoutMs} ms (last: ${last})`);
  } finally {
    client.close();
  }
}

export function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

export interface RetryConstraints {
  attemptsMax: number;
  /** The pause before attempt n+1 is n times this. */
  pauseMs: number;
  /** Told about each retry, e.g. to count them. */
  onRetry?: () => void;
}

/**
 * Repeats a call while the server answers ABORTED, a definite refusal (lock-free gave up on its bounded
 * compare-and-set retries, or a serialization point was unreachable): nothing happened, so asking again
 * under the same idempotency key is safe. Any other error, or the last ABORTED, is thrown.
 */
export async function retryAborted<Reply>(call: () => Promise<Reply>, constraints: RetryConstraints): Promise<Reply> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      if (!isServiceError(error) || error.code !== status.ABORTED || attempt >= constraints.attemptsMax) throw error;
      constraints.onRetry?.();
      await sleep(constraints.pauseMs * attempt);
    }
  }
}
