// npm run bench:strategies-lost-updates [-- --runs 20]: how often each strategy ends a storm of 50
// concurrent deposits of 1 (one account, through 3 branches) wrong: a lower balance than acknowledged,
// or branches that disagree. One cluster per strategy, reset between runs.
import { parseArgs } from 'node:util';
import { depositStorm, judgeDepositStorm, startCluster, strategies } from '../lab/cluster/index.js';
import type { Strategy } from '../lab/cluster/index.js';

const account = 'hot';
const depositCount = 50;
const initialBalance = 1_000;
const branchCount = 3;

interface Tally {
  strategy: Strategy;
  runs: number;
  wrong: number;
  lowerBalance: number;
  disagreeing: number;
  failedDeposits: number;
  examples: string[];
}

async function measure(strategy: Strategy, runs: number): Promise<Tally> {
  const tally: Tally = { strategy, runs, wrong: 0, lowerBalance: 0, disagreeing: 0, failedDeposits: 0, examples: [] };
  const cluster = await startCluster({ branches: branchCount, strategy, accounts: [{ account, balance: initialBalance }] });
  try {
    for (let run = 1; run <= runs; run += 1) {
      if (run > 1) await cluster.reset([{ account, balance: initialBalance }]);
      const storm = await depositStorm(cluster, { account, deposits: depositCount, label: `${strategy}-${run}` });
      const verdict = await judgeDepositStorm(cluster, account, initialBalance + storm.acknowledged, { timeoutMs: 5_000, quietMs: 500 });
      tally.failedDeposits += storm.failures.length;
      if (verdict.lost) tally.lowerBalance += 1;
      if (!verdict.agreed) tally.disagreeing += 1;
      if (verdict.lost || !verdict.agreed) {
        tally.wrong += 1;
        if (tally.examples.length < 3) tally.examples.push(`run ${run}: ${storm.acknowledged} acked, ${verdict.summary}`);
      }
    }
    return tally;
  } finally {
    await cluster.stop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' } } });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs takes a positive whole number');
  process.stdout.write(`${runs} runs per strategy: ${depositCount} concurrent deposits of 1 to '${account}' (initial ${initialBalance}) through ${branchCount} branches\n`);
  for (const strategy of strategies) {
    const tally = await measure(strategy, runs);
    process.stdout.write(
      `${strategy.padEnd(9)} wrong in ${tally.wrong}/${tally.runs} runs (${((100 * tally.wrong) / tally.runs).toFixed(0)} %): ` +
        `lower balance ${tally.lowerBalance}, branches disagree ${tally.disagreeing}; failed deposits ${tally.failedDeposits}\n`,
    );
    for (const example of tally.examples) process.stdout.write(`          ${example}\n`);
  }
}

await main();
