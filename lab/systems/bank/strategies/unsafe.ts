// Seed 000's "before" code, kept on purpose so the lab has something to catch: read the local
// replica, await, write read + delta, and propagate fire-and-forget a little later. No dedup, no serialization.
// Expect lost updates and diverging replicas under concurrency.
import { status } from '@grpc/grpc-js';
import { accountsOf, decide } from '../decide.js';
import type { Operation, Reply } from '../decide.js';
import { statusError } from '../errors.js';
import type { AccountRecord, Update } from '../store.js';
import type { OperationContext, Strategy, StrategyDependencies } from './types.js';

/**
 * The await between the read and the write: the window in which another request reads the same
 * balance. It is wide compared with how far apart the ops of one plan step reach their branches (the
 * runner spreads them over a few ms, and a loaded machine adds a few more), so ops the plan makes
 * concurrent on an account interleave every time, not only when the scheduler lets them.
 */
export const unsafeWriteDelayMs = 30;

/**
 * How long after its write a branch sends the update to its peers (asynchronous replication). Longer
 * than a customer's reply plus its next request (about 5 ms on a loaded machine), so a branch that the
 * plan's next step reads from has not seen the write yet; shorter than unsafeWriteDelayMs, so the
 * update lands while that step's ops wait between their read and their write. Sent at once, it would
 * race the reply, and whether the next step read stale would be the scheduler's choice.
 */
export const unsafePropagationDelayMs = 15;

export function unsafeStrategy(dependencies: StrategyDependencies): Strategy {
  const { store, replication, epoch, clock } = dependencies;

  function readLocal(account: string): AccountRecord {
    const state = store.account(account);
    if (state === undefined) throw statusError(status.NOT_FOUND, `no account ${account}`);
    return state;
  }

  /** Fire-and-forget after the replication lag; an update from before a Reset (another run) is dropped. */
  function propagateLater(requestId: string, updates: readonly Update[]): void {
    const writtenIn = epoch();
    clock.after(() => {
      if (epoch() === writtenIn) replication.sendOnce(requestId, updates);
    }, unsafePropagationDelayMs, { background: true });
  }

  return {
    async execute(operation: Operation, context: OperationContext): Promise<Reply> {
      const readIn = epoch();
      const states = accountsOf(operation).map(readLocal);
      await clock.sleep(unsafeWriteDelayMs);
      // A request left over from an earlier run (its node was paused, its customer gave up) must not
      // write into the run that a Reset started meanwhile: that would carry one run's ops into the next.
      if (epoch() !== readIn) throw statusError(status.ABORTED, 'the branch was reset while this request waited');
      const decision = decide(operation, states);
      store.applyLocal(context.requestId, decision.updates);
      if (decision.updates.length > 0) propagateLater(context.requestId, decision.updates);
      return decision.reply;
    },

    async query(account: string): Promise<AccountRecord> {
      return readLocal(account);
    },
  };
}
