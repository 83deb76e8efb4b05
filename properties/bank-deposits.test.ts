// Acceptance (issue 2): 50 concurrent deposits of 1 to one account, through all 3 branches of a real
// cluster. lock and lock-free end at +50 on every branch, each deposit applied once; unsafe is caught.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { depositStorm, judgeDepositStorm, startCluster } from '../lab/cluster/index.js';
import type { Cluster, Strategy } from '../lab/cluster/index.js';

const account = 'hot';
const depositCount = 50;
const initialBalance = 1_000;
const unsafeRunsMax = 5;

describe.each<Strategy>(['lock', 'lock-free'])('50 concurrent deposits under %s', (strategy) => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster({ branches: 3, strategy, accounts: [{ account, balance: initialBalance }] });
  });

  afterAll(async () => {
    await cluster.stop();
  });

  it('ends with +50 on every branch, each deposit applied exactly once everywhere', async () => {
    const storm = await depositStorm(cluster, { account, deposits: depositCount, label: strategy });
    console.log(`${strategy}: ${storm.retries} deposits retried after ABORTED`);
    expect(storm.failures).toEqual([]);
    const verdict = await judgeDepositStorm(cluster, account, initialBalance + depositCount);
    expect(verdict.agreed, verdict.summary).toBe(true);
    expect(verdict.balances, verdict.summary).toEqual(cluster.branches.map(() => initialBalance + depositCount));
    for (const state of await cluster.snapshot()) {
      const applied = state.applied.filter((key) => key.account === account && key.requestId.startsWith(`${strategy}-deposit-`));
      expect(applied, state.branch).toHaveLength(depositCount);
      expect(applied.every((key) => key.times === 1), state.branch).toBe(true);
    }
  });
});

describe('50 concurrent deposits under unsafe', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster({ branches: 3, strategy: 'unsafe', accounts: [{ account, balance: initialBalance }] });
  });

  afterAll(async () => {
    await cluster.stop();
  });

  it(`is caught (a lower balance or branches that disagree) within ${unsafeRunsMax} runs`, async () => {
    const verdicts: string[] = [];
    let caughtInRun: number | undefined;
    for (let run = 1; run <= unsafeRunsMax && caughtInRun === undefined; run += 1) {
      if (run > 1) await cluster.reset([{ account, balance: initialBalance }]);
      const storm = await depositStorm(cluster, { account, deposits: depositCount, label: `unsafe-${run}` });
      const verdict = await judgeDepositStorm(cluster, account, initialBalance + storm.acknowledged, { timeoutMs: 3_000, quietMs: 500 });
      verdicts.push(`run ${run}: ${storm.acknowledged} acked, ${verdict.summary}`);
      if (verdict.lost || !verdict.agreed) caughtInRun = run;
    }
    console.log(`unsafe: ${verdicts.join('; ')}`);
    expect(caughtInRun, verdicts.join('\n')).toBeDefined();
  });
});
