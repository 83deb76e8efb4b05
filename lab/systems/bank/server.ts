// The gRPC face of a branch: the Branch service, grpc.health.v1 and server reflection on one
// grpc-js Server, with the call-recording interceptor. `createBranchServer` returns it unbound, so a
// test can bind it wherever it likes. Try it: `npx faultline node --id b1 --listen 127.0.0.1:0 ...`.
import { Server, status } from '@grpc/grpc-js';
import type { handleBidiStreamingCall, Metadata, sendUnaryData, ServerUnaryCall, ServerWritableStream } from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import type { ReflectionService } from '@grpc/reflection';
import type { HealthImplementation } from 'grpc-health-check';
import { BranchService } from '../../../proto/index.js';
import type {
  AcquireReply, AcquireRequest, BranchServer, CommitReply, CommitRequest, CompareAndSetReply, CompareAndSetRequest,
  DepositReply, DepositRequest, PointAnswers, PointCalls, PropagateAck, PropagateMessage, QueryReply, QueryRequest, ReadReply, ReadRequest,
  ReleaseReply, ReleaseRequest, ResetReply, ResetRequest, RightsReply, RightsRequest, SnapshotReply, SnapshotRequest, TransferReply,
  TransferRequest, WatchReply, WatchRequest, WithdrawReply, WithdrawRequest,
} from '../../../proto/index.js';
import type { Branch } from './branch.js';
import type { Store } from './store.js';
import { metadataKeys, serverOptions } from '../../../proto/index.js';
import type { Clock } from '../index.js';
import { isAccountName } from './config.js';
import type { Operation } from './decide.js';
import { incomingDeadline } from './deadline.js';
import { statusError, toStatus } from './errors.js';
import { CallRecorder, RecentCalls } from './recent-calls.js';
import type { PointContext } from './sequencer.js';
import { watchAccount } from './strategies/reads.js';
import type { OperationContext } from './strategies/types.js';
import { packagePath } from '../../plan/index.js';

export const branchServiceName = 'faultline.bank.v1.Branch';
const bankProtoPath = packagePath('proto', 'bank.proto');

let reflectionDefinition: PackageDefinition | undefined;

/**
 * grpc.health.v1 and reflection, loaded when a server is made, not when this module is: both parse
 * their protos with protobufjs, about a third of a node's start-up, which then comes after the node
 * bound its port and printed it. The simulator, which takes only branchHandlers, never loads them.
 */
async function healthAndReflection(): Promise<{ Health: typeof HealthImplementation; reflection: ReflectionService }> {
  const [health, { ReflectionService }, { loadSync }] = await Promise.all([import('grpc-health-check'), import('@grpc/reflection'), import('@grpc/proto-loader')]);
  // The protos reflection describes, loaded once per process.
  reflectionDefinition ??= loadSync([bankProtoPath, health.protoPath], { keepCase: true, longs: String, enums: String, defaults: true });
  return { Health: health.HealthImplementation, reflection: new ReflectionService(reflectionDefinition) };
}

export interface BranchServerParts {
  server: Server;
  health: HealthImplementation;
  recentCalls: RecentCalls;
}

/** The services on a new Server, or on `server` (one already bound, whose port was needed first). */
export async function createBranchServer(branch: Branch, log: (line: string) => void, server = new Server(serverOptions)): Promise<BranchServerParts> {
  const recentCalls = new RecentCalls();
  server.addService(BranchService, branchHandlers(branch, new CallRecorder(recentCalls, log, branch.runtime.clock)));
  const { Health, reflection } = await healthAndReflection();
  const health = new Health({ '': 'NOT_SERVING', [branchServiceName]: 'NOT_SERVING' });
  health.addToServer(server);
  reflection.addToServer(server);
  return { server, health, recentCalls };
}

/**
 * Runs `work` and calls back exactly once, with its reply or with the status its error maps to, but
 * only once the store committed what the work wrote or read: no caller hears of an uncommitted state.
 */
function answer<Reply>(
  context: AnswerContext, call: ServerUnaryCall<unknown, Reply>, callback: sendUnaryData<Reply>, work: () => Promise<Reply> | Reply,
): void {
  const record = context.recorder.start(call.getPath(), call.metadata);
  const fail = (error: unknown): void => {
    const outcome = toStatus(error);
    context.recorder.finish(record, outcome.code, outcome.details);
    callback(outcome);
  };
  Promise.resolve().then(work).then(
    (reply) => context.store.durable().then(() => {
      context.recorder.finish(record, status.OK, '');
      callback(null, reply);
    }),
    (error: unknown) => context.store.durable().then(() => fail(error)),
  ).catch(fail);
}

interface AnswerContext {
  store: Store;
  recorder: CallRecorder;
}

/**
 * The context of an incoming call, with `signal`, aborted when the caller cancels, made on first use:
 * most calls never wait on anything cancellable, and an AbortController per call is a measurable
 * cost at thousands of calls/s.
 */
class IncomingContext {
  private cancelSignal: AbortSignal | undefined;

  constructor(
    private readonly call: ServerUnaryCall<unknown, unknown>,
    readonly deadline: number,
    readonly clientId: string,
    readonly requestId: string,
    readonly epoch: number | undefined,
  ) {}

  get signal(): AbortSignal {
    if (this.cancelSignal === undefined) {
      const controller = new AbortController();
      if (this.call.cancelled) controller.abort();
      else this.call.once('cancelled', () => controller.abort());
      this.cancelSignal = controller.signal;
    }
    return this.cancelSignal;
  }
}

function operationContext(clock: Clock, call: ServerUnaryCall<unknown, unknown>, clientId: string, requestId: string): OperationContext {
  return new IncomingContext(call, incomingDeadline(clock, call.getDeadline()), clientId, requestId, undefined);
}

function pointContext(clock: Clock, call: ServerUnaryCall<unknown, unknown>): PointContext {
  return new IncomingContext(
    call, incomingDeadline(clock, call.getDeadline()), firstValue(call.metadata, metadataKeys.clientId), '', epochOf(call.metadata),
  );
}

function firstValue(metadata: Metadata, key: string): string {
  const value = metadata.get(key)[0];
  return typeof value === 'string' ? value : '';
}

function epochOf(metadata: Metadata): number | undefined {
  const text = firstValue(metadata, metadataKeys.epoch);
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

function checkAccount(account: string): void {
  if (!isAccountName(account)) throw statusError(status.INVALID_ARGUMENT, `bad account name '${account}'`);
}

function checkAmount(amount: number): void {
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    throw statusError(status.INVALID_ARGUMENT, `amount must be a whole number of cents above zero, got ${amount}`);
  }
}

/** A version a request names (min_version, expected_version): a whole number of at least 0, when given. */
function checkVersion(name: string, version: number | undefined): void {
  if (version !== undefined && (!Number.isSafeInteger(version) || version < 0)) {
    throw statusError(status.INVALID_ARGUMENT, `${name} must be a whole number of at least 0, got ${version}`);
  }
}

function withExpected(operation: Operation, expected: Operation['expected']): Operation {
  return expected === undefined ? operation : { ...operation, expected };
}

function checkRequestId(requestId: string): void {
  if (requestId === '') throw statusError(status.INVALID_ARGUMENT, 'a mutating request needs a request_id');
}

/**
 * The Branch service's handlers: what grpc-js calls in the real mode and the simulator's transport
 * calls with its own call objects, the same code in both.
 */
export function branchHandlers(branch: Branch, recorder: CallRecorder): BranchServer {
  const { strategy, sequencer } = branch;
  const conditional = (account: string, version: number | undefined): Operation['expected'] => (version === undefined ? undefined : [{ account, version }]);
  const { clock } = branch.runtime;
  const context: AnswerContext = { store: branch.store, recorder };

  function execute<Reply>(operation: Operation, context: OperationContext): Promise<Reply> {
    return strategy.execute(operation, context) as Promise<Reply>;
  }

  return {
    deposit: function deposit(call: ServerUnaryCall<DepositRequest, DepositReply>, callback: sendUnaryData<DepositReply>) {
      const { account, amount, clientId, requestId, expectedVersion } = call.request;
      return answer(context, call, callback, () => {
        checkAccount(account); checkAmount(amount); checkRequestId(requestId); checkVersion('expected_version', expectedVersion);
        const operation = withExpected({ kind: 'deposit', account, amount }, conditional(account, expectedVersion));
        return execute<DepositReply>(operation, operationContext(clock, call, clientId, requestId));
      });
    },
    withdraw: function withdraw(call: ServerUnaryCall<WithdrawRequest, WithdrawReply>, callback: sendUnaryData<WithdrawReply>) {
      const { account, amount, clientId, requestId, expectedVersion } = call.request;
      return answer(context, call, callback, () => {
        checkAccount(account); checkAmount(amount); checkRequestId(requestId); checkVersion('expected_version', expectedVersion);
        const operation = withExpected({ kind: 'withdraw', account, amount }, conditional(account, expectedVersion));
        return execute<WithdrawReply>(operation, operationContext(clock, call, clientId, requestId));
      });
    },
    query: function query(call: ServerUnaryCall<QueryRequest, QueryReply>, callback: sendUnaryData<QueryReply>) {
      const { account, clientId, minVersion, refuseIfBehind } = call.request;
      return answer(context, call, callback, async () => {
        checkAccount(account); checkVersion('min_version', minVersion);
        const options = { refuseIfBehind: refuseIfBehind === true, ...(minVersion === undefined ? {} : { minVersion }) };
        const state = await branch.query(account, operationContext(clock, call, clientId, ''), options);
        return { balance: state.balance, version: state.version };
      });
    },
    transfer: function transfer(call: ServerUnaryCall<TransferRequest, TransferReply>, callback: sendUnaryData<TransferReply>) {
      const { fromAccount, toAccount, amount, clientId, requestId, expectedFromVersion, expectedToVersion } = call.request;
      return answer(context, call, callback, () => {
        checkAccount(fromAccount); checkAccount(toAccount); checkAmount(amount); checkRequestId(requestId);
        checkVersion('expected_from_version', expectedFromVersion); checkVersion('expected_to_version', expectedToVersion);
        if (fromAccount === toAccount) throw statusError(status.INVALID_ARGUMENT, 'a transfer needs two different accounts');
        const expected = [...(conditional(fromAccount, expectedFromVersion) ?? []), ...(conditional(toAccount, expectedToVersion) ?? [])];
        const operation = withExpected({ kind: 'transfer', from: fromAccount, to: toAccount, amount }, expected.length > 0 ? expected : undefined);
        return execute<TransferReply>(operation, operationContext(clock, call, clientId, requestId));
      });
    },
    watch: function watch(call: ServerWritableStream<WatchRequest, WatchReply>) {
      const { account, minVersion } = call.request;
      recorder.stream('/faultline.bank.v1.Branch/Watch', call);
      try {
        checkAccount(account); checkVersion('min_version', minVersion);
        if (branch.store.account(account) === undefined) throw statusError(status.NOT_FOUND, `no account ${account}`);
      } catch (error) {
        call.emit('error', toStatus(error));
        return;
      }
      const stop = watchAccount(branch.store, account, minVersion, (state) => call.write({ balance: state.balance, version: state.version }));
      call.on('cancelled', stop);
      call.on('close', stop);
      call.on('error', stop);
    },
    propagate: function propagate(call: Parameters<handleBidiStreamingCall<PropagateMessage, PropagateAck>>[0]) {
      recorder.stream('/faultline.bank.v1.Branch/Propagate', call);
      branch.receive(call);
    },
    point: function point(call: Parameters<handleBidiStreamingCall<PointCalls, PointAnswers>>[0]) {
      recorder.stream('/faultline.bank.v1.Branch/Point', call);
      branch.servePoint(call);
    },
    acquire: function acquire(call: ServerUnaryCall<AcquireRequest, AcquireReply>, callback: sendUnaryData<AcquireReply>) {
      return answer(context, call, callback, () => sequencer.acquire(call.request, pointContext(clock, call)));
    },
    commit: function commit(call: ServerUnaryCall<CommitRequest, CommitReply>, callback: sendUnaryData<CommitReply>) {
      return answer(context, call, callback, () => sequencer.commit(call.request, pointContext(clock, call)));
    },
    release: function release(call: ServerUnaryCall<ReleaseRequest, ReleaseReply>, callback: sendUnaryData<ReleaseReply>) {
      return answer(context, call, callback, () => sequencer.release(call.request));
    },
    read: function read(call: ServerUnaryCall<ReadRequest, ReadReply>, callback: sendUnaryData<ReadReply>) {
      return answer(context, call, callback, () => sequencer.read(call.request, pointContext(clock, call)));
    },
    compareAndSet: function compareAndSet(call: ServerUnaryCall<CompareAndSetRequest, CompareAndSetReply>, callback: sendUnaryData<CompareAndSetReply>) {
      return answer(context, call, callback, () => sequencer.compareAndSet(call.request, pointContext(clock, call)));
    },
    requestRights: function requestRights(call: ServerUnaryCall<RightsRequest, RightsReply>, callback: sendUnaryData<RightsReply>) {
      return answer(context, call, callback, () => branch.grantRights(call.request));
    },
    snapshot: function snapshot(call: ServerUnaryCall<SnapshotRequest, SnapshotReply>, callback: sendUnaryData<SnapshotReply>) {
      return answer(context, call, callback, () => branch.snapshot());
    },
    reset: function reset(call: ServerUnaryCall<ResetRequest, ResetReply>, callback: sendUnaryData<ResetReply>) {
      return answer(context, call, callback, () => branch.reset(call.request));
    },
  };
}
