// Drives a plan's workload in logical steps: at each boundary the faults due there are healed or
// applied, then the step's ops go out together, in client order, and the next step waits for all of them.
import type { BranchClient } from '../../proto/index.js';
import type { BranchId } from '../plan/index.js';
import { describeFault, strategyDeclaration } from '../plan/index.js';
import type { FaultStep, Plan, RunSeeds, Strategy } from '../plan/index.js';
import type { Nemesis } from '../nemesis/index.js';
import { inputValue, perform, sessionsFor } from '../client/index.js';
import type { ClientSessions } from '../client/index.js';
import type { Clock } from '../systems/index.js';
import type { Recorder } from '../client/index.js';

/**
 * The ops of a step go out in client order, this far apart: close enough that they overlap at their
 * branches, far enough that they arrive in the plan's order rather than the scheduler's. Which of two
 * concurrent writes lands last on a third replica then is the same in every run of the plan.
 */
export const issueSpacingMs = 2;

/** With many clients in a step the spacing shrinks, so that its last op still goes out within this. */
export const issueSpreadMsMax = 8;

/**
 * Before a fault starts or heals after a step, the lab waits this long. What the step's ops set going
 * after their replies (a replica update shipped after its commit; unsafe's fire-and-forget update, sent
 * 15 ms after its write) then lands before the network or a process changes, in every run, instead of
 * racing the change: an update lost to a partition in one run and delivered in the next would flip
 * the verdict of the same seed.
 */
export const faultSettleMs = 50;

/** True when a fault of the schedule started before this step boundary and heals after it. */
export function faultsActiveAcross(step: number, schedule: readonly FaultStep[]): boolean {
  return schedule.some((entry) => entry.atStep < step && entry.healAtStep > step);
}

/** True when a fault of the schedule starts or heals at this step boundary. */
export function faultsChangeAt(step: number, schedule: readonly FaultStep[]): boolean {
  return schedule.some((entry) => entry.atStep === step || (entry.healAtStep === step && entry.atStep !== step));
}

export interface StepLimits {
  deadlineMs: number;
  /** A run whose workload takes longer than this stops issuing ops and is judged on what it has. */
  workloadMsMax: number;
  /** Every wait of the steps, and the workload's time bound; the simulator passes its virtual clock. */
  clock: Clock;
  /** The clients' sessions (min_version, conditional writes), where the strategy asks for them. */
  sessions?: ClientSessions;
  /** Resend a request to the branch that first took it, where the strategy says so (crdt). */
  retrySameBranch?: boolean;
  /** Called as each step's ops begin to go out, after its fault boundary (stalls.ts times its stalls from here). */
  atStep?: (step: number) => void;
}

export interface WorkloadResult {
  latenciesNs: number[];
  faultsApplied: number;
  truncated: boolean;
  /** When each step's ops began to go out, on the run's monotonic clock (ms). */
  stepStartsMs: number[];
}

/**
 * The settle after the last heal, as a runner that knows its steps' ops may put it off: a step that only
 * reads races no update against the streams' return, and is what shows how far a replica that a fault
 * cut off lags behind right after the heal (its stream comes back after a backoff). The settle then
 * happens at the next boundary, before anything else.
 */
export interface SettleAfterReads {
  /** The step about to run holds reads alone. */
  readsOnly: boolean;
  /** A settle put off at the boundary before, which this one owes. */
  pending: boolean;
}

/**
 * Heals and applies the faults due at a step boundary (every system's runner uses it); returns how many
 * applied. `afterReads`: the bank's runner, which lets a step of reads alone go before the settle.
 */
export async function faultBoundary(step: number, schedule: FaultStep[], driver: Nemesis, recorder: Recorder, clock: Clock, afterReads?: SettleAfterReads): Promise<number> {
  let applied = 0;
  if (step > 0 && faultsChangeAt(step, schedule)) await clock.sleep(faultSettleMs);
  let healed = 0;
  for (const [index, entry] of schedule.entries()) {
    if (entry.healAtStep !== step || entry.atStep === step) continue;
    const error = await driver.heal(index, entry.fault);
    recorder.nemesisEvent({ type: 'stop', step, fault: entry.fault, description: describeFault(entry.fault), ...(error ? { error } : {}) });
    healed += 1;
  }
  // The last fault just healed: the streams it broke come back before anything else happens (but a step of reads).
  const owed = afterReads?.pending === true;
  if (afterReads !== undefined) afterReads.pending = false;
  if (owed || (healed > 0 && !faultsActiveAcross(step, schedule))) {
    if (afterReads !== undefined && afterReads.readsOnly && !owed) afterReads.pending = true;
    else await driver.settle();
  }
  for (const [index, entry] of schedule.entries()) {
    if (entry.atStep !== step) continue;
    const error = await driver.apply(index, entry.fault);
    recorder.nemesisEvent({ type: error === undefined ? 'start' : 'skip', step, fault: entry.fault, description: describeFault(entry.fault), ...(error ? { error } : {}) });
    if (error === undefined) applied += 1;
  }
  return applied;
}

/**
 * What a strategy asks of its clients beyond the plan: sessions (seeded from the run's `clients`
 * seed) and where retries go. Nothing for the plain strategies, whose runs stay as they were.
 */
export function sessionsOf(strategy: Strategy, seeds: RunSeeds): { sessions?: ClientSessions; retrySameBranch?: boolean } {
  const sessions = sessionsFor(strategy, seeds.clients);
  const sameBranch = strategyDeclaration(strategy).retries === 'same-branch';
  return { ...(sessions === undefined ? {} : { sessions }), ...(sameBranch ? { retrySameBranch: true } : {}) };
}

export async function runWorkload(
  plan: Plan,
  clientFor: (branch: BranchId) => BranchClient,
  driver: Nemesis,
  recorder: Recorder,
  limits: StepLimits & { runId: string },
): Promise<WorkloadResult> {
  const result: WorkloadResult = { latenciesNs: [], faultsApplied: 0, truncated: false, stepStartsMs: [] };
  const { clock } = limits;
  const started = clock.monotonicMs();
  const context = {
    clientFor, branches: plan.workload.branches, deadlineMs: limits.deadlineMs, runId: limits.runId,
    clock, ...(limits.sessions === undefined ? {} : { sessions: limits.sessions }),
    ...(limits.retrySameBranch === true ? { retrySameBranch: true } : {}),
  };
  const afterReads: SettleAfterReads = { readsOnly: false, pending: false };
  for (const [step, ops] of plan.workload.steps.entries()) {
    if (clock.monotonicMs() - started > limits.workloadMsMax) {
      result.truncated = true;
      break;
    }
    afterReads.readsOnly = ops.every((op) => op.f === 'query');
    result.faultsApplied += await faultBoundary(step, plan.faultSchedule, driver, recorder, clock, afterReads);
    result.stepStartsMs.push(clock.monotonicMs());
    limits.atStep?.(step);
    const spacingMs = ops.length > 1 ? Math.min(issueSpacingMs, issueSpreadMsMax / (ops.length - 1)) : 0;
    await Promise.all(
      ops.map(async (op, position) => {
        if (position > 0) await clock.sleep(position * spacingMs);
        const { f } = op;
        recorder.invoke(op.client, f, inputValue(op));
        const completion = await perform(op, context);
        recorder.complete(op.client, completion.type, f, completion.value, completion.error);
        if (completion.type === 'ok') result.latenciesNs.push(completion.latencyNs);
      }),
    );
  }
  return result;
}
