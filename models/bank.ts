// The bank model: accounts with integer balances; deposit, withdraw (refused on insufficient funds),
// query and transfer. It partitions per account unless the history has a transfer. Try it:
// `npx faultline check models/fixtures/bank-lost-update-bad.jsonl`.
import { assert } from './assert.js';
import type { Call } from './calls.js';
import { HistoryError, ModelInputError } from './errors.js';
import type { BankFunction } from './history.js';
import { noPartition, partitionBy } from './model.js';
import type { Decoded, Model, Operation, StepResult } from './model.js';

export interface InitialAccount {
  account: string;
  balance: number;
}

/** Balances by account slot, in the order of the initial accounts. */
export type BankState = readonly number[];

export interface BankInput {
  f: BankFunction;
  /** The account, or the source of a transfer. */
  account: number;
  /** The destination of a transfer; -1 otherwise. */
  to: number;
  amount: number;
}

/** What a completion reported; undefined fields were not reported and are not checked. */
export interface BankOutput {
  unknown: boolean;
  applied: boolean | undefined;
  balance: number | undefined;
  toBalance: number | undefined;
}

const unknownOutput: BankOutput = { unknown: true, applied: undefined, balance: undefined, toBalance: undefined };
const bankFunctions: ReadonlySet<string> = new Set<BankFunction>(['deposit', 'withdraw', 'query', 'transfer']);
const accountsShownMax = 8;

function withBalance(state: BankState, slot: number, balance: number): BankState {
  const next = state.slice();
  next[slot] = balance;
  return next;
}

function step(state: BankState, input: BankInput, output: BankOutput): StepResult<BankState> {
  const balance = state[input.account] as number;
  const matches = (reported: number | undefined, expected: number) => reported === undefined || reported === expected;
  switch (input.f) {
    case 'query':
      return { ok: output.unknown || matches(output.balance, balance), state };
    case 'deposit': {
      const after = balance + input.amount;
      return { ok: output.unknown || matches(output.balance, after), state: withBalance(state, input.account, after) };
    }
    case 'withdraw': {
      const sufficient = balance >= input.amount;
      const after = sufficient ? withBalance(state, input.account, balance - input.amount) : state;
      assert((after[input.account] as number) >= 0, () => `the bank model let a withdraw of ${input.amount} from ${balance} go negative`);
      if (output.unknown) return { ok: true, state: after };
      if (output.applied === false) return { ok: !sufficient, state };
      return { ok: sufficient && matches(output.balance, balance - input.amount), state: after };
    }
    case 'transfer':
      return stepTransfer(state, input, output);
  }
}

function stepTransfer(state: BankState, input: BankInput, output: BankOutput): StepResult<BankState> {
  const fromBalance = state[input.account] as number;
  const sufficient = fromBalance >= input.amount;
  if (!sufficient) return { ok: output.unknown || output.applied === false, state };
  const next = state.slice();
  next[input.account] = fromBalance - input.amount;
  next[input.to] = (next[input.to] as number) + input.amount;
  // Money conserved: a transfer moves the amount and leaves the sum of the two accounts as it was.
  const before = fromBalance + (state[input.to] as number);
  assert(input.account === input.to || (next[input.account] as number) + (next[input.to] as number) === before, () => `the bank model's transfer of ${input.amount} changed the total`);
  if (output.unknown) return { ok: true, state: next };
  if (output.applied === false) return { ok: false, state };
  const fromMatches = output.balance === undefined || output.balance === next[input.account];
  const toMatches = output.toBalance === undefined || output.toBalance === next[input.to];
  return { ok: fromMatches && toMatches, state: next };
}

function equal(a: BankState, b: BankState): boolean {
  for (let slot = 0; slot < a.length; slot += 1) if (a[slot] !== b[slot]) return false;
  return true;
}

function hash(state: BankState): number {
  let result = 0x811c9dc5;
  for (const balance of state) result = Math.imul(result ^ (balance | 0), 0x01000193);
  return result >>> 0;
}

function partition(operations: readonly Operation<BankInput, BankOutput>[]): Operation<BankInput, BankOutput>[][] {
  // Accounts are independent objects until a transfer ties two of them together.
  if (operations.some((operation) => operation.input.f === 'transfer')) return noPartition(operations);
  return partitionBy(operations, (operation) => String(operation.input.account));
}

export function bankModel(initial: readonly InitialAccount[]): Model<BankState, BankInput, BankOutput> {
  const slots = new Map<string, number>();
  const balances: number[] = [];
  for (const { account, balance } of initial) {
    if (slots.has(account)) throw new ModelInputError(`bank model: account '${account}' is listed twice`);
    if (!Number.isSafeInteger(balance)) throw new ModelInputError(`bank model: the balance of '${account}' must be an integer, got ${balance}`);
    slots.set(account, balances.length);
    balances.push(balance);
  }
  const names = [...slots.keys()];
  const nameOf = (slot: number) => names[slot] ?? `#${slot}`;
  const frozen: BankState = Object.freeze(balances.slice());

  const decode = (call: Call): Decoded<BankInput, BankOutput> | undefined => decodeBank(call, slots);
  const describeOperation = (input: BankInput, output: BankOutput) => describeBankOperation(input, output, nameOf);
  const describeState = (state: BankState) => {
    const shown = state.map((balance, slot) => ({ balance, slot })).filter(({ balance, slot }) => state.length <= accountsShownMax || balance !== frozen[slot]);
    const text = shown.map(({ balance, slot }) => `${nameOf(slot)}=${balance}`).join(' ');
    return shown.length === state.length ? text : `${text} (others unchanged)`.trim();
  };
  const readOnly = (input: BankInput, output: BankOutput) => input.f === 'query' || (input.f === 'withdraw' && output.applied === false && !output.unknown);
  return { name: 'bank', init: () => frozen, step, equal, hash, partition, readOnly, describeOperation, describeState, decode };
}

function describeBankOperation(input: BankInput, output: BankOutput, nameOf: (slot: number) => string): string {
  const account = nameOf(input.account);
  const result = (() => {
    if (output.unknown) return '?';
    if (output.applied === false) return 'refused';
    if (input.f === 'transfer') return `${output.balance ?? '?'}, ${output.toBalance ?? '?'}`;
    return output.balance === undefined ? 'ok' : String(output.balance);
  })();
  const args = input.f === 'transfer' ? `${account}, ${nameOf(input.to)}, ${input.amount}` : input.f === 'query' ? account : `${account}, ${input.amount}`;
  return `${input.f}(${args}) → ${result}`;
}

function integerField(call: Call, record: Record<string, unknown>, name: string, line: number): number | undefined {
  const value = record[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new HistoryError(line, `${call.f}: ${name} must be an integer, got ${JSON.stringify(value)}`);
  return value;
}

function recordOf(value: unknown, call: Call, line: number): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HistoryError(line, `${call.f}: the value must be an object such as {"account":"a1","amount":5}, got ${JSON.stringify(value)}`);
  }
  return value as Record<string, unknown>;
}

function slotOf(call: Call, record: Record<string, unknown>, name: string, slots: ReadonlyMap<string, number>): number {
  const account = record[name];
  if (typeof account !== 'string') throw new HistoryError(call.line, `${call.f}: ${name} must be an account name, got ${JSON.stringify(account)}`);
  const slot = slots.get(account);
  if (slot === undefined) throw new HistoryError(call.line, `${call.f} on account '${account}', which has no initial balance`);
  return slot;
}

function decodeBank(call: Call, slots: ReadonlyMap<string, number>): Decoded<BankInput, BankOutput> | undefined {
  if (!bankFunctions.has(call.f)) throw new HistoryError(call.line, `the bank has no '${call.f}' (it has deposit, withdraw, query and transfer)`);
  const f = call.f as BankFunction;
  const invoke = recordOf(call.invoke, call, call.line);
  const transfer = f === 'transfer';
  const account = slotOf(call, invoke, transfer ? 'from' : 'account', slots);
  const to = transfer ? slotOf(call, invoke, 'to', slots) : -1;
  const amount = f === 'query' ? 0 : integerField(call, invoke, 'amount', call.line);
  if (amount === undefined) throw new HistoryError(call.line, `${f}: amount is missing`);
  const input: BankInput = { f, account, to, amount };
  if (call.completion === 'fail') return undefined;
  if (call.completion !== 'ok') return f === 'query' ? undefined : { input, output: unknownOutput };
  const line = call.completionLine ?? call.line;
  const result = recordOf(call.value, call, line);
  const applied = result.applied;
  if (applied !== undefined && typeof applied !== 'boolean') throw new HistoryError(line, `${f}: applied must be true or false, got ${JSON.stringify(applied)}`);
  if ((f === 'withdraw' || f === 'transfer') && applied === undefined) throw new HistoryError(line, `an ok ${f} must say whether it was applied`);
  const balance = integerField(call, result, transfer ? 'fromBalance' : 'balance', line);
  // A refused withdraw may report the balance it saw; the model checks only that funds were short.
  const output: BankOutput = {
    unknown: false, applied, balance: applied === false ? undefined : balance,
    toBalance: transfer && applied !== false ? integerField(call, result, 'toBalance', line) : undefined,
  };
  if (f === 'query' && output.balance === undefined) return undefined;
  return { input, output };
}
