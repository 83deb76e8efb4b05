// A PN-counter per account, answered locally: every branch keeps, for every branch, the total it
// deposited (P) and withdrew (N), and a balance is the initial one plus every P minus every N. Each
// total is written only by its own branch, one version at a time, so the existing propagation (durable
// outbox, dedup, per-account version order) merges them exactly as "take the maximum" would. Always
// available; a withdrawal checks only what this branch has heard, so two partitioned branches can
// overdraw together. The `escrow` variant spends only what this branch holds rights to: its share of
// the initial balance, what was deposited through it, and what peers granted it (escrow.ts). When its
// rights fall short it asks its peers for theirs over RequestRights; when they still fall short of a
// balance that would cover the withdrawal (a peer out of reach, or none with rights to spare), it
// fails with ABORTED (definite: nothing was or will be applied). Transfers need coordination: refused.
// Try it: `npx faultline run --seed 1 --mode sim --strategy crdt:escrow --faults heavy`.
import { status } from '@grpc/grpc-js';
import type { Operation, Reply } from '../decide.js';
import { statusError } from '../errors.js';
import type { AccountRecord, Store, Update } from '../store.js';
import { escrowRights, gatherRights, grantRights, rightsRows } from './escrow.js';
import type { Gathering, TotalNames } from './escrow.js';
import type { OperationContext, Strategy, StrategyDependencies } from './types.js';
import type { RightsReply, RightsRequest } from '../../../../proto/index.js';

const totalsSeparator = '.crdt.';

/** The row that holds `branch`'s total of deposits (`p`) or withdrawals (`n`) on `account`. */
export function totalName(account: string, side: 'p' | 'n', branch: string): string {
  return `${account}${totalsSeparator}${side}.${branch}`;
}

export function isTotalName(name: string): boolean {
  return name.includes(totalsSeparator);
}

/**
 * The accounts as the store holds them for crdt: each real one (its initial balance, never written) and
 * its totals at 0; with `escrow`, its rights rows too.
 */
export function withTotals(accounts: readonly AccountRecord[], branches: readonly string[], escrow = false): AccountRecord[] {
  const real = accounts.filter((state) => !isTotalName(state.account));
  const totals = real.flatMap((state) => branches.flatMap((branch) => (['p', 'n'] as const).map((side) => ({ account: totalName(state.account, side, branch), balance: 0, version: 0 }))));
  const rights = escrow ? real.flatMap((state) => rightsRows(state.account, branches)) : [];
  return [...real, ...totals, ...rights];
}

const totalNames: TotalNames = { total: totalName };

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

export interface CrdtOptions {
  branches: readonly string[];
  escrow: boolean;
  /** Escrow: one RequestRights call to a peer, ending by `deadline` (epoch ms); rejects on any error. */
  askPeer: (peer: string, request: RightsRequest, deadline: number) => Promise<RightsReply>;
}

/** A refusal remembered for a request id, so that asked again it is refused again: definite means never applied. */
interface RememberedRefusal {
  refused: { code: status; details: string };
}

export function crdtStrategy(dependencies: StrategyDependencies & CrdtOptions): Strategy {
  const { store, self, branches, replication, clock } = dependencies;
  const gathering: Gathering = { store, names: totalNames, self, branches, clock, ask: dependencies.askPeer };
  /** Escrow withdrawals waiting for rights, by request id: the same request sent again waits for the first. */
  const pending = new Map<string, Promise<Reply>>();

  function known(account: string): AccountRecord {
    const state = foldedAccount(store, account, branches);
    if (state === undefined || isTotalName(account)) throw statusError(status.NOT_FOUND, `no account ${account}`);
    return state;
  }

  /** The first answer to this request id, if it was decided here: its reply, or its refusal thrown again. */
  function remembered(requestId: string): Reply | undefined {
    const previous = store.reply(requestId);
    if (previous === undefined) return undefined;
    const parsed = JSON.parse(previous) as Reply | RememberedRefusal;
    if ('refused' in parsed) throw statusError(parsed.refused.code, parsed.refused.details);
    return parsed;
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

  function insufficient(state: AccountRecord, context: OperationContext): Reply {
    const refusal = { applied: false, balance: state.balance, version: state.version };
    store.commit(self, context.requestId, [], JSON.stringify(refusal));
    return refusal;
  }

  function withdrawNow(account: string, amount: number, context: OperationContext): Reply {
    return commitTotal(account, 'n', amount, context, (after) => ({ applied: true, balance: after.balance, version: after.version }));
  }

  function rights(account: string): number {
    return escrowRights(store, totalNames, account, self, branches);
  }

  /**
   * Escrow's withdrawal once its own rights fell short: asks the peers for theirs, then decides. A
   * balance (as this branch knows it) below the amount is applied: false, as under every strategy;
   * a balance that covers it with rights that still do not is ABORTED, remembered for the request id:
   * a peer could not be reached, or could not spare enough (its rights spent, or its deposits not
   * yet acked by every branch).
   */
  async function withdrawWithRights(account: string, amount: number, context: OperationContext): Promise<Reply> {
    const unreached = await gatherRights(gathering, account, amount, context.requestId, context.deadline);
    const state = known(account);
    if (state.balance < amount) return insufficient(state, context);
    const held = rights(account);
    if (held >= amount) return withdrawNow(account, amount, context);
    const why = unreached.length > 0 ? `could not reach ${unreached.join(', ')} for more` : 'its peers could not spare the rest';
    const details = `escrow: ${self} holds rights to ${Math.max(0, held)} of ${account}'s ${state.balance} and ${why}`;
    const refusal: RememberedRefusal = { refused: { code: status.ABORTED, details } };
    store.commit(self, context.requestId, [], JSON.stringify(refusal));
    throw statusError(status.ABORTED, details);
  }

  return {
    async execute(operation: Operation, context: OperationContext): Promise<Reply> {
      if (operation.kind === 'transfer') throw statusError(status.UNIMPLEMENTED, 'crdt answers every operation locally and cannot make a transfer atomic: transfers are refused');
      if (operation.expected !== undefined) throw statusError(status.UNIMPLEMENTED, 'crdt keeps no single version to condition a write on');
      const previous = remembered(context.requestId);
      if (previous !== undefined) return previous;
      const waiting = pending.get(context.requestId);
      if (waiting !== undefined) return waiting;
      const state = known(operation.account);
      if (operation.kind === 'deposit') return commitTotal(operation.account, 'p', operation.amount, context, (after) => ({ balance: after.balance, version: after.version }));
      if (state.balance < operation.amount) return insufficient(state, context);
      if (!dependencies.escrow || rights(operation.account) >= operation.amount) return withdrawNow(operation.account, operation.amount, context);
      const decided = withdrawWithRights(operation.account, operation.amount, context);
      pending.set(context.requestId, decided);
      try {
        return await decided;
      } finally {
        pending.delete(context.requestId);
      }
    },

    async query(account: string): Promise<AccountRecord> {
      return known(account);
    },

    grantRights(request: RightsRequest): RightsReply {
      if (!dependencies.escrow) throw statusError(status.UNIMPLEMENTED, 'only crdt:escrow moves rights between branches');
      if (request.epoch !== store.epoch()) throw statusError(status.FAILED_PRECONDITION, `epoch ${request.epoch} is not this branch's epoch ${store.epoch()}`);
      if (request.requester === self || !branches.includes(request.requester)) throw statusError(status.INVALID_ARGUMENT, `'${request.requester}' is not a peer`);
      if (!Number.isSafeInteger(request.amount) || request.amount <= 0) throw statusError(status.INVALID_ARGUMENT, `rights must be asked in whole cents above zero, got ${request.amount}`);
      if (request.requestId === '') throw statusError(status.INVALID_ARGUMENT, 'a request for rights needs a request_id');
      known(request.account);
      const { reply, logged } = grantRights(store, totalNames, self, branches, request);
      if (logged) replication.notify();
      return reply;
    },
  };
}
