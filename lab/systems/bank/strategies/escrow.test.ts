// Escrow's bookkeeping on three branches' stores (in memory, as the simulator keeps them): a grant
// asked twice, replies heard twice and out of order, propagated updates delivered twice, and a kill
// -9 between giving and receiving never create or destroy rights. After every step each branch's
// rights as it knows them are at most what it truly holds, what they truly hold sums to the balance,
// and a deposit is granted only once every peer acked it, so no replica folds a balance below zero.
// Run: `npx vitest run lab/systems/bank/strategies/escrow.test.ts`.
import { describe, expect, it } from 'vitest';
import type { RightsReply } from '../../../../proto/index.js';
import { realClock } from '../../../cluster/index.js';
import { MemoryDisk, Store } from '../store.js';
import { foldedAccount, totalName, withTotals } from './crdt.js';
import { askOrder, escrowRights, grantName, grantRights, hearGrant, shareOf, unackedDeposits } from './escrow.js';

const branches = ['b1', 'b2', 'b3'];
const names = { total: totalName };
const initial = [{ account: 'a1', balance: 90 }];
const policy = { dedup: true, ordered: true };

interface Branch {
  id: string;
  disk: MemoryDisk;
  store: Store;
}

function branch(id: string): Branch {
  const disk = new MemoryDisk();
  const store = Store.openInMemory(disk, initial, realClock);
  store.reset(withTotals(store.accounts(), branches, true), 1);
  return { id, disk, store };
}

/** A kill -9 and a restart: what was not committed is gone. */
function restart(node: Branch): void {
  node.store.crash();
  node.store = Store.openInMemory(node.disk, initial, realClock);
}

/** Delivers every update `from` committed to `to`, as the Propagate stream would; returns the outcomes. */
function propagate(from: Branch, to: Branch): string[] {
  from.store.flush();
  return from.store.logAfter(0, 100).map((entry) => to.store.applyReplica({ ...entry, origin: from.id }, policy));
}

function ask(giver: Branch, requester: string, requestId: string, amount: number): RightsReply {
  return grantRights(giver.store, names, giver.id, branches, { requester, requestId, account: 'a1', amount, epoch: 1 }).reply;
}

/** A deposit (p) or withdrawal (n) at `node`, committed as the crdt strategy commits it: its own total, logged for the peers. */
function spend(node: Branch, side: 'p' | 'n', amount: number, requestId: string): void {
  const name = totalName('a1', side, node.id);
  const total = node.store.account(name) ?? { account: name, balance: 0, version: 0 };
  node.store.commit(node.id, requestId, [{ account: name, balance: total.balance + amount, version: total.version + 1, delta: amount }], '{}');
}

/** Every peer of `node` acks everything it logged so far. */
function ackAll(node: Branch): void {
  for (const peer of branches) if (peer !== node.id) node.store.setCursor(peer, node.store.lastSequence());
}

const folded = (node: Branch): number | undefined => foldedAccount(node.store, 'a1', branches)?.balance;

const known = (node: Branch): number => escrowRights(node.store, names, 'a1', node.id, branches);

/** What each branch truly holds: its own totals and the grant rows as their givers wrote them. */
function truly(nodes: readonly Branch[]): Map<string, number> {
  const row = (node: Branch, name: string): number => node.store.account(name)?.balance ?? 0;
  const rights = new Map<string, number>();
  for (const node of nodes) {
    let held = shareOf(90, node.id, branches) + row(node, totalName('a1', 'p', node.id)) - row(node, totalName('a1', 'n', node.id));
    for (const other of nodes) {
      if (other === node) continue;
      held += row(other, grantName('a1', other.id, node.id)) - row(node, grantName('a1', node.id, other.id));
    }
    rights.set(node.id, held);
  }
  return rights;
}

function expectInvariants(nodes: readonly Branch[]): void {
  const rights = truly(nodes);
  const own = (node: Branch, side: 'p' | 'n'): number => node.store.account(totalName('a1', side, node.id))?.balance ?? 0;
  const balance = nodes.reduce((sum, node) => sum + own(node, 'p') - own(node, 'n'), 90);
  expect([...rights.values()].reduce((sum, held) => sum + held, 0)).toBe(balance);
  for (const node of nodes) {
    expect(known(node), node.id).toBeLessThanOrEqual(rights.get(node.id) ?? 0);
    expect(rights.get(node.id), node.id).toBeGreaterThanOrEqual(0);
  }
}

describe('escrow rights', () => {
  it('split the balance in shares, the first branch holding the odd cents; peers are asked in a rotating order', () => {
    expect(branches.map((id) => shareOf(91, id, branches))).toEqual([31, 30, 30]);
    expect(askOrder('b2', branches)).toEqual(['b3', 'b1']);
    expect(askOrder('b3', branches)).toEqual(['b1', 'b2']);
  });

  it('move once, whatever is asked twice, heard twice or out of order, or delivered twice', () => {
    const nodes = branches.map(branch);
    const [b1, b2] = nodes as [Branch, Branch, Branch];
    expect(known(b2)).toBe(30);
    const first = ask(b1, 'b2', 'w1/b1', 20);
    expect(first).toEqual({ granted: 20, total: 20 });
    expect(ask(b1, 'b2', 'w1/b1', 20)).toEqual(first);
    const second = ask(b1, 'b2', 'w2/b1', 5);
    expect(second).toEqual({ granted: 5, total: 25 });
    expect(known(b1)).toBe(5);
    expectInvariants(nodes);

    hearGrant(b2.store, 'a1', 'b1', 'b2', second, 'w2/b1');
    hearGrant(b2.store, 'a1', 'b1', 'b2', first, 'w1/b1');
    hearGrant(b2.store, 'a1', 'b1', 'b2', second, 'w2/b1');
    expect(known(b2)).toBe(55);
    expect(propagate(b1, b2)).toEqual(['applied', 'applied']);
    expect(propagate(b1, b2)).toEqual(['duplicate', 'duplicate']);
    expect(known(b2)).toBe(55);
    expectInvariants(nodes);

    expect(ask(b1, 'b2', 'w3/b1', 10)).toEqual({ granted: 5, total: 30 });
    expect(ask(b1, 'b2', 'w4/b1', 10)).toEqual({ granted: 0, total: 30 });
    expect(known(b1)).toBe(0);
    expectInvariants(nodes);
    // Grants move rights, not money: every replica still folds the balance to 90.
    for (const node of nodes) expect(foldedAccount(node.store, 'a1', branches)?.balance).toBe(90);
  });

  it('are not lost by a kill -9 of the receiver between the grant and hearing of it: propagation brings them', () => {
    const nodes = branches.map(branch);
    const [b1, b2] = nodes as [Branch, Branch, Branch];
    const reply = ask(b1, 'b2', 'w1/b1', 20);
    b1.store.flush();
    hearGrant(b2.store, 'a1', 'b1', 'b2', reply, 'w1/b1');
    expect(known(b2)).toBe(50);
    restart(b2);
    expect(known(b2)).toBe(30);
    expectInvariants(nodes);
    expect(propagate(b1, b2)).toEqual(['applied']);
    expect(known(b2)).toBe(50);
    // The reply heard again, after the update it carried: nothing moves twice.
    hearGrant(b2.store, 'a1', 'b1', 'b2', reply, 'w1/b1');
    expect(known(b2)).toBe(50);
    expectInvariants(nodes);
  });

  it('are not lost by a kill -9 of the giver before its grant committed: the grant never happened, and no reply left', () => {
    const nodes = branches.map(branch);
    const [b1, b2, b3] = nodes as [Branch, Branch, Branch];
    ask(b1, 'b3', 'w1/b1', 10);
    b1.store.flush();
    ask(b1, 'b2', 'w2/b1', 20);
    restart(b1);
    expect(known(b1)).toBe(20);
    expect(b1.store.reply('rights/b2/w2/b1')).toBeUndefined();
    expect(propagate(b1, b2)).toEqual(['applied']);
    expect(propagate(b1, b3)).toEqual(['applied']);
    expect([known(b1), known(b2), known(b3)]).toEqual([20, 30, 40]);
    expectInvariants(nodes);
  });

  it('grant no deposit before every peer acked it, so no replica hears a withdrawal before the deposit that funds it', () => {
    const nodes = branches.map(branch);
    const [b1, b2, b3] = nodes as [Branch, Branch, Branch];
    spend(b3, 'n', 30, 'w0');
    spend(b1, 'p', 60, 'd1');
    expect(known(b1)).toBe(90);
    expect(unackedDeposits(b1.store, names, 'a1', 'b1', branches)).toBe(60);
    const first = ask(b1, 'b2', 'w1/b1', 60);
    expect(first).toEqual({ granted: 30, total: 30 });
    hearGrant(b2.store, 'a1', 'b1', 'b2', first, 'w1/b1');
    expect(known(b2)).toBe(60);
    spend(b2, 'n', 60, 'w1');
    expectInvariants(nodes);
    // b3 hears b2's withdrawal and its own, not b1's deposit: its fold stays at zero, not below.
    propagate(b2, b3);
    expect(folded(b3)).toBe(0);
    propagate(b1, b2);
    propagate(b1, b3);
    ackAll(b1);
    expect(unackedDeposits(b1.store, names, 'a1', 'b1', branches)).toBe(0);
    expect(ask(b1, 'b2', 'w2/b1', 60)).toEqual({ granted: 60, total: 90 });
    expectInvariants(nodes);
    for (const node of nodes) expect(folded(node), node.id).toBeGreaterThanOrEqual(0);
  });
});
