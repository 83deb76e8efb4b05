// Seed 000's "before" code, kept on purpose so the lab has something to catch: read the local
// replica, await, write read + delta, and propagate fire-and-forget. No dedup, no serialization.
// Expect lost updates and diverging replicas under concurrency.
import { setTimeout as sleep } from 'node:timers/promises';
import { status } from '@grpc/grpc-js';
import { accountsOf, decide } from '../decide.js';
import type { Operation, Reply } from '../decide.js';
import { statusError } from '../errors.js';
import type { AccountRecord } from '../store.js';
import type { OperationContext, Strategy, StrategyDependencies } from './types.js';

/** The await between the read and the write: the window in which another request reads the same balance. */
export const unsafeWriteDelayMs = 1;

export function unsafeStrategy(dependencies: StrategyDependencies): Strategy {
  const { store, replication } = dependencies;

  function readLocal(account: string): AccountRecord {
    const state = store.account(account);
    if (state === undefined) throw statusError(status.NOT_FOUND, `no account ${account}`);
    return state;
  }

  return {
    async execute(operation: Operation, context: OperationContext): Promise<Reply> {
      const states = accountsOf(operation).map(readLocal);
      await sleep(unsafeWriteDelayMs);
      const decision = decide(operation, states);
      store.applyLocal(context.requestId, decision.updates);
      if (decision.updates.length > 0) replication.sendOnce(context.requestId, decision.updates);
      return decision.reply;
    },

    async query(account: string): Promise<AccountRecord> {
      return readLocal(account);
    },
  };
}
