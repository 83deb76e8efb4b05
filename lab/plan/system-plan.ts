// The plan of one run against a system other than the bank (etcd, a user's module): the system's own
// ops per logical step and the same fault schedule the bank's plans have, over the system's node ids.
// Plain JSON, a pure function of (seed, path, system, workload, constraints); lab/gen generates it.
import { createHash } from 'node:crypto';
import type { Contention, FaultLevel, FaultStep } from './plan.js';

/** What shapes a system's plan: the same knobs for every system. */
export interface SystemPlanConstraints {
  nodes: number;
  opsMax: number;
  /** Keys, registers or counters the ops spread over (the workload reads it). */
  objectsMax: number;
  clientsMax: number;
  contention: Contention;
  faults: FaultLevel;
}

export const defaultSystemPlanConstraints: SystemPlanConstraints = {
  nodes: 3,
  opsMax: 30,
  objectsMax: 2,
  clientsMax: 3,
  contention: 'low',
  faults: 'light',
};

/** One op: the system's own `f` and `input`, and who sends it where (the System contract's SystemOp). */
export interface SystemPlanOp {
  client: number;
  node: string;
  retries: number;
  f: string;
  input: Record<string, unknown>;
}

export interface SystemPlan {
  version: 1;
  kind: 'system';
  /** The system's name, or the path of the user's module as given. */
  system: string;
  workload: string;
  seed: number;
  path: string;
  constraints: SystemPlanConstraints;
  nodes: string[];
  clients: number;
  /** The ops of a step go out together; the next step starts when all of them completed. */
  steps: SystemPlanOp[][];
  faultSchedule: FaultStep[];
}

export function isSystemPlan(value: unknown): value is SystemPlan {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'system';
}

export function systemPlanJson(plan: SystemPlan): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}

export function systemPlanHash(plan: SystemPlan): string {
  return createHash('sha256').update(systemPlanJson(plan)).digest('hex');
}

export function systemOpCount(plan: SystemPlan): number {
  return plan.steps.reduce((total, step) => total + step.length, 0);
}

/** What is wrong with a system plan's indices and names, one sentence each (none for a good plan). */
export function systemPlanProblems(plan: SystemPlan, links: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const [step, ops] of plan.steps.entries()) {
    for (const op of ops) {
      if (!Number.isInteger(op.client) || op.client < 0 || op.client >= plan.clients) problems.push(`step ${step}: client ${op.client} of ${plan.clients}`);
      if (!plan.nodes.includes(op.node)) problems.push(`step ${step}: node '${op.node}' is not in the cluster`);
      if (typeof op.f !== 'string' || typeof op.input !== 'object' || op.input === null) problems.push(`step ${step}: an op needs a name (f) and an input object`);
    }
  }
  for (const [index, entry] of plan.faultSchedule.entries()) {
    if (!(entry.atStep >= 0 && entry.atStep < entry.healAtStep && entry.healAtStep <= plan.steps.length)) {
      problems.push(`fault ${index}: applies at step ${entry.atStep} and heals at ${entry.healAtStep} of ${plan.steps.length}`);
    }
    const { fault } = entry;
    if (fault.kind === 'kill' || fault.kind === 'pause') {
      if (!plan.nodes.includes(fault.node)) problems.push(`fault ${index}: node '${fault.node}' is not in the cluster`);
    } else {
      for (const link of fault.links) if (!links.has(link)) problems.push(`fault ${index}: link '${link}' is not in the cluster`);
    }
  }
  return problems;
}
