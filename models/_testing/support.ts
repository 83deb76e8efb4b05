// Test support for the checker's properties: fast-check plans of concurrent operations, and a simple
// sequential executor per model that turns a plan into a history that is linearizable by construction
// (each operation takes effect at a point inside its interval). Used by models/*.test.ts only.
import fc from 'fast-check';
import { bankModel } from '../bank.js';
import type { HistoryFormat } from '../calls.js';
import type { History, HistoryEvent } from '../history.js';
import { kvModel } from '../kv.js';
import type { AnyModel } from '../model.js';
import { multiRegisterModel } from '../multi-register.js';
import { registerModel } from '../register.js';

/** How an operation ends; the `-applied` and `-skipped` kinds say whether it took effect. */
export type PlannedStatus = 'ok' | 'fail' | 'info-applied' | 'info-skipped' | 'open-applied' | 'open-skipped';

export interface PlannedOperation<Invocation> {
  invocation: Invocation;
  start: number;
  duration: number;
  /** Where inside its interval the operation takes effect, in hundredths. */
  point: number;
  status: PlannedStatus;
}

/** A model with a sequential executor written apart from it, to produce and corrupt outputs. */
export interface Kit<Invocation, State> {
  name: string;
  model: AnyModel;
  dialect: HistoryFormat;
  /** False where `fail` asserts an outcome (Porcupine's failed cas): a planned fail then ends in doubt. */
  failMeansNotRun: boolean;
  initial: State;
  invocation: fc.Arbitrary<Invocation>;
  f(invocation: Invocation): string;
  invokeValue(invocation: Invocation, id: number): unknown;
  /** The completion value and next state; `failed` when the operation cannot take effect. */
  apply(state: State, invocation: Invocation, id: number): { value: unknown; state: State; failed?: boolean };
  /** A different completion value, legal or not. */
  perturb(value: unknown, invocation: Invocation, choice: number): unknown;
  /** A completion value no execution could give; undefined for operations that observe nothing. */
  corrupt(value: unknown, invocation: Invocation): unknown;
}

export const statusArbitrary: fc.Arbitrary<PlannedStatus> = fc.oneof(
  { weight: 10, arbitrary: fc.constant<PlannedStatus>('ok') },
  { weight: 1, arbitrary: fc.constantFrom<PlannedStatus>('fail', 'info-applied', 'info-skipped', 'open-applied', 'open-skipped') },
);

export function planArbitrary<Invocation>(kit: Kit<Invocation, unknown>, lengthMax: number, spread: number): fc.Arbitrary<PlannedOperation<Invocation>[]> {
  const operation = fc.record({
    invocation: kit.invocation,
    start: fc.integer({ min: 0, max: spread }),
    duration: fc.integer({ min: 1, max: 40 }),
    point: fc.integer({ min: 1, max: 99 }),
    status: statusArbitrary,
  });
  return fc.array(operation, { minLength: 1, maxLength: lengthMax });
}

interface Timed {
  id: number;
  call: number;
  end: number;
  point: number;
  status: PlannedStatus;
}

const skipped: ReadonlySet<PlannedStatus> = new Set(['fail', 'info-skipped', 'open-skipped']);

export interface BuiltHistory {
  history: History;
  /** For each event, the id of the planned operation it belongs to. */
  operationAt: number[];
}

/** Runs the plan: effects in order of their points, then events in time order, processes reused. */
export function buildHistory<Invocation>(kit: Kit<Invocation, unknown>, plan: readonly PlannedOperation<Invocation>[]): BuiltHistory {
  // Distinct times: a call, its point and its end never tie with another operation's events.
  const timed: Timed[] = plan.map((operation, id) => {
    const call = operation.start * 1000 + id;
    const end = (operation.start + operation.duration) * 1000 + 500 + id;
    const status = operation.status === 'fail' && !kit.failMeansNotRun ? 'info-skipped' : operation.status;
    return { id, call, end, point: call + ((end - call) * operation.point) / 100, status };
  });
  const values = plan.map((operation, id) => kit.invokeValue(operation.invocation, id));
  const failed = new Set<number>();
  let state = kit.initial;
  for (const { id, status } of [...timed].sort((a, b) => a.point - b.point)) {
    if (skipped.has(status)) continue;
    const result = kit.apply(state, (plan[id] as PlannedOperation<Invocation>).invocation, id);
    state = result.state;
    values[id] = result.value;
    if (result.failed === true) failed.add(id);
  }
  return eventsOf(kit, plan, timed, values, failed);
}

function completionType(status: PlannedStatus, failed: boolean): HistoryEvent['type'] | undefined {
  if (status.startsWith('open')) return undefined;
  if (status === 'fail' || failed) return 'fail';
  return status === 'ok' ? 'ok' : 'info';
}

function eventsOf<Invocation>(kit: Kit<Invocation, unknown>, plan: readonly PlannedOperation<Invocation>[], timed: readonly Timed[], values: unknown[], failed: ReadonlySet<number>): BuiltHistory {
  const processOf = assignProcesses(timed);
  const events: (HistoryEvent & { at: number; id: number })[] = [];
  for (const { id, call, end, status } of timed) {
    const invocation = (plan[id] as PlannedOperation<Invocation>).invocation;
    const f = kit.f(invocation);
    const process = processOf[id] as number;
    events.push({ index: 0, process, type: 'invoke', f, value: kit.invokeValue(invocation, id), time: call, at: call, id });
    const type = completionType(status, failed.has(id));
    if (type === undefined) continue;
    const value = type === 'ok' ? values[id] : kit.invokeValue(invocation, id);
    events.push({ index: 0, process, type, f, value, time: end, at: end, id });
  }
  events.sort((a, b) => a.at - b.at);
  return {
    history: events.map(({ at: _at, id: _id, ...event }, index) => ({ ...event, index })),
    operationAt: events.map((event) => event.id),
  };
}

/** A process is reused once its operation has ended, unless that ended in doubt (Jepsen's rule). */
function assignProcesses(timed: readonly Timed[]): number[] {
  const freeAt: number[] = [];
  const processOf: number[] = [];
  for (const operation of [...timed].sort((a, b) => a.call - b.call)) {
    let process = freeAt.findIndex((free) => free < operation.call);
    if (process === -1) {
      process = freeAt.length;
      freeAt.push(0);
    }
    const retired = operation.status.startsWith('info') || operation.status.startsWith('open');
    freeAt[process] = retired ? Infinity : operation.end;
    processOf[operation.id] = process;
  }
  return processOf;
}

/** Replaces the completion value of the event at `position`. */
export function withCompletion(history: History, position: number, value: unknown): History {
  return history.map((event, index) => (index === position ? { ...event, value } : event));
}

// ---- register ------------------------------------------------------------------------------------

type RegisterInvocation = { f: 'read' } | { f: 'write'; value: number } | { f: 'cas'; expected: number; value: number };
const small = fc.integer({ min: 0, max: 2 });

export function registerKit(dialect: HistoryFormat): Kit<RegisterInvocation, unknown> {
  return {
    name: `register (${dialect})`,
    model: registerModel(),
    dialect,
    failMeansNotRun: dialect !== 'porcupine-etcd',
    initial: null,
    invocation: fc.oneof(
      fc.constant<RegisterInvocation>({ f: 'read' }),
      small.map((value): RegisterInvocation => ({ f: 'write', value })),
      fc.tuple(small, small).map(([expected, value]): RegisterInvocation => ({ f: 'cas', expected, value })),
    ),
    f: (invocation) => invocation.f,
    invokeValue: (invocation) => (invocation.f === 'read' ? null : invocation.f === 'write' ? invocation.value : [invocation.expected, invocation.value]),
    apply(state, invocation) {
      if (invocation.f === 'read') return { value: state, state };
      if (invocation.f === 'write') return { value: invocation.value, state: invocation.value };
      if (state !== invocation.expected) return { value: [invocation.expected, invocation.value], state, failed: true };
      return { value: [invocation.expected, invocation.value], state: invocation.value };
    },
    perturb: (value, invocation, choice) => (invocation.f === 'read' ? [null, 0, 1, 2][choice % 4] : value),
    corrupt: (_value, invocation) => (invocation.f === 'read' ? 99 : undefined),
  };
}

// ---- bank ----------------------------------------------------------------------------------------

type Account = 'a1' | 'a2';
interface BankInvocation {
  f: 'deposit' | 'withdraw' | 'query' | 'transfer';
  account: Account;
  to: Account;
  amount: number;
}
type Balances = Readonly<Record<Account, number>>;
const bankInitial: Balances = { a1: 10, a2: 5 };
const impossibleBalance = 1_000_000;

export function bankKit(transfers: boolean): Kit<BankInvocation, unknown> {
  const functions: BankInvocation['f'][] = transfers ? ['deposit', 'withdraw', 'query', 'transfer'] : ['deposit', 'withdraw', 'query'];
  return {
    name: transfers ? 'bank with transfers' : 'bank',
    model: bankModel(Object.entries(bankInitial).map(([account, balance]) => ({ account, balance }))),
    dialect: 'jsonl',
    failMeansNotRun: true,
    initial: bankInitial,
    invocation: fc.record({
      f: fc.constantFrom(...functions),
      account: fc.constantFrom<Account>('a1', 'a2'),
      amount: fc.integer({ min: 1, max: 8 }),
    }).map((invocation): BankInvocation => ({ ...invocation, to: invocation.account === 'a1' ? 'a2' : 'a1' })),
    f: (invocation) => invocation.f,
    invokeValue(invocation, id) {
      if (invocation.f === 'query') return { account: invocation.account };
      if (invocation.f === 'transfer') return { from: invocation.account, to: invocation.to, amount: invocation.amount, requestId: `r${id}` };
      return { account: invocation.account, amount: invocation.amount, requestId: `r${id}` };
    },
    apply: (state, invocation, id) => applyBank(state as Balances, invocation, id),
    perturb: (value, _invocation, choice) => perturbBank(value as Record<string, unknown>, choice),
    corrupt: (value, invocation) => (invocation.f === 'query' ? { ...(value as object), balance: impossibleBalance } : undefined),
  };
}

function applyBank(state: Balances, invocation: BankInvocation, id: number): { value: unknown; state: Balances } {
  const { account, to, amount } = invocation;
  const requestId = `r${id}`;
  const balance = state[account];
  switch (invocation.f) {
    case 'query':
      return { value: { account, balance }, state };
    case 'deposit':
      return { value: { account, amount, requestId, balance: balance + amount }, state: { ...state, [account]: balance + amount } };
    case 'withdraw':
      if (balance < amount) return { value: { account, amount, requestId, applied: false, balance }, state };
      return { value: { account, amount, requestId, applied: true, balance: balance - amount }, state: { ...state, [account]: balance - amount } };
    case 'transfer': {
      if (balance < amount) return { value: { from: account, to, amount, requestId, applied: false }, state };
      const next = { ...state, [account]: balance - amount, [to]: state[to] + amount };
      return { value: { from: account, to, amount, requestId, applied: true, fromBalance: next[account], toBalance: next[to] }, state: next };
    }
  }
}

function perturbBank(value: Record<string, unknown>, choice: number): unknown {
  const shift = choice % 2 === 0 ? 1 : -1;
  if (typeof value.applied === 'boolean' && choice % 3 === 0) return { ...value, applied: !value.applied, balance: value.balance ?? 0 };
  if (typeof value.balance === 'number') return { ...value, balance: value.balance + shift };
  if (typeof value.toBalance === 'number') return { ...value, toBalance: value.toBalance + shift };
  return value;
}

// ---- kv ------------------------------------------------------------------------------------------

interface KvInvocation {
  f: 'get' | 'put' | 'append';
  key: string;
  value: string;
}

export function kvKit(): Kit<KvInvocation, unknown> {
  return {
    name: 'kv',
    model: kvModel(),
    dialect: 'porcupine-kv',
    failMeansNotRun: true,
    initial: {},
    invocation: fc.record({ f: fc.constantFrom('get', 'put', 'append'), key: fc.constantFrom('k1', 'k2'), value: fc.constantFrom('a', 'b', 'c') }) as fc.Arbitrary<KvInvocation>,
    f: (invocation) => invocation.f,
    invokeValue: (invocation) => ({ key: invocation.key, value: invocation.f === 'get' ? null : invocation.value }),
    apply(state, invocation) {
      const values = state as Readonly<Record<string, string>>;
      const current = values[invocation.key] ?? '';
      if (invocation.f === 'get') return { value: { key: invocation.key, value: current }, state };
      const next = invocation.f === 'put' ? invocation.value : current + invocation.value;
      return { value: { key: invocation.key, value: invocation.value }, state: { ...values, [invocation.key]: next } };
    },
    perturb: (value, invocation, choice) => (invocation.f === 'get' ? { key: invocation.key, value: ['', 'a', 'ab', 'ba', 'c'][choice % 5] } : value),
    corrupt: (_value, invocation) => (invocation.f === 'get' ? { key: invocation.key, value: 'never written' } : undefined),
  };
}

// ---- multi-register ------------------------------------------------------------------------------

type Micro = ['read' | 'write', 'x' | 'y', number];

export function multiRegisterKit(): Kit<Micro[], unknown> {
  const micro = fc.tuple(fc.constantFrom<'read' | 'write'>('read', 'write'), fc.constantFrom<'x' | 'y'>('x', 'y'), small);
  return {
    name: 'multi-register',
    model: multiRegisterModel(),
    dialect: 'edn',
    failMeansNotRun: true,
    initial: {},
    invocation: fc.array(micro, { minLength: 1, maxLength: 3 }) as fc.Arbitrary<Micro[]>,
    f: () => 'txn',
    invokeValue: (invocation) => invocation.map(([f, key, value]) => [f, key, f === 'read' ? null : value]),
    apply(state, invocation) {
      const values: Record<string, number> = { ...(state as Record<string, number>) };
      const completed = invocation.map(([f, key, value]) => {
        if (f === 'write') values[key] = value;
        return [f, key, f === 'write' ? value : (values[key] ?? null)];
      });
      return { value: completed, state: values };
    },
    perturb: (value, _invocation, choice) => (value as unknown[][]).map((micro, index) => (micro[0] === 'read' && index === choice % 3 ? ['read', micro[1], choice % 3] : micro)),
    corrupt(value) {
      const micros = value as unknown[][];
      const read = micros.findIndex((micro) => micro[0] === 'read');
      return read === -1 ? undefined : micros.map((micro, index) => (index === read ? ['read', micro[1], 99] : micro));
    },
  };
}

export function allKits(): Kit<unknown, unknown>[] {
  const kits = [registerKit('jsonl'), registerKit('porcupine-etcd'), registerKit('edn'), bankKit(false), bankKit(true), kvKit(), multiRegisterKit()];
  return kits as Kit<unknown, unknown>[];
}
