// Acceptance (issue 2): a storm of concurrent transfers among 3 accounts, in both directions, through
// all 3 branches. Under lock and lock-free it finishes in bounded time (no deadlock) and conserves money,
// checked two ways: the sum on every branch, and each balance replayed from the applied transfers.
import { status } from '@grpc/grpc-js';
import seedrandom from 'seedrandom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callUnary, isServiceError, retryAborted, startCluster, waitForSettled } from '../lab/cluster/index.js';
import type { Cluster, Strategy } from '../lab/cluster/index.js';
import type { TransferReply } from '../proto/index.js';

const seed = 'transfer-storm-2';
const accounts = ['x', 'y', 'z'];
const initialBalance = 1_000;
const transferCount = 90;
const amountMax = 400;
const transferDeadlineMs = 20_000;
const stormBoundMs = 30_000;
/** Refusals a server sends only when it decided nothing happened (lab/systems/bank/errors.ts); ABORTED is retried first. */
const definiteCodes: ReadonlySet<number> = new Set([status.ABORTED, status.FAILED_PRECONDITION]);

interface PlannedTransfer {
  requestId: string;
  branchIndex: number;
  from: string;
  to: string;
  amount: number;
}

function planStorm(strategy: Strategy): PlannedTransfer[] {
  const random = seedrandom(seed);
  const pick = (count: number): number => Math.floor(random() * count);
  return Array.from({ length: transferCount }, (_, index) => {
    const from = pick(accounts.length);
    const to = (from + 1 + pick(accounts.length - 1)) % accounts.length;
    return {
      requestId: `${strategy}-transfer-${index}`,
      branchIndex: index % 3,
      from: accounts[from] ?? 'x',
      to: accounts[to] ?? 'y',
      amount: 1 + pick(amountMax),
    };
  });
}

async function runStorm(cluster: Cluster, transfers: PlannedTransfer[]): Promise<PromiseSettledResult<TransferReply>[] | 'timed out'> {
  const calls = Promise.allSettled(transfers.map((transfer) => {
    const client = cluster.client(cluster.branches[transfer.branchIndex] ?? 'b1');
    const identity = { clientId: `client-${transfer.requestId}`, requestId: transfer.requestId };
    const request = { ...identity, fromAccount: transfer.from, toAccount: transfer.to, amount: transfer.amount };
    return retryAborted(() => callUnary(client.transfer.bind(client), request, transferDeadlineMs, identity), { attemptsMax: 3, pauseMs: 20 });
  }));
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<'timed out'>((resolve) => {
    timer = setTimeout(() => resolve('timed out'), stormBoundMs);
  });
  const outcome = await Promise.race([calls, bound]);
  clearTimeout(timer);
  return outcome;
}

describe.each<Strategy>(['lock', 'lock-free'])(`a transfer storm under %s (seed ${seed})`, (strategy) => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster({ branches: 3, strategy, accounts: accounts.map((account) => ({ account, balance: initialBalance })) });
  });

  afterAll(async () => {
    await cluster.stop();
  });

  it('finishes within the bound and conserves money on every branch', async () => {
    const transfers = planStorm(strategy);
    const outcome = await runStorm(cluster, transfers);
    expect(outcome, `deadlock: transfers still running after ${stormBoundMs} ms`).not.toBe('timed out');
    if (outcome === 'timed out') return;

    const expected = new Map(accounts.map((account) => [account, initialBalance]));
    const appliedIds = new Set<string>();
    let refused = 0;
    outcome.forEach((result, index) => {
      const transfer = transfers[index];
      if (transfer === undefined) return;
      if (result.status === 'rejected') {
        const code = isServiceError(result.reason) ? result.reason.code : undefined;
        expect(code !== undefined && definiteCodes.has(code), `${transfer.requestId}: ${String(result.reason)}`).toBe(true);
        refused += 1;
        return;
      }
      expect(result.value.fromBalance).toBeGreaterThanOrEqual(0);
      if (!result.value.applied) return;
      appliedIds.add(transfer.requestId);
      expected.set(transfer.from, (expected.get(transfer.from) ?? 0) - transfer.amount);
      expected.set(transfer.to, (expected.get(transfer.to) ?? 0) + transfer.amount);
    });
    console.log(`${strategy}: ${appliedIds.size} applied, ${transferCount - appliedIds.size - refused} refused for funds, ${refused} refused by the server`);
    expect(appliedIds.size).toBeGreaterThan(transferCount / 3);

    const settled = await waitForSettled(cluster);
    expect(settled.agreed).toBe(true);
    for (const state of settled.states) {
      const balances = accounts.map((account) => state.accounts[account]?.balance ?? Number.NaN);
      expect(balances.reduce((sum, balance) => sum + balance, 0), state.branch).toBe(initialBalance * accounts.length);
      expect(balances.every((balance) => balance >= 0), state.branch).toBe(true);
      expect(balances, state.branch).toEqual(accounts.map((account) => expected.get(account)));
      const stormKeys = state.applied.filter((key) => key.requestId.startsWith(`${strategy}-transfer-`));
      expect(new Set(stormKeys.map((key) => key.requestId)), state.branch).toEqual(appliedIds);
      expect(stormKeys.every((key) => key.times === 1), state.branch).toBe(true);
    }
  });
});
