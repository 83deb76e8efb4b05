// A branch's durable state: one transaction per decision, dedup per origin, order per account,
// and nothing lost across a close and reopen.
import { afterAll, describe, expect, it } from 'vitest';
import { decide, updateProblem } from './decide.js';
import { Store } from './store.js';
import { removeDirectory, temporaryDirectory } from './test-support.js';

const directories: string[] = [];
function open(accounts = [{ account: 'a1', balance: 10 }, { account: 'a2', balance: 0 }]): { store: Store; directory: string } {
  const directory = temporaryDirectory('faultline-store-');
  directories.push(directory);
  return { store: Store.open(directory, accounts), directory };
}
afterAll(() => directories.forEach(removeDirectory));

describe('Store', () => {
  it('commits a decision with its reply and log row, and keeps it across a reopen', () => {
    const { store, directory } = open();
    const decision = decide({ kind: 'transfer', from: 'a1', to: 'a2', amount: 4 }, store.accounts());
    expect(store.commit('b1', 'r1', decision.updates, JSON.stringify(decision.reply))).toBe(1);
    const refusal = decide({ kind: 'withdraw', account: 'a2', amount: 9 }, store.accounts());
    expect(store.commit('b1', 'r2', refusal.updates, JSON.stringify(refusal.reply))).toBe(0);
    expect(store.outbox(['b2', 'b3'])).toBe(2);
    store.setCursor('b2', 1);
    store.close();

    const reopened = Store.open(directory, [{ account: 'ignored', balance: 1 }]);
    expect(reopened.created).toBe(false);
    expect(reopened.boot).toBe(2);
    expect(reopened.accounts()).toEqual([{ account: 'a1', balance: 6, version: 1 }, { account: 'a2', balance: 4, version: 1 }]);
    expect(JSON.parse(reopened.reply('r2') ?? '')).toEqual({ applied: false, balance: 4, version: 1 });
    expect(reopened.logAfter(0, 10)).toEqual([{ sequence: 1, key: 'b1/1', requestId: 'r1', updates: decision.updates }]);
    expect(reopened.outbox(['b2', 'b3'])).toBe(1);
    reopened.close();
  });

  it('applies a replicated update once per origin sequence and in version order', () => {
    const { store } = open();
    const message = { origin: 'b1', sequence: 1, key: 'b1/1', requestId: 'r1', updates: [{ account: 'a1', balance: 15, version: 1, delta: 5 }] };
    const policy = { dedup: true, ordered: true };
    expect(store.applyReplica(message, policy)).toBe('applied');
    expect(store.applyReplica(message, policy)).toBe('duplicate');
    expect(store.applyReplica({ ...message, sequence: 2, key: 'b1/2', updates: [{ account: 'a1', balance: 30, version: 3, delta: 15 }] }, policy))
      .toBe('dead-letter');
    expect(store.appliedSequence('b1')).toBe(2);
    expect(store.deadLetterCount()).toBe(1);
    expect(store.appliedKeys()).toEqual([{ requestId: 'r1', account: 'a1', times: 1 }]);
    // Without dedup (unsafe, or the no-dedup bug) the same update lands twice and shows it.
    expect(store.applyReplica(message, { dedup: false, ordered: false })).toBe('applied');
    expect(store.appliedKeys()).toEqual([{ requestId: 'r1', account: 'a1', times: 2 }]);
    store.close();
  });

  it('resets every table and sets the epoch', () => {
    const { store } = open();
    store.commit('b1', 'r1', decide({ kind: 'deposit', account: 'a1', amount: 1 }, store.accounts()).updates, '{}');
    store.setCursor('b2', 1);
    store.reset([{ account: 'z', balance: 3, version: 0 }], 4);
    expect(store.epoch()).toBe(4);
    expect(store.accounts()).toEqual([{ account: 'z', balance: 3, version: 0 }]);
    expect([store.lastSequence(), store.cursor('b2'), store.appliedKeys().length, store.reply('r1')]).toEqual([0, 0, 0, undefined]);
    store.close();
  });
});

describe('updateProblem', () => {
  it('accepts only the next version, a matching balance and no overdraft', () => {
    const current = { account: 'a1', balance: 10, version: 2 };
    expect(updateProblem({ account: 'a1', balance: 15, version: 3, delta: 5 }, current)).toBeUndefined();
    expect(updateProblem({ account: 'a1', balance: 15, version: 2, delta: 5 }, current)).toMatch(/version/);
    expect(updateProblem({ account: 'a1', balance: 16, version: 3, delta: 5 }, current)).toMatch(/balance/);
    expect(updateProblem({ account: 'a1', balance: -1, version: 3, delta: -11 }, current)).toMatch(/below zero/);
    expect(updateProblem({ account: 'a1', balance: 15, version: 3, delta: 5 }, undefined)).toMatch(/unknown/);
  });
});
