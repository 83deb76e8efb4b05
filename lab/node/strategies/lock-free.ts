// Optimistic: guess the accounts' versions from the local replica (else read them at their
// serialization point), decide, and compare-and-set on those versions. A conflict retries with seeded,
// jittered exponential backoff, a bounded number of times. No lock is held across a network call.
// Replies once the point committed.
import { setTimeout as sleep } from 'node:timers/promises';
import { status } from '@grpc/grpc-js';
import seedrandom from 'seedrandom';
import { accountsOf, decide } from '../decide.js';
import type { Operation, Reply } from '../decide.js';
import { remainingMs } from '../deadline.js';
import { failedBeforeCommit, failedDuringCommit, statusError } from '../errors.js';
import type { PointContext, SerializationPoint } from '../sequencer.js';
import type { AccountRecord } from '../store.js';
import { readAtPoint } from './lock.js';
import type { OperationContext, Strategy, StrategyDependencies } from './types.js';

/** Enough for some 50 customers on one hot account; each failed swap changed nothing. */
export const casAttemptsMax = 16;
export const conflictBackoffMsInitial = 2;
export const conflictBackoffMsMax = 200;

export function lockFreeStrategy(dependencies: StrategyDependencies): Strategy {
  const random = seedrandom(`${dependencies.seed}/${dependencies.self}/lock-free`);

  function pointContext(context: OperationContext, cancellable: boolean): PointContext {
    const base = { deadline: context.deadline, clientId: context.clientId, epoch: dependencies.epoch() };
    return cancellable && context.signal !== undefined ? { ...base, signal: context.signal } : base;
  }

  function backoffMs(attempt: number): number {
    const ceiling = Math.min(conflictBackoffMsMax, conflictBackoffMsInitial * 2 ** attempt);
    // Full jitter: contenders that lost together must not come back together.
    return 1 + ceiling * random();
  }

  /** The local replica's state of every account, or undefined when it lacks one (the point decides). */
  function localStates(accounts: readonly string[]): AccountRecord[] | undefined {
    const states = accounts.map((account) => dependencies.store.account(account));
    return states.every((state) => state !== undefined) ? (states as AccountRecord[]) : undefined;
  }

  /** Decides on `states` and swaps at the point; undefined when the versions had moved. */
  async function swap(operation: Operation, states: AccountRecord[], point: SerializationPoint, context: OperationContext): Promise<Reply | undefined> {
    const decision = decide(operation, states);
    const answer = await point.compareAndSet({
      requestId: context.requestId, clientId: context.clientId, updates: decision.updates, expected: states,
      reply: JSON.stringify(decision.reply),
    }, pointContext(context, false)).catch((error: unknown) => {
      throw failedDuringCommit('CompareAndSet', error);
    });
    if (answer.swapped) return decision.reply;
    if (answer.previousReply !== '') return JSON.parse(answer.previousReply) as Reply;
    return undefined;
  }

  return {
    async execute(operation: Operation, context: OperationContext): Promise<Reply> {
      const accounts = [...new Set(accountsOf(operation))].sort();
      const point = dependencies.pointFor(accounts);
      // The first guess needs no round trip: the local replica's versions. At the sequencer they are
      // the point's own; elsewhere they are current unless an update is still on its way, and a stale
      // guess costs only the swap that fails (counted as no conflict: nobody else won).
      const local = localStates(accounts);
      if (local !== undefined) {
        const reply = await swap(operation, local, point, context);
        if (reply !== undefined) return reply;
      }
      for (let attempt = 0; attempt < casAttemptsMax; attempt += 1) {
        // Read afresh after every backoff: the state a failed swap returned is as old as the sleep.
        const read = await point.read({ requestId: context.requestId, accounts }, pointContext(context, true))
          .catch((error: unknown) => {
            throw failedBeforeCommit('Read', error);
          });
        if (read.previousReply !== '') return JSON.parse(read.previousReply) as Reply;
        const reply = await swap(operation, read.accounts, point, context);
        if (reply !== undefined) return reply;
        // Every failed swap changed nothing, so giving up below is a definite failure.
        const pause = backoffMs(attempt);
        if (attempt + 1 === casAttemptsMax || pause >= remainingMs(context.deadline)) break;
        dependencies.stats.conflictRetries += 1;
        await sleep(pause);
      }
      throw statusError(status.ABORTED, `compare-and-set lost to concurrent updates ${casAttemptsMax} times`);
    },

    async query(account: string, context: OperationContext): Promise<AccountRecord> {
      return readAtPoint(dependencies.pointFor([account]), account, pointContext(context, true));
    },
  };
}
