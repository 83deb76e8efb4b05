// A branch's durable state: one atomic change per decision, group commits, a dedup store of keys with a window, order
// per account, an outbox that shrinks only on acks, and nothing lost across a close and reopen.
import { afterAll, describe, expect, it } from 'vitest';
import { decide, updateProblem } from './decide.js';
import Database from 'better-sqlite3';
import { databasePath, MemoryDisk, pageSizeBytes, Store } from './store.js';
import { removeDirectory, temporaryDirectory } from './_testing/support.js';
import { realClock } from '../../cluster/index.js';

const directories: string[] = [];
function open(accounts = [{ account: 'a1', balance: 10 }, { account: 'a2', balance: 0 }]): { store: Store; directory: string } {
  const directory = temporaryDirectory('faultline-store-');
  directories.push(directory);
  return { store: Store.open(directory, accounts, realClock), directory };
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

    const reopened = Store.open(directory, [{ account: 'ignored', balance: 1 }], realClock);
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

  it('remembers applied keys for the window: a purge forgets old keys only, and version order still refuses a stale resend', () => {
    const { store } = open();
    const policy = { dedup: true, ordered: true };
    const first = { origin: 'b1', sequence: 1, key: 'b1/1', requestId: 'r1', updates: [{ account: 'a1', balance: 15, version: 1, delta: 5 }] };
    const second = { origin: 'b1', sequence: 2, key: 'b1/2', requestId: 'r2', updates: [{ account: 'a1', balance: 12, version: 2, delta: -3 }] };
    expect(store.applyReplica(first, policy, 1_000)).toBe('applied');
    expect(store.applyReplica(second, policy, 5_000)).toBe('applied');
    expect(store.applyReplica(first, policy, 5_001)).toBe('duplicate');
    expect(store.dedupSize()).toBe(2);
    expect(store.purgeDedup(2_000, 100)).toBe(1);
    expect(store.dedupSize()).toBe(1);
    expect(store.applyReplica(second, policy, 6_000)).toBe('duplicate');
    // b1/1 left the window: the key store no longer knows it, but a1 already holds version 1.
    expect(store.applyReplica(first, policy, 6_001)).toBe('stale');
    expect(store.account('a1')).toEqual({ account: 'a1', balance: 12, version: 2 });
    expect(store.appliedKeys().map((key) => key.times)).toEqual([1, 1]);
    expect(store.purgeDedup(10_000, 1)).toBe(1);
    expect(store.purgeDedup(10_000, 100)).toBe(1);
    store.close();
  });

  it('dead-letters what it cannot apply, once per key, and records the key in the same transaction', () => {
    const { store } = open();
    const policy = { dedup: true, ordered: true };
    const unknown = { origin: 'b1', sequence: 1, key: 'b1/1', requestId: 'r1', updates: [{ account: 'zz', balance: 1, version: 1, delta: 1 }] };
    const malformed = { origin: 'b1', sequence: 2, key: 'b1/2', requestId: 'r2', updates: [] };
    expect(store.applyReplica(unknown, policy, 1)).toBe('dead-letter');
    expect(store.applyReplica(unknown, policy, 2)).toBe('duplicate');
    expect(store.applyReplica(malformed, policy, 3)).toBe('dead-letter');
    expect(store.deadLetters().map((letter) => [letter.key, letter.reason])).toEqual([
      ['b1/1', 'unknown account zz'], ['b1/2', 'the update changes no account'],
    ]);
    expect(store.accounts().map((account) => account.account)).toEqual(['a1', 'a2']);
    store.close();
  });

  it('counts the outbox in rows and bytes, and prunes only rows every peer acked', () => {
    const { store, directory } = open();
    for (const [index, amount] of [1, 2, 3].entries()) {
      const decision = decide({ kind: 'deposit', account: 'a1', amount }, store.accounts());
      store.commit('b1', `r${index}`, decision.updates, JSON.stringify(decision.reply));
    }
    store.flush();
    const usage = store.outboxUsage();
    expect(usage.rows).toBe(3);
    expect(usage.bytes).toBe(store.logAfter(0, 10).reduce((sum, row) => sum + JSON.stringify(row.updates).length, 0));
    store.setCursor('b2', 3);
    store.setCursor('b3', 1);
    expect(store.pruneLog(['b2', 'b3'])).toBe(1);
    expect(store.outboxUsage().rows).toBe(2);
    expect(store.logAfter(1, 10).map((row) => row.sequence)).toEqual([2, 3]);
    store.close();
    // The counters and the sequence survive a reopen although the first row is gone.
    const reopened = Store.open(directory, [], realClock);
    expect(reopened.outboxUsage().rows).toBe(2);
    expect(reopened.lastSequence()).toBe(3);
    expect(reopened.pruneLog([])).toBe(2);
    expect(reopened.outboxUsage()).toEqual({ rows: 0, bytes: 0 });
    expect(reopened.commit('b1', 'r9', decide({ kind: 'deposit', account: 'a2', amount: 1 }, reopened.accounts()).updates, '{}')).toBe(4);
    reopened.close();
  });

  it('groups the writes of one turn of the event loop into one commit, and shows senders only committed rows', async () => {
    const { store, directory } = open();
    const other = new Database(databasePath(directory), { readonly: true });
    const committedBalance = (): unknown => other.prepare("SELECT balance FROM accounts WHERE account = 'a1'").pluck().get();
    for (const [index, amount] of [1, 2].entries()) {
      store.commit('b1', `g${index}`, decide({ kind: 'deposit', account: 'a1', amount }, store.accounts()).updates, '{}');
    }
    // This connection reads its own writes; the row is in the outbox count, but no sender sees it yet.
    expect([store.account('a1')?.balance, store.outboxUsage().rows, store.logAfter(0, 10).length]).toEqual([13, 2, 0]);
    expect(committedBalance()).toBe(10);
    let durable = false;
    const waiting = store.durable().then(() => {
      durable = true;
    });
    expect(durable).toBe(false);
    await waiting;
    expect([committedBalance(), store.logAfter(0, 10).map((row) => row.sequence)]).toEqual([13, [1, 2]]);
    // Nothing open: durable at once, and an after-commit effect runs at once.
    let ran = false;
    store.afterCommit(() => {
      ran = true;
    });
    expect(ran).toBe(true);
    other.close();
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
    expect([store.outboxUsage().rows, store.dedupSize()]).toEqual([0, 0]);
    store.close();
  });

  it('lays a new database out in small pages, and numbers applied rows from 1 again after a reset', () => {
    const { store, directory } = open();
    const deposit = (requestId: string): void => {
      store.commit('b1', requestId, decide({ kind: 'deposit', account: 'a1', amount: 1 }, store.accounts()).updates, '{}');
    };
    deposit('r1');
    deposit('r2');
    store.reset([{ account: 'a1', balance: 0, version: 0 }], 1);
    deposit('r3');
    store.flush();
    const other = new Database(databasePath(directory), { readonly: true });
    try {
      expect(other.pragma('page_size', { simple: true })).toBe(pageSizeBytes);
      expect(other.prepare('SELECT seq, request_id AS requestId FROM applied').all()).toEqual([{ seq: 1, requestId: 'r3' }]);
    } finally {
      other.close();
      store.close();
    }
  });
});

describe('Store in memory (the simulator\'s disk)', () => {
  const accounts = [{ account: 'a1', balance: 10 }];
  const deposit = (store: Store, requestId: string, amount: number): void => {
    store.commit('b1', requestId, decide({ kind: 'deposit', account: 'a1', amount }, store.accounts()).updates, '{}');
  };
  /** Commits r1, leaves r2 in the open group, crashes, and reopens: what a kill -9 leaves. */
  function crashAndReopen(first: Store, reopen: () => Store): Store {
    deposit(first, 'r1', 5);
    first.flush();
    deposit(first, 'r2', 7);
    expect(first.account('a1')?.balance).toBe(22);
    first.crash();
    return reopen();
  }

  it('keeps the last commit across a crash and loses the open group, as the file does', () => {
    const disk = new MemoryDisk();
    const inMemory = crashAndReopen(Store.openInMemory(disk, accounts, realClock), () => Store.openInMemory(disk, [], realClock));
    const { store, directory } = open(accounts);
    const onFile = crashAndReopen(store, () => Store.open(directory, [], realClock));
    for (const reopened of [inMemory, onFile]) {
      expect([reopened.created, reopened.boot, reopened.lastSequence(), reopened.reply('r2')]).toEqual([false, 2, 1, undefined]);
      expect(reopened.accounts()).toEqual([{ account: 'a1', balance: 15, version: 1 }]);
      expect(reopened.logAfter(0, 10).map((row) => row.requestId)).toEqual(['r1']);
    }
    expect(inMemory.appliedKeys()).toEqual(onFile.appliedKeys());
    // The applied keys are read again after a write, not served from before it.
    deposit(inMemory, 'r1', 1);
    expect(inMemory.appliedKeys()).toEqual([{ requestId: 'r1', account: 'a1', times: 2 }]);
    inMemory.close();
    onFile.close();
  });

  it('starts every disk from the initial accounts, and a crashed store writes no more', () => {
    const first = Store.openInMemory(new MemoryDisk(), accounts, realClock);
    const second = Store.openInMemory(new MemoryDisk(), [{ account: 'a2', balance: 3 }], realClock);
    expect([first.created, first.boot, second.created]).toEqual([true, 1, true]);
    deposit(first, 'r1', 1);
    first.crash();
    expect(() => deposit(first, 'r2', 1)).toThrow();
    expect(second.accounts()).toEqual([{ account: 'a2', balance: 3, version: 0 }]);
    second.close();
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
