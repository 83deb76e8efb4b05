// Optimistic: guess the accounts' versions from what this branch knows (its replica, or what the
// point told it; else read them at their serialization point), decide, and compare-and-set on those
// versions. A guess that was merely behind is retried at once on the versions the point returned; a
// conflict retries with seeded, jittered exponential backoff, a bounded number of times. No lock is
// held across a network call. Replies once the point committed.
import { status } from '@grpc/grpc-js';
import { accountsOf, decide, expectationProblem } from '../decide.js';
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
  const random = dependencies.random.stream('lock-free');

  function pointContext(context: OperationContext, cancellable: boolean): PointContext {
    const base = { deadline: context.deadline, clientId: context.clientId, epoch: dependencies.epoch() };
    return cancellable && context.signal !== undefined ? { ...base, signal: context.signal } : base;
  }

  function backoffMs(attempt: number): number {
    const ceiling = Math.min(conflictBackoffMsMax, conflictBackoffMsInitial * 2 ** attempt);
    // Full jitter: contenders that lost together must not come back together.
    return 1 + ceiling * random();
  }

  /**
   * The newest state of each account this branch heard from the point (its own swaps, and the
   * current states a failed swap or a read returned), of this epoch. Propagation brings the same
   * states later; until it does, a guess from here is not stale. Only a hint: the swap checks it.
   */
  const heard = new Map<string, AccountRecord>();
  let heardEpoch = dependencies.epoch();

  function hear(states: readonly AccountRecord[]): void {
    if (heardEpoch !== dependencies.epoch()) {
      heard.clear();
      heardEpoch = dependencies.epoch();
    }
    for (const state of states) {
      const known = heard.get(state.account);
      if (known === undefined || known.version < state.version) {
        heard.set(state.account, { account: state.account, balance: state.balance, version: state.version });
      }
    }
  }

  /** Each account's newest known state (local replica or heard), or undefined when one is unknown (the point decides). */
  function guessStates(accounts: readonly string[]): AccountRecord[] | undefined {
    if (heardEpoch !== dependencies.epoch()) hear([]);
    const states: AccountRecord[] = [];
    for (const account of accounts) {
      const local = dependencies.store.account(account);
      const known = heard.get(account);
      const newest = local === undefined || (known !== undefined && known.version > local.version) ? known : local;
      if (newest === undefined) return undefined;
      states.push(newest);
    }
    return states;
  }

  /** Decides on `states` and swaps at the point: the reply, or the point's current states when the versions had moved. */
  async function swap(
    operation: Operation, states: AccountRecord[], point: SerializationPoint, context: OperationContext,
  ): Promise<{ reply: Reply } | { current: AccountRecord[] }> {
    // Decided on the point's states (a conditional write never guesses), so a mismatch is final.
    const mismatch = expectationProblem(operation, states);
    if (mismatch !== undefined) throw statusError(status.ABORTED, `conditional write refused: ${mismatch}`);
    const decision = decide(operation, states);
    const answer = await point.compareAndSet({
      requestId: context.requestId, clientId: context.clientId, updates: decision.updates, expected: states,
      reply: JSON.stringify(decision.reply),
    }, pointContext(context, false)).catch((error: unknown) => {
      throw failedDuringCommit('CompareAndSet', error);
    });
    if (answer.swapped) {
      hear(decision.updates);
      return { reply: decision.reply };
    }
    if (answer.previousReply !== '') return { reply: JSON.parse(answer.previousReply) as Reply };
    hear(answer.current);
    return { current: answer.current };
  }

  /** The point's states of `accounts`, or the reply it already gave this request id. */
  async function readStates(
    point: SerializationPoint, accounts: readonly string[], context: OperationContext,
  ): Promise<AccountRecord[] | { reply: Reply }> {
    const read = await point.read({ requestId: context.requestId, accounts: [...accounts] }, pointContext(context, true))
      .catch((error: unknown) => {
        throw failedBeforeCommit('Read', error);
      });
    if (read.previousReply !== '') return { reply: JSON.parse(read.previousReply) as Reply };
    hear(read.accounts);
    return read.accounts;
  }

  return {
    async execute(operation: Operation, context: OperationContext): Promise<Reply> {
      const accounts = [...new Set(accountsOf(operation))].sort();
      const point = dependencies.pointFor(accounts);
      for (let round = 0; round < casAttemptsMax; round += 1) {
        // A guess needs no round trip: the newest versions this branch knows (its replica, or what
        // the point last told it). At the sequencer they are the point's own; elsewhere they are
        // current unless an update is still on its way. Only an account never heard of needs a read.
        // A conditional write reads at the point: its request id may be decided already (the reply
        // wins over the check), and a guess that is merely behind must not fail the expectation.
        const guess = operation.expected === undefined ? guessStates(accounts) : undefined;
        const states = guess ?? await readStates(point, accounts, context);
        if (!Array.isArray(states)) return states.reply;
        const first = await swap(operation, states, point, context);
        if ('reply' in first) return first.reply;
        // Behind is not beaten: the point's current versions are tried at once, with no backoff.
        dependencies.stats.staleGuesses += 1;
        const second = await swap(operation, first.current, point, context);
        if ('reply' in second) return second.reply;
        // Beaten by a concurrent update. Every failed swap changed nothing, so giving up below is a
        // definite failure; after the backoff the guess includes what this swap was told.
        const pause = backoffMs(round);
        if (round + 1 === casAttemptsMax || pause >= remainingMs(dependencies.clock, context.deadline)) break;
        dependencies.stats.conflictRetries += 1;
        await dependencies.clock.sleep(pause);
      }
      throw statusError(status.ABORTED, `compare-and-set lost to concurrent updates ${casAttemptsMax} times`);
    },

    async query(account: string, context: OperationContext): Promise<AccountRecord> {
      return readAtPoint(dependencies.pointFor([account]), account, pointContext(context, true));
    },
  };
}
