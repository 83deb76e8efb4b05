// The lost-update experiment of issue 2: many concurrent deposits of 1 to one account, round-robin
// through every branch, then a judgement of the settled state. Used by properties/bank-deposits.test.ts
// and bench/strategies-lost-updates.ts. Try: `await depositStorm(cluster, { account: 'hot', deposits: 50, label: 'r1' })`.
import type { Cluster } from './cluster.js';
import { waitForSettled } from './convergence.js';
import type { SettleConstraints } from './convergence.js';
import { callUnary, retryAborted } from './rpc.js';

export interface DepositStormConstraints {
  account: string;
  deposits: number;
  /** Prefixes every request id, so storms on one cluster never share an idempotency key. */
  label: string;
  deadlineMs?: number;
  /** Attempts per deposit while the answer is ABORTED (a definite refusal: lock-free gave up). */
  attemptsMax?: number;
}

export interface DepositStormOutcome {
  acknowledged: number;
  failures: string[];
  retries: number;
}

export interface StormVerdict {
  /** Some branch holds less than the initial balance plus every acknowledged deposit. */
  lost: boolean;
  agreed: boolean;
  balances: (number | undefined)[];
  /** e.g. "b1=1050 b2=1050 b3=1050". */
  summary: string;
}

const depositDeadlineDefaultMs = 15_000;
const attemptsDefaultMax = 5;
const retryPauseMs = 20;

export async function depositStorm(cluster: Cluster, constraints: DepositStormConstraints): Promise<DepositStormOutcome> {
  const deadlineMs = constraints.deadlineMs ?? depositDeadlineDefaultMs;
  const attemptsMax = constraints.attemptsMax ?? attemptsDefaultMax;
  let retries = 0;
  const depositOnce = async (index: number): Promise<void> => {
    const branch = cluster.branches[index % cluster.branches.length] ?? cluster.branches[0] ?? 'b1';
    const client = cluster.client(branch);
    // One deposit, one idempotency key, however many attempts it takes.
    const identity = { clientId: `customer-${index}`, requestId: `${constraints.label}-deposit-${index}` };
    const request = { ...identity, account: constraints.account, amount: 1 };
    await retryAborted(() => callUnary(client.deposit.bind(client), request, deadlineMs, identity), {
      attemptsMax, pauseMs: retryPauseMs, onRetry: () => (retries += 1),
    });
  };
  const results = await Promise.allSettled(Array.from({ length: constraints.deposits }, (_, index) => depositOnce(index)));
  const failures = results.flatMap((result) => (result.status === 'rejected' ? [String(result.reason)] : []));
  return { acknowledged: results.length - failures.length, failures, retries };
}

/** Waits for the cluster to settle, then says whether an acknowledged deposit went missing anywhere. */
export async function judgeDepositStorm(
  cluster: Cluster,
  account: string,
  expectedBalance: number,
  settle: SettleConstraints = {},
): Promise<StormVerdict> {
  const settled = await waitForSettled(cluster, settle);
  const balances = settled.states.map((state) => state.accounts[account]?.balance);
  // An unacknowledged deposit may or may not have landed, so only a balance below the acked sum is a loss.
  const lost = balances.some((balance) => balance === undefined || balance < expectedBalance);
  const summary = settled.states.map((state, index) => `${state.branch}=${balances[index] ?? 'missing'}`).join(' ');
  return { lost, agreed: settled.agreed, balances, summary };
}
