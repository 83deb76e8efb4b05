// The lock table of a serialization point: first come first served, fencing tokens, expiry.
import { status } from '@grpc/grpc-js';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { LeaseTable } from './leases.js';
import { realClock } from '../../cluster/index.js';

const soon = (): number => Date.now() + 2_000;

describe('LeaseTable', () => {
  it('grants one account in arrival order, with increasing tokens', async () => {
    const table = new LeaseTable(1, () => undefined, realClock);
    const order: number[] = [];
    const first = await table.acquire(['a1'], 1_000, soon());
    const waiting = [1, 2, 3].map((name) => table.acquire(['a1'], 1_000, soon()).then((grant) => {
      order.push(name);
      table.release(grant.token);
      return grant;
    }));
    await sleep(5);
    expect(order).toEqual([]);
    table.release(first.token);
    const grants = await Promise.all(waiting);
    expect(order).toEqual([1, 2, 3]);
    expect(grants.every((grant) => grant.waited && grant.token > first.token)).toBe(true);
    expect(first.token).toBeGreaterThan(2 ** 32); // boot 1's range: a restart never reuses a token
  });

  it('takes two accounts in sorted order, so crossing transfers do not deadlock', async () => {
    const table = new LeaseTable(1, () => undefined, realClock);
    const grants = await Promise.all([
      table.acquire(['a1', 'a2'], 1_000, soon()), table.acquire(['a2', 'a1'], 1_000, soon()),
    ].map((pending) => pending.then((grant) => {
      setTimeout(() => table.release(grant.token), 5);
      return grant;
    })));
    expect(grants).toHaveLength(2);
  });

  it('expires a lease, counts it, and fences the old holder out', async () => {
    let expiries = 0;
    const table = new LeaseTable(1, () => (expiries += 1), realClock);
    const stale = await table.acquire(['a1'], 20, soon());
    expect(table.holds(stale.token, ['a1'])).toBe(true);
    const next = await table.acquire(['a1'], 1_000, soon());
    expect(expiries).toBe(1);
    expect(table.holds(stale.token, ['a1'])).toBe(false);
    expect(table.holds(next.token, ['a1'])).toBe(true);
    expect(table.release(stale.token)).toBe(false);
    table.clear('done');
  });

  it('gives up at the deadline and when cleared, leaving the queue clean', async () => {
    const table = new LeaseTable(1, () => undefined, realClock);
    const holder = await table.acquire(['a1'], 5_000, soon());
    await expect(table.acquire(['a1'], 1_000, Date.now() + 20)).rejects.toMatchObject({ code: status.DEADLINE_EXCEEDED });
    const cleared = table.acquire(['a1'], 1_000, soon());
    table.clear('reset');
    await expect(cleared).rejects.toMatchObject({ code: status.ABORTED });
    expect(table.holds(holder.token, ['a1'])).toBe(false);
    const fresh = await table.acquire(['a1'], 1_000, soon());
    expect(fresh.waited).toBe(false);
    table.clear('done');
  });
});
