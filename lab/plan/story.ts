// Prints a plan as a short story of ops and faults, so a shrunk counterexample reads at a glance.
import type { Fault, FaultStep, Plan, PlanOp } from './plan.js';
import type { SystemPlan, SystemPlanOp } from './system-plan.js';

export function describeOp(op: PlanOp): string {
  const retry = op.retries > 0 ? ` (retries ${op.retries})` : '';
  // Another system's op, carried in a bank-shaped plan for the report (lab/report/system-run.ts).
  if ('input' in op) return describeSystemOp({ ...(op as unknown as SystemPlanOp), node: op.branch });
  switch (op.f) {
    case 'query':
      return `client ${op.client} query(${op.account}) at ${op.branch}${retry}`;
    case 'transfer':
      return `client ${op.client} transfer(${op.from} -> ${op.to}, ${op.amount}) at ${op.branch}${retry}`;
    default:
      return `client ${op.client} ${op.f}(${op.account}, ${op.amount}) at ${op.branch}${retry}`;
  }
}

export function describeFault(fault: Fault): string {
  switch (fault.kind) {
    case 'kill':
      return `kill -9 ${fault.node}`;
    case 'pause':
      return `pause ${fault.node}`;
    case 'partition':
      return `partition (${fault.mode}${fault.cut === 'blackhole' ? ', blackhole' : ''}) ${fault.from.join(',')} ${fault.mode === 'one-way' ? '-/->' : '|'} ${fault.to.join(',')}`;
    case 'toxic': {
      const { kind, ...attributes } = fault.toxic;
      const text = Object.entries(attributes).map(([key, value]) => `${key}=${value}`).join(' ');
      const toxicity = fault.toxicity === undefined || fault.toxicity === 1 ? '' : `, toxicity ${fault.toxicity}`;
      return `${kind}(${text}) ${fault.stream} on ${fault.links.join(',')}${toxicity}`;
    }
  }
}

function healText(step: FaultStep): string {
  return step.fault.kind === 'kill' ? `restart ${step.fault.node}` : step.fault.kind === 'pause' ? `resume ${step.fault.node}` : `heal ${describeFault(step.fault)}`;
}

/** One line per step that has anything in it. */
export function describePlan(plan: Plan): string {
  const { steps, branches, accounts } = plan.workload;
  // A shrunk story names only the accounts its ops touch; the others stay in the plan, untouched.
  const used = new Set(steps.flat().flatMap((op) => (op.f === 'transfer' ? [op.from, op.to] : [op.account])));
  const shown = accounts.filter((entry) => used.has(entry.account));
  const untouched = accounts.length - shown.length;
  const others = untouched === 0 ? '' : ` (and ${untouched} untouched)`;
  const lines = [`branches ${branches.join(',')}; accounts ${shown.map((a) => `${a.account}=${a.balance}`).join(', ')}${others}`];
  for (let index = 0; index <= steps.length; index += 1) {
    for (const step of plan.faultSchedule) {
      if (step.healAtStep === index && index < steps.length) lines.push(`  step ${index}: ${healText(step)}`);
      if (step.atStep === index) lines.push(`  step ${index}: ${describeFault(step.fault)} (until step ${step.healAtStep})`);
    }
    const ops = steps[index];
    if (ops !== undefined && ops.length > 0) lines.push(`  step ${index}: ${ops.map(describeOp).join('; ')}`);
  }
  return lines.join('\n');
}

/** One op of a system's plan: `client 1 cas(k0, 2 -> 3) at n2`, the input's values in their order. */
export function describeSystemOp(op: SystemPlanOp): string {
  const retry = op.retries > 0 ? ` (retries ${op.retries})` : '';
  const values = Object.values(op.input).map((value) => (typeof value === 'string' ? value : JSON.stringify(value)));
  return `client ${op.client} ${op.f}(${values.join(', ')}) at ${op.node}${retry}`;
}

/** A system's plan as one line per step that has anything in it. */
export function describeSystemPlan(plan: SystemPlan): string {
  const lines = [`${plan.system} ${plan.workload}; nodes ${plan.nodes.join(',')}; ${plan.clients} clients`];
  for (let index = 0; index <= plan.steps.length; index += 1) {
    for (const step of plan.faultSchedule) {
      if (step.healAtStep === index && index < plan.steps.length) lines.push(`  step ${index}: ${healText(step)}`);
      if (step.atStep === index) lines.push(`  step ${index}: ${describeFault(step.fault)} (until step ${step.healAtStep})`);
    }
    const ops = plan.steps[index];
    if (ops !== undefined && ops.length > 0) lines.push(`  step ${index}: ${ops.map(describeSystemOp).join('; ')}`);
  }
  return lines.join('\n');
}
