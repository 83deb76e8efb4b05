// When branches count as agreeing: the same balance for every account, whatever the versions or order.
import { describe, expect, it } from 'vitest';
import type { BranchState } from '../../models/index.js';
import { balancesAgree, balancesOfAccount } from './convergence.js';

function state(branch: string, accounts: Record<string, [balance: number, version: number]>): BranchState {
  const entries = Object.entries(accounts).map(([account, [balance, version]]) => [account, { balance, version }] as const);
  return { branch, accounts: Object.fromEntries(entries), applied: [], deadLetters: 0, outbox: 0 };
}

describe('balancesAgree', () => {
  it('agrees on equal balances listed in any order', () => {
    expect(balancesAgree([state('b1', { a: [5, 1], b: [7, 2] }), state('b2', { b: [7, 2], a: [5, 1] })])).toBe(true);
    expect(balancesAgree([state('b1', { a: [5, 1] })])).toBe(true);
    expect(balancesAgree([])).toBe(true);
  });

  it('disagrees on a different balance or a missing account', () => {
    expect(balancesAgree([state('b1', { a: [5, 1] }), state('b2', { a: [5, 1] }), state('b3', { a: [4, 1] })])).toBe(false);
    expect(balancesAgree([state('b1', { a: [5, 1], b: [0, 0] }), state('b2', { a: [5, 1] })])).toBe(false);
  });

  it('reads one account across branches, undefined where it is missing', () => {
    expect(balancesOfAccount([state('b1', { a: [5, 1] }), state('b2', {})], 'a')).toEqual([5, undefined]);
  });
});
