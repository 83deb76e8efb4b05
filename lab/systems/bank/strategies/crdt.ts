// A PN-counter per account, answered locally: every branch keeps, for every branch, the total it
// deposited (P) and withdrew (N), and a balance is the initial one plus every P minus every N. Each
// total is written only by its own branch, one version at a time, so the existing propagation (durable
// outbox, dedup, per-account version order) merges them exactly as "take the maximum" would. Always
// available; a withdrawal checks only what this branch has heard, so two partitioned branches can
// overdraw together. The `escrow` variant spends only what this branch holds rights to: its share of
// the initial balance and what was deposited through it. Transfers need coordination: refused.
// Try it: `npx faultline run --seed 1 --mode sim --strategy crdt --faults heavy`.
import { status } from '@grpc/grpc-js';
import type { Operation, Reply } from '../decide.js';
import { statusError } from '../errors.js';
import type { AccountRecord, Store, Update } from '../store.js';
import type { OperationContext, Strategy, StrategyDependencies } from './types.js';

const totalsSeparator = '.crdt.';

/** The row that holds `branch`'s total of deposits (`p`) or withdrawals (`n`) on `account`. */
export function totalName(account: string, side: 'p' | 'n', branch: string): string {
  return `${account}${totalsSeparator}${side}.${branch}`;
}

export function isTotalName(name: string): boolean {
  return name.includes(totalsSeparator);
}

/** The accounts as the store holds them for crdt: each real one (its initial balance, never written) and its totals at 0. */
export function withTotals(accounts: readonly AccountRecord[], branches: readonly string[]): AccountRecord[] {
  const real = accounts.filter((state) => !isTotalName(state.account));
  const totals = real.flatMap((state) => branches.flatMap((branch) => (['p', 'n'] as const).map((side) => ({ account: totalName(state.account, side, branch), balance: 0, version: 0 }))));
  return [...real, ...totals];
}

/** An account as this replica knows it: the initial balance plus every P minus every N; its version counts every change heard. */
export function foldedAccount(store: Store, account: string, branches: readonly string[]): AccountRecord | undefined {
  const initial = store.account(account);
  if (initial === undefined) return undefined;
  let balance = initial.balance;
  let version = 0;
  for (const branch of branches) {
    const deposited = store.account(totalName(account, 'p', branch));
    const withdrawn = store.account(totalName(account, 'n', branch));
    balance += (deposited?.balance ?? 0) - (withdrawn?.balance ?? 0);
    version += (deposited?.version ?? 0) + (withdrawn?.version ?? 0);
  }
  return { account, balance, version };
}

/** What this branch may still withdraw from `account` under escrow: its share of the initial balance, plus its deposits, minus its withdrawals. */
function rights(store: Store, account: string, self: string, branches: readonly string[]): number {
  const initial = store.account(account)?.balance ?? 0;
  const position = [...branches].sort().indexOf(self);
  // The first branch holds the cents that do not divide evenly.
  const share = Math.floor(initial / branches.length) + (position === 0 ? initial % branches.length : 0);
  const deposited = store.account(totalName(account, 'p', self))?.balance ?? 0;
  const withdrawn = store.account(totalName(account, 'n', self))?.balance ?? 0;
  return share + deposited - withdrawn;
}

export function crdtStrategy(dependencies: StrategyDependencies & { branches: readonly string[]; escrow: boolean }): Strategy {
  const { store, self, branches, replication } = dependencies;

  function known(account: string): AccountRecord {
    const state = foldedAccount(store, account, branches);
    if (state === undefined || isTotalName(account)) throw statusError(status.NOT_FOUND, `no account ${account}`);
    return state;
  }

  /** Adds `amount` to this branch's total on one side, remembers the reply and logs the new total for the peers. */
  function commitTotal(account: string, side: 'p' | 'n', amount: number, context: OperationContext, reply: (after: AccountRecord) => Reply): Reply {
    const name = totalName(account, side, self);
    const total = store.account(name) ?? { account: name, balance: 0, version: 0 };
    const update: Update = { account: name, balance: total.balance + amount, version: total.version + 1, delta: amount };
    const before = known(account);
    const after = { account, balance: before.balance + (side === 'p' ? amount : -amount), version: before.version + 1 };
    const answer = reply(after);
    if (store.commit(self, context.requestId, [update], JSON.stringify(answer)) > 0) replication.notify();
    return answer;
  }

  return {
    async execute(operation: Operation, context: OperationContext): Promise<Reply> {
      if (operation.kind === 'transfer') throw statusError(status.UNIMPLEMENTED, 'crdt answers every operation locally and cannot make a transfer atomic: transfers are refused');
      if (operation.expected !== undefined) throw statusError(status.UNIMPLEMENTED, 'crdt keeps no single version to condition a write on');
      const previous = store.reply(context.requestId);
      if (previous !== undefined) return JSON.parse(previous) as Reply;
      const state = known(operation.account);
      if (operation.kind === 'deposit') return commitTotal(operation.account, 'p', operation.amount, context, (after) => ({ balance: after.balance, version: after.version }));
      const spendable = dependencies.escrow ? Math.min(state.balance, rights(store, operation.account, self, branches)) : state.balance;
      if (spendable < operation.amount) {
        const refusal = { applied: false, balance: state.balance, version: state.version };
        store.commit(self, context.requestId, [], JSON.stringify(refusal));
        return refusal;
      }
      return commitTotal(operation.account, 'n', operation.amount, context, (after) => ({ applied: true, balance: after.balance, version: after.version }));
    },

    async query(account: string): Promise<AccountRecord> {
      return known(account);
    },
  };
}
