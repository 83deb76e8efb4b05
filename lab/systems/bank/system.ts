// The bank as a System: the same node process the bank's own runner starts (`faultline node`), one
// workload per strategy (the strategy is how its nodes start), the bank's client and status table for
// each op, the bank model, and the bank's invariants as the workload's checks. `--system bank` keeps the
// bank's own runner and plans; this module lets the generic runner drive the bank like any other system.
import type { BranchState } from '../../../models/index.js';
import { bankModel, judgeInvariants } from '../../../models/index.js';
import { perform } from '../../client/index.js';
import { balancesAgree, branchClient, callUnary, faultlineBinPath, nodeArguments, realClock, toBranchState } from '../../cluster/index.js';
import type { BranchClient } from '../../../proto/index.js';
import { claimsOf, strategies } from '../../plan/index.js';
import type { PlanOp, Strategy } from '../../plan/index.js';
import type { NodeContext, NodeState, OpOutcome, System, SystemClient, SystemOp, SystemWorkload, WorkloadConstraints } from '../index.js';
import fc from 'fast-check';

/** Every account starts with this much; the workload's objects are the accounts a1..aN. */
const openingBalance = 100;
const amountMax = 30;
const snapshotDeadlineMs = 2_000;

function accountsOf(count: number): { account: string; balance: number }[] {
  return Array.from({ length: Math.max(1, count) }, (_, index) => ({ account: `a${index + 1}`, balance: openingBalance }));
}

/** The accounts a cluster holds: as many as any workload may name (the most the flags allow). */
const clusterAccounts = accountsOf(8);

function bankOps(constraints: WorkloadConstraints): fc.Arbitrary<Omit<SystemOp, 'client' | 'node' | 'retries'>[]> {
  const names = accountsOf(constraints.contention === 'high' ? 1 : Math.min(constraints.objectsMax, clusterAccounts.length)).map((entry) => entry.account);
  const account = fc.constantFrom(...names);
  const amount = fc.integer({ min: 1, max: amountMax });
  const op = fc.oneof(
    fc.tuple(account, amount).map(([name, value]) => ({ f: 'deposit', input: { account: name, amount: value } })),
    fc.tuple(account, amount).map(([name, value]) => ({ f: 'withdraw', input: { account: name, amount: value } })),
    account.map((name) => ({ f: 'query', input: { account: name } })),
  );
  const perClient = Math.max(1, Math.ceil(constraints.opsMax / Math.max(1, constraints.clients)));
  // A request id per op of the client: the idempotency key the bank deduplicates by.
  return fc.array(op, { minLength: 1, maxLength: perClient }).map((ops) => ops.map((each, index) => (each.f === 'query' ? each : { ...each, input: { ...each.input, requestId: `r${index}` } })));
}

function workloadOf(strategy: Strategy): SystemWorkload {
  const claims = claimsOf(strategy);
  return {
    name: strategy,
    ops: bankOps,
    model: () => bankModel(clusterAccounts),
    claims,
    invariants: (history, states) => {
      const finalStates = states.map((state) => state.state as unknown as BranchState);
      // Convergence is the generic runner's own check (System.converged); the rest are the bank's.
      const checks = judgeInvariants({ history, accounts: clusterAccounts, finalStates, claims: { ...claims, convergence: false } });
      return checks.map((check) => ({ name: check.kind, verdict: check.verdict, summary: check.summary, details: check.details }));
    },
  };
}

function launch(context: NodeContext): { command: string; args: string[] } {
  const strategy = (strategies as readonly string[]).includes(context.workload ?? '') ? (context.workload as Strategy) : 'lock-free';
  const args = nodeArguments({ id: context.id, port: context.listen.port, peers: context.peers, strategy, dataDir: context.dataDir, accounts: clusterAccounts, seed: String(context.seed) });
  return { command: process.execPath, args: [faultlineBinPath, ...args] };
}

class BankSystemClient implements SystemClient {
  private readonly clients = new Map<string, BranchClient>();

  async perform(op: SystemOp, address: string, deadlineMs: number): Promise<OpOutcome> {
    const planOp = { ...op.input, f: op.f, client: op.client, branch: op.node, retries: 0 } as unknown as PlanOp;
    const clientFor = (): BranchClient => {
      let client = this.clients.get(address);
      if (client === undefined) this.clients.set(address, (client = branchClient(address)));
      return client;
    };
    const completion = await perform(planOp, { clientFor, branches: [op.node], deadlineMs, runId: 'system', clock: realClock });
    return { type: completion.type, value: completion.value as Record<string, unknown>, ...(completion.error === undefined ? {} : { error: completion.error }) };
  }

  async close(): Promise<void> {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }
}

async function finalStates(addresses: Record<string, string>): Promise<NodeState[]> {
  return Promise.all(
    Object.entries(addresses).map(async ([node, address]) => {
      const client = branchClient(address);
      try {
        const reply = await callUnary(client.snapshot.bind(client), {}, snapshotDeadlineMs);
        return { node, state: toBranchState(reply) as unknown as Record<string, unknown> };
      } catch (error) {
        return { node, state: { error: error instanceof Error ? error.message : String(error) } };
      } finally {
        client.close();
      }
    }),
  );
}

export const bankSystem: System = {
  name: 'bank',
  nodeIds: (count) => Array.from({ length: count }, (_, index) => `b${index + 1}`),
  peerLinks: 'pair',
  launch,
  readiness: { kind: 'grpc-health' },
  stopGraceMs: 2_000,
  workloads: Object.fromEntries(strategies.map((strategy) => [strategy, workloadOf(strategy)])),
  client: () => new BankSystemClient(),
  finalStates,
  converged: (states) => {
    if (states.some((state) => 'error' in state.state)) return 'unknown';
    return balancesAgree(states.map((state) => state.state as unknown as BranchState)) ? 'ok' : 'illegal';
  },
};
