// What shows a violation, as data the page draws: the linearizability checker's longest legal prefix
// and the op it cannot place, and for the invariants the money per account that does not add up.
import type { BranchState, Call, CheckResult, Witness } from '../../../models/index.js';
import type { OpView } from './ops.js';

export interface LinearizationView {
  summary: string;
  initialState: string;
  /** The longest legal prefix, in order: each op's invoke index, its readable form and the state after. */
  longest: { index: number; operation: string; state: string }[];
  blocked: { index: number; operation: string } | null;
  /** The model's state just before the op that cannot be placed. */
  stateBefore: string;
  /** The ops of the partition that is illegal; the others play no part in the witness. */
  partition: number[];
}

export interface AccountRow {
  account: string;
  initial: number;
  /** Acknowledged: deposits in, withdrawals and transfers out, transfers in. */
  deposited: number;
  withdrawn: number;
  transferredIn: number;
  transferredOut: number;
  /** With every unknown (info) op counted as applied or not: the range a replica may end in. */
  expectedLow: number;
  expectedHigh: number;
  finals: { branch: string; balance: number | null; off: boolean }[];
}

type Counterexample = Extract<Witness, { kind: 'counterexample' }>;

function counterexampleOf(check: CheckResult): Counterexample | undefined {
  const witness = (check.details as { witness?: Witness } | undefined)?.witness;
  return witness?.kind === 'counterexample' ? witness : undefined;
}

export function linearizationView(checks: readonly CheckResult[]): LinearizationView | null {
  const check = checks.find((item) => item.kind === 'linearizability' && item.verdict === 'illegal');
  const witness = check === undefined ? undefined : counterexampleOf(check);
  if (check === undefined || witness === undefined) return null;
  const longest = witness.longest.map((step) => ({ index: step.index, operation: step.operation, state: step.state }));
  return {
    summary: check.summary,
    initialState: witness.initialState,
    longest,
    blocked: witness.blocked === undefined ? null : { index: witness.blocked.index, operation: witness.blocked.operation },
    stateBefore: longest.at(-1)?.state ?? witness.initialState,
    partition: witness.operations,
  };
}

function numberOf(value: unknown, name: string): number {
  const item = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
  return typeof item === 'number' ? item : 0;
}

function stringOf(value: unknown, name: string): string {
  const item = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
  return typeof item === 'string' ? item : '';
}

/** Adds one op's effect on the money: certain when acknowledged, a widened range when unknown. */
function account(rows: Map<string, AccountRow>, op: OpView, invoke: unknown, completion: unknown): void {
  const amount = numberOf(invoke, 'amount');
  const applied = op.type === 'ok' && (op.f === 'deposit' || (completion as { applied?: unknown } | undefined)?.applied === true);
  const unknown = op.type === 'info';
  const touch = (name: string, delta: number, column: 'deposited' | 'withdrawn' | 'transferredIn' | 'transferredOut'): void => {
    const row = rows.get(name);
    if (row === undefined) return;
    if (applied) {
      row[column] += Math.abs(delta);
      row.expectedLow += delta;
      row.expectedHigh += delta;
    } else if (unknown) {
      if (delta < 0) row.expectedLow += delta;
      else row.expectedHigh += delta;
    }
  };
  if (op.f === 'deposit') touch(stringOf(invoke, 'account'), amount, 'deposited');
  if (op.f === 'withdraw') touch(stringOf(invoke, 'account'), -amount, 'withdrawn');
  if (op.f === 'transfer') {
    touch(stringOf(invoke, 'from'), -amount, 'transferredOut');
    touch(stringOf(invoke, 'to'), amount, 'transferredIn');
  }
}

/** Per account: what the acknowledged ops say it should hold, and what every replica holds. */
export function accountRows(accounts: readonly { account: string; balance: number }[], ops: readonly OpView[], calls: readonly Call[], finalStates: readonly BranchState[]): AccountRow[] {
  const rows = new Map<string, AccountRow>();
  for (const item of accounts) {
    rows.set(item.account, { account: item.account, initial: item.balance, deposited: 0, withdrawn: 0, transferredIn: 0, transferredOut: 0, expectedLow: item.balance, expectedHigh: item.balance, finals: [] });
  }
  ops.forEach((op, position) => account(rows, op, calls[position]?.invoke, calls[position]?.value));
  for (const row of rows.values()) {
    row.finals = finalStates.map((state) => {
      const balance = state.accounts[row.account]?.balance ?? null;
      return { branch: state.branch, balance, off: balance === null || balance < row.expectedLow || balance > row.expectedHigh };
    });
  }
  return [...rows.values()];
}

/** The ops an invariant violation points at: the mutations of accounts that do not add up, and ids applied twice. */
export function invariantOps(rows: readonly AccountRow[], ops: readonly OpView[], calls: readonly Call[], finalStates: readonly BranchState[]): number[] {
  const off = new Set(rows.filter((row) => row.finals.some((final) => final.off)).map((row) => row.account));
  const twice = new Set(finalStates.flatMap((state) => state.applied.filter((key) => key.times > 1).map((key) => key.requestId)));
  return ops
    .filter((op, position) => {
      const invoke = calls[position]?.invoke;
      const touched = [stringOf(invoke, 'account'), stringOf(invoke, 'from'), stringOf(invoke, 'to')];
      return (op.f !== 'query' && op.type !== 'fail' && touched.some((name) => off.has(name))) || (op.requestId !== null && twice.has(op.requestId));
    })
    .map((op) => op.index);
}
