// The simulator's CPU stalls, replayed on the real cluster. A failure the simulator found may need one
// of its nodes off the CPU at the wrong moment (a stall its CPU model drew: the OS ran something else,
// or a GC paused it), and a real machine does not stall on cue. So a real replay can run the plan in
// the simulator first (it is exact and takes milliseconds), take the stalls that held up one of the
// nodes' events, and stop that node's process there: SIGSTOP at the same offset into the same step,
// SIGCONT as long after. Try it: `faultline run --seed S --index K --mode real --stalls sim`.
import type { Recorder } from '../client/index.js';
import type { BranchId, Fault, Plan } from '../plan/index.js';
import type { HeldStall } from '../sim/index.js';
import type { Clock, Timer } from '../systems/index.js';

/** A stall to replay: `node` off the CPU for `ms`, from `offsetMs` after step `step`'s ops began to go out. */
export interface CpuStall {
  node: BranchId;
  step: number;
  offsetMs: number;
  ms: number;
}

/** Shorter stalls are within what a real machine's scheduler does anyway: not replayed. */
export const stallReplayMsMin = 50;

/** Whether a real replay stops its nodes where the simulator's CPU stalled them (`sim`) or not (`none`). */
export type StallReplay = 'sim' | 'none';
export const stallReplays: readonly StallReplay[] = ['sim', 'none'];

/** The stalls of a simulated run worth replaying, placed by the step they fall in (a stall that began before the first step counts from it). */
export function stallsOf(held: readonly HeldStall[], stepStartsMs: readonly number[], plan: Plan): CpuStall[] {
  const branches = new Set<string>(plan.workload.branches);
  const first = stepStartsMs[0];
  if (first === undefined) return [];
  const stalls: CpuStall[] = [];
  for (const stall of held) {
    if (!branches.has(stall.process)) continue;
    let step = 0;
    for (const [index, startMs] of stepStartsMs.entries()) if (startMs <= stall.atMs) step = index;
    const startMs = Math.max(stall.atMs, first);
    const ms = stall.atMs + stall.ms - startMs;
    if (ms < stallReplayMsMin) continue;
    stalls.push({ node: stall.process as BranchId, step, offsetMs: round(startMs - (stepStartsMs[step] ?? first)), ms: round(ms) });
  }
  return stalls;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** What a stall needs of the cluster: its processes' signals. */
export interface StallControls {
  pause(node: BranchId): void;
  resume(node: BranchId): void;
  isRunning(node: BranchId): boolean;
  isPaused(node: BranchId): boolean;
}

/** Whether a process fault of the plan acts on `node` at `step` or the step after: the stall leaves the process to it. */
function planHolds(faults: Plan['faultSchedule'], node: BranchId, step: number): boolean {
  const onNode = (fault: Fault): boolean => (fault.kind === 'kill' || fault.kind === 'pause') && fault.node === node;
  return faults.some((entry) => onNode(entry.fault) && entry.atStep <= step + 1 && entry.healAtStep >= step);
}

/**
 * Replays stalls during a real run: `atStep` arms the stalls of a step as its ops begin to go out, and
 * each runs its course (into the heal and the wait for quiescence, as in the simulator); `stop`, when
 * the run's cluster is read, cancels what has not begun and resumes what is still stopped. A stall on
 * a node the plan itself kills or pauses around then is left out, and said so in the nemesis log.
 */
export class StallInjector {
  private readonly timers = new Set<Timer>();
  private readonly stopped = new Set<BranchId>();

  constructor(
    private readonly stalls: readonly CpuStall[], private readonly plan: Plan, private readonly controls: StallControls,
    private readonly recorder: Recorder, private readonly clock: Clock,
  ) {}

  atStep(step: number): void {
    for (const stall of this.stalls) {
      if (stall.step !== step) continue;
      const description = `stall ${stall.node} for ${stall.ms.toFixed(0)} ms, ${stall.offsetMs.toFixed(1)} ms into step ${step} (the simulator's CPU)`;
      const fault = { kind: 'pause', node: stall.node };
      if (planHolds(this.plan.faultSchedule, stall.node, step)) {
        this.recorder.nemesisEvent({ type: 'skip', step, fault, description, error: 'the plan kills or pauses this node around then' });
        continue;
      }
      this.later(stall.offsetMs, () => {
        const { node } = stall;
        if (this.stopped.has(node) || !this.controls.isRunning(node) || this.controls.isPaused(node)) return;
        this.controls.pause(node);
        this.stopped.add(node);
        this.recorder.nemesisEvent({ type: 'start', step, fault, description });
        this.later(stall.ms, () => this.resume(node, step, fault, description));
      });
    }
  }

  /** Ends every stall: none begins after this, and every node stopped by one runs again (before the cluster is reused). */
  stop(step: number): void {
    for (const timer of this.timers) this.clock.cancel(timer);
    this.timers.clear();
    for (const node of [...this.stopped]) this.resume(node, step, { kind: 'pause', node }, `stall ${node} cut short: the run ended`);
  }

  private resume(node: BranchId, step: number, fault: unknown, description: string): void {
    if (!this.stopped.delete(node)) return;
    this.controls.resume(node);
    this.recorder.nemesisEvent({ type: 'stop', step, fault, description });
  }

  private later(ms: number, run: () => void): void {
    const timer = this.clock.after(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }
}
