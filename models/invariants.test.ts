// Tests of the invariant checkers over a bank history and the replicas' final states.
import { describe, expect, it } from 'vitest';
import type { BranchState, History, HistoryEvent } from './history.js';
import { checkConservation, checkConvergence, checkExactlyOnce, checkNonNegative } from './invariants.js';

const initial = [{ account: 'a1', balance: 100 }, { account: 'a2', balance: 50 }];

function history(events: Omit<HistoryEvent, 'index' | 'time'>[]): History {
  return events.map((item, index) => ({ ...item, index, time: index }));
}

function replica(branch: string, balances: Record<string, number>, applied: [string, string, number][] = []): BranchState {
  const accounts = Object.fromEntries(Object.entries(balances).map(([account, balance]) => [account, { balance, version: 1 }]));
  return { branch, accounts, applied: applied.map(([requestId, account, times]) => ({ requestId, account, times })), deadLetters: 0, outbox: 0 };
}

// An acked deposit of 10 to a1, an acked withdraw of 20 from a2, an info deposit of 5 to a1 (r3),
// a refused withdraw (r4), a failed withdraw (r5) and an acked transfer of 30 from a1 to a2 (r6).
const run = history([
  { process: 1, type: 'invoke', f: 'deposit', value: { account: 'a1', amount: 10, requestId: 'r1' } },
  { process: 1, type: 'ok', f: 'deposit', value: { account: 'a1', amount: 10, requestId: 'r1', balance: 110 } },
  { process: 2, type: 'invoke', f: 'withdraw', value: { account: 'a2', amount: 20, requestId: 'r2' } },
  { process: 2, type: 'ok', f: 'withdraw', value: { account: 'a2', amount: 20, requestId: 'r2', applied: true, balance: 30 } },
  { process: 3, type: 'invoke', f: 'deposit', value: { account: 'a1', amount: 5, requestId: 'r3' } },
  { process: 3, type: 'info', f: 'deposit', value: { account: 'a1', amount: 5, requestId: 'r3' } },
  { process: 2, type: 'invoke', f: 'withdraw', value: { account: 'a2', amount: 500, requestId: 'r4' } },
  { process: 2, type: 'ok', f: 'withdraw', value: { account: 'a2', amount: 500, requestId: 'r4', applied: false, balance: 30 } },
  { process: 2, type: 'invoke', f: 'withdraw', value: { account: 'a2', amount: 1, requestId: 'r5' } },
  { process: 2, type: 'fail', f: 'withdraw', value: { account: 'a2', amount: 1, requestId: 'r5' } },
  { process: 1, type: 'invoke', f: 'transfer', value: { from: 'a1', to: 'a2', amount: 30, requestId: 'r6' } },
  { process: 1, type: 'ok', f: 'transfer', value: { from: 'a1', to: 'a2', amount: 30, requestId: 'r6', applied: true, fromBalance: 80, toBalance: 60 } },
]);
const appliedAll: [string, string, number][] = [['r1', 'a1', 1], ['r2', 'a2', 1], ['r6', 'a1', 1], ['r6', 'a2', 1]];

describe('checkConservation', () => {
  it('accepts totals inside the interval that the info deposit leaves open', () => {
    // Without r3: a1 = 100 + 10 - 30 = 80, a2 = 50 - 20 + 30 = 60; with it a1 = 85.
    const states = [replica('b1', { a1: 80, a2: 60 }, appliedAll), replica('b2', { a1: 85, a2: 60 }, [...appliedAll, ['r3', 'a1', 1]])];
    expect(checkConservation(run, initial, states)).toMatchObject({ verdict: 'ok', kind: 'conservation' });
  });

  it('catches money created or lost, on the total and per account', () => {
    const result = checkConservation(run, initial, [replica('b1', { a1: 80, a2: 60 }), replica('b2', { a1: 90, a2: 60 })]);
    expect(result.verdict).toBe('illegal');
    expect(result.details).toEqual(['b2: the total is 150, expected [140, 145]', 'b2: a1 holds 90, expected [80, 85]']);
    const moved = checkConservation(run, initial, [replica('b1', { a1: 70, a2: 70 })]);
    expect(moved.verdict).toBe('illegal');
    expect(moved.details).toEqual(['b1: a1 holds 70, expected [80, 85]', 'b1: a2 holds 70, expected 60']);
  });

  it('is unknown without final states', () => {
    expect(checkConservation(run, initial, []).verdict).toBe('unknown');
  });
});

describe('checkNonNegative', () => {
  it('catches a negative balance in an answer or in a final state', () => {
    expect(checkNonNegative(run, [replica('b1', { a1: 80, a2: 60 })]).verdict).toBe('ok');
    const negative = history([
      { process: 1, type: 'invoke', f: 'withdraw', value: { account: 'a1', amount: 200, requestId: 'x' } },
      { process: 1, type: 'ok', f: 'withdraw', value: { account: 'a1', amount: 200, requestId: 'x', applied: true, balance: -100 } },
    ]);
    const result = checkNonNegative(negative, [replica('b1', { a1: -100, a2: 50 })]);
    expect(result.verdict).toBe('illegal');
    expect(result.details).toEqual(['op 0 (process 1, withdraw) saw balance -100', 'b1: a1 ends at -100']);
  });
});

describe('checkConvergence', () => {
  it('asks every replica to hold the same balances', () => {
    expect(checkConvergence([replica('b1', { a1: 1, a2: 2 }), replica('b2', { a1: 1, a2: 2 })]).verdict).toBe('ok');
    const result = checkConvergence([replica('b1', { a1: 1, a2: 2 }), replica('b2', { a1: 1, a2: 3 }), replica('b3', { a1: 1 })]);
    expect(result).toEqual({ verdict: 'illegal', kind: 'convergence', details: ['a2: b1=2 b2=3 b3=missing'] });
    expect(checkConvergence([]).verdict).toBe('unknown');
  });
});

describe('checkExactlyOnce', () => {
  it('accepts each acked request applied once everywhere, and an info request applied or not', () => {
    const states = [replica('b1', { a1: 80, a2: 60 }, appliedAll), replica('b2', { a1: 85, a2: 60 }, [...appliedAll, ['r3', 'a1', 1]])];
    expect(checkExactlyOnce(run, states).verdict).toBe('ok');
  });

  it('catches a request applied twice, and an acked request missing from a replica', () => {
    const states = [replica('b1', {}, [...appliedAll.filter(([id]) => id !== 'r2'), ['r3', 'a1', 2]]), replica('b2', {}, appliedAll)];
    const result = checkExactlyOnce(run, states);
    expect(result.verdict).toBe('illegal');
    expect(result.details).toEqual(['b1: request r3 applied 2 times to a1', 'b1: acked request r2 (withdraw, op 2) is not applied']);
  });

  it('counts an info request retried under the same id as one request', () => {
    const retried = history([
      { process: 1, type: 'invoke', f: 'deposit', value: { account: 'a1', amount: 10, requestId: 'r1' } },
      { process: 1, type: 'info', f: 'deposit', value: { account: 'a1', amount: 10, requestId: 'r1' } },
      { process: 2, type: 'invoke', f: 'deposit', value: { account: 'a1', amount: 10, requestId: 'r1' } },
      { process: 2, type: 'ok', f: 'deposit', value: { account: 'a1', amount: 10, requestId: 'r1', balance: 110 } },
    ]);
    expect(checkConservation(retried, initial, [replica('b1', { a1: 110, a2: 50 }, [['r1', 'a1', 1]])]).verdict).toBe('ok');
    expect(checkExactlyOnce(retried, [replica('b1', { a1: 110, a2: 50 }, [['r1', 'a1', 1]])]).verdict).toBe('ok');
    expect(checkConservation(retried, initial, [replica('b1', { a1: 120, a2: 50 })]).verdict).toBe('illegal');
  });
});
