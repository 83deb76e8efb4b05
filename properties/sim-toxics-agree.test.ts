// The simulator's meaning of Toxiproxy's connection-ending toxics against Toxiproxy's own (the
// embedded backend, which follows toxics/*.go): the same hand-written plan runs on the real cluster
// and in the simulator, and what the customer saw and where the money ended must be the same.
// reset_peer swallows its direction from its first message on and resets the connection its timeout
// later; a timeout toxic swallows its direction, and removing it closes the connection; keepalive
// giving up on a paused branch closes its connections, and it still reads what reached it.
// Run: `CI=true npx vitest run properties/sim-toxics-agree.test.ts`.
import { afterAll, describe, expect, it } from 'vitest';
import type { Fault, FaultStep, Plan, PlanOp } from '../lab/plan/index.js';
import { defaultPlanConstraints, describePlan, runSeeds } from '../lab/plan/index.js';
import type { RunResult } from '../lab/report/index.js';
import { ClusterPool, runPlan, runSimPlan } from '../lab/run/index.js';
import { propertyLimits } from './_testing/support.js';

const seeds = runSeeds(13, 0);
const strategy = 'lock-free';
const bug = 'no-dedup';
const real = new ClusterPool({ strategy, bug, proxy: 'embedded', reuse: true });

function plan(steps: PlanOp[][], faultSchedule: FaultStep[]): Plan {
  return {
    version: 1, seed: 13, path: '0', constraints: { ...defaultPlanConstraints, faults: 'heavy' },
    workload: { branches: ['b1', 'b2', 'b3'], accounts: [{ account: 'a1', balance: 0 }], clients: 1, steps },
    faultSchedule,
  };
}

const query = (branch: string): PlanOp => ({ f: 'query', client: 0, branch, retries: 0, account: 'a1' });
const deposit = (branch: string, retries = 0): PlanOp => ({ f: 'deposit', client: 0, branch, retries, account: 'a1', amount: 10, requestId: 'd1' });

/** What a run comes to: each completion's type and op, each branch's balance of a1, and the violated checks. */
function outcome(result: RunResult): { completions: string[]; balances: string[]; violations: string[] } {
  return {
    completions: result.history.filter((event) => event.type !== 'invoke').map((event) => `${event.f} ${event.type}`),
    balances: result.finalStates.map((state) => `${state.branch} ${state.accounts.a1?.balance}`),
    violations: [...result.violations].sort(),
  };
}

async function bothModes(candidate: Plan, deadlineMs?: number): Promise<{ real: ReturnType<typeof outcome>; sim: ReturnType<typeof outcome> }> {
  const limits = deadlineMs === undefined ? propertyLimits : { ...propertyLimits, deadlineMs };
  const realResult = await runPlan({ plan: candidate, seeds, pool: real, limits });
  const { result: simResult } = await runSimPlan({ plan: candidate, seeds, strategy, bug, limits });
  return { real: outcome(realResult), sim: outcome(simResult) };
}

describe(`the simulator's toxics do what Toxiproxy's do (${strategy} + ${bug}, seed 13)`, () => {
  afterAll(async () => {
    await real.close();
  });

  it.each([
    ['downstream', 'the deposit is applied, its reply never comes, and its retry elsewhere applies it again', 20],
    ['upstream', 'the deposit never arrives, and its retry elsewhere applies it once', 10],
  ] as const)('reset_peer %s: %s', async (stream, _story, balance) => {
    // The first query opens the customer's connection to b2 before the toxic arrives.
    const reset: FaultStep = { atStep: 1, healAtStep: 2, fault: { kind: 'toxic', toxic: { kind: 'reset_peer', timeoutMs: 50 }, stream, links: ['client-b2'] } };
    const candidate = plan([[query('b2')], [deposit('b2', 1)], [query('b1')]], [reset]);
    const { real: inReal, sim } = await bothModes(candidate);
    expect(inReal.balances, describePlan(candidate)).toEqual([`b1 ${balance}`, `b2 ${balance}`, `b3 ${balance}`]);
    expect(sim, describePlan(candidate)).toEqual(inReal);
  });

  it.each([
    ['reset_peer downstream', { kind: 'toxic', toxic: { kind: 'reset_peer', timeoutMs: 50 }, stream: 'downstream', links: ['client-b2'] }],
    ['a paused branch', { kind: 'pause', node: 'b2' }],
  ] satisfies [string, Fault][])('a new connection under %s: the server\'s SETTINGS never come, so the deposit is never sent; its retry applies it once', async (_name, fault) => {
    // The first query opens the customer's connection to b2, the cut closes it; at step 2 grpc-js
    // dials again and waits for the handshake before it sends the deposit.
    const cut: FaultStep = { atStep: 1, healAtStep: 2, fault: { kind: 'partition', mode: 'one-way', from: ['b2'], to: ['b1'], links: ['client-b2'] } };
    const candidate = plan([[query('b2')], [query('b1')], [deposit('b2', 1)], [query('b1')]], [cut, { atStep: 2, healAtStep: 3, fault }]);
    const { real: inReal, sim } = await bothModes(candidate);
    expect(inReal.balances, describePlan(candidate)).toEqual(['b1 10', 'b2 10', 'b3 10']);
    expect(sim, describePlan(candidate)).toEqual(inReal);
  });

  it('timeout: acks that vanished are not delivered late; the heal closes the stream and the update is resent', async () => {
    const lostAcks: FaultStep = { atStep: 1, healAtStep: 3, fault: { kind: 'toxic', toxic: { kind: 'timeout', timeoutMs: 0 }, stream: 'downstream', links: ['b1-b2'] } };
    const candidate = plan([[query('b2')], [deposit('b1')], [query('b1')], [query('b2')]], [lostAcks]);
    const { real: inReal, sim } = await bothModes(candidate);
    expect(inReal.violations, describePlan(candidate)).toContain('exactly-once');
    expect(sim, describePlan(candidate)).toEqual(inReal);
  });

  it('a pause past the peers\' keepalive: the update the paused branch held is read when it resumes, its ack is lost, and it is sent again', async () => {
    // The query to paused b2 waits out its 5 s deadline, so b1's keepalive (2 s + 1 s) gives up on b2
    // first; the proxy closes b2's side after the update it already passed on.
    const pause: FaultStep = { atStep: 0, healAtStep: 2, fault: { kind: 'pause', node: 'b2' } };
    const candidate = plan([[deposit('b1')], [query('b2')], [query('b1')]], [pause]);
    const { real: inReal, sim } = await bothModes(candidate, 5_000);
    expect(inReal.violations, describePlan(candidate)).toContain('exactly-once');
    expect(sim, describePlan(candidate)).toEqual(inReal);
  });

  it('blackhole (timeout-0 toxics both ways): the update is lost, not held, and the heal closes the stream', async () => {
    const blackhole: FaultStep = { atStep: 1, healAtStep: 3, fault: { kind: 'partition', mode: 'one-way', from: ['b1'], to: ['b2'], links: ['b1-b2'], cut: 'blackhole' } };
    const candidate = plan([[query('b2')], [deposit('b1')], [query('b1')], [query('b2')]], [blackhole]);
    const { real: inReal, sim } = await bothModes(candidate);
    expect(inReal.balances, describePlan(candidate)).toEqual(['b1 10', 'b2 10', 'b3 10']);
    expect(sim, describePlan(candidate)).toEqual(inReal);
  });
});
