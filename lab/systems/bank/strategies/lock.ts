// Pessimistic: take a lease on the accounts at their serialization point (in sorted order, so no
// deadlock), decide on the state it returns, commit with the fencing token, wait until every
// replica acked, release. Linearizable; blocks while a replica is cut off.
import { status } from '@grpc/grpc-js';
import type { CommitReply } from '../../../../proto/index.js';
import { accountsOf, decide, expectationProblem } from '../decide.js';
import type { Decision, Operation, Reply } from '../decide.js';
import { failedBeforeCommit, failedDuringCommit, statusError } from '../errors.js';
import type { PointContext, SerializationPoint } from '../sequencer.js';
import type { AccountRecord } from '../store.js';
import type { OperationContext, Strategy, StrategyDependencies } from './types.js';

/** How long a lease lasts if its holder never commits or releases (it crashed, or its link did). */
export const leaseMsDefault = 3_000;
/** A release is worth trying even after the customer's deadline passed: it frees the lock early. */
export const releaseMsMax = 1_000;

export function lockStrategy(dependencies: StrategyDependencies): Strategy {
  const { self, replication } = dependencies;

  function pointContext(context: OperationContext, cancellable: boolean): PointContext {
    const base = { deadline: context.deadline, clientId: context.clientId, epoch: dependencies.epoch() };
    return cancellable && context.signal !== undefined ? { ...base, signal: context.signal } : base;
  }

  async function commit(point: SerializationPoint, token: number, decision: Decision, context: OperationContext): Promise<CommitReply> {
    try {
      return await point.commit({
        token, requestId: context.requestId, clientId: context.clientId, updates: decision.updates,
        reply: JSON.stringify(decision.reply), waitForReplicas: true,
      }, pointContext(context, false));
    } catch (error) {
      throw failedDuringCommit('Commit', error);
    } finally {
      // Best effort: if the release is lost, the lease runs out on its own.
      const releaseContext = { ...pointContext(context, false), deadline: dependencies.clock.now() + releaseMsMax };
      point.release({ token, accounts: [] }, releaseContext).catch(() => undefined);
    }
  }

  return {
    async execute(operation: Operation, context: OperationContext): Promise<Reply> {
      const accounts = [...new Set(accountsOf(operation))].sort();
      const point = dependencies.pointFor(accounts);
      const request = { holder: self, requestId: context.requestId, accounts, leaseMs: leaseMsDefault };
      const grant = await point.acquire(request, pointContext(context, true)).catch((error: unknown) => {
        throw failedBeforeCommit('Acquire', error);
      });
      if (grant.previousReply !== '') return JSON.parse(grant.previousReply) as Reply;
      const mismatch = expectationProblem(operation, grant.accounts);
      if (mismatch !== undefined) {
        point.release({ token: grant.token, accounts: [] }, { ...pointContext(context, false), deadline: dependencies.clock.now() + releaseMsMax }).catch(() => undefined);
        throw statusError(status.ABORTED, `conditional write refused: ${mismatch}`);
      }
      const decision = decide(operation, grant.accounts);
      const committed = await commit(point, grant.token, decision, context);
      if (committed.replicasAcked < replication.peerCount) {
        throw statusError(status.UNAVAILABLE,
          `committed at the serialization point, but only ${committed.replicasAcked} of ${replication.peerCount} replicas acked in time`);
      }
      return decision.reply;
    },

    async query(account: string, context: OperationContext): Promise<AccountRecord> {
      return readAtPoint(dependencies.pointFor([account]), account, pointContext(context, true));
    },
  };
}

/** A query under lock or lock-free: read at the serialization point, which holds the latest commit. */
export async function readAtPoint(point: SerializationPoint, account: string, context: PointContext): Promise<AccountRecord> {
  const read = await point.read({ requestId: '', accounts: [account] }, context).catch((error: unknown) => {
    throw failedBeforeCommit('Read', error);
  });
  const state = read.accounts[0];
  if (state === undefined) throw statusError(status.INTERNAL, `the serialization point returned no state for ${account}`);
  return state;
}
