// The names a run is known by outside its directory: the report's file name, and the commands that
// generate its plan again or replay its artifacts. The story, the report and the CLI all print them.
import { defaultPlanConstraints, isSystemPlan } from '../plan/index.js';
import type { Plan, PlanConstraints, RunSeeds, SystemPlan } from '../plan/index.js';

export const reportFileName = 'report.html';

/** The flags that make `faultline run` generate the same plan: any non-default constraint. */
export function constraintFlags(constraints: PlanConstraints): string[] {
  const flags: string[] = [];
  const names: Record<keyof PlanConstraints, string> = {
    branchesMin: '--branches-min',
    branchesMax: '--branches-max',
    opsMax: '--ops',
    accountsMax: '--accounts',
    clientsMax: '--clients',
    contention: '--contention',
    faults: '--faults',
    workload: '--workload',
  };
  for (const key of Object.keys(names) as (keyof PlanConstraints)[]) {
    if (constraints[key] !== defaultPlanConstraints[key]) flags.push(names[key], String(constraints[key]));
  }
  return flags;
}

/**
 * The `faultline run` command that generates this plan again and runs it with the same seeds; undefined
 * for a plan its seeds did not generate (a scenario, a property's own arbitrary): replay its artifacts.
 */
export function runCommand(seeds: RunSeeds, plan: Plan, strategy: string, bug: string | undefined, mode?: 'real' | 'sim'): string | undefined {
  if (plan.seed !== seeds.plan) return undefined;
  // Another system's run, carried in the bank's shape for the report and compare (system-run.ts):
  // its workload stands where the strategy stands.
  if (isSystemPlan(plan)) return systemRunCommand(seeds, { ...plan, workload: strategy });
  const words = ['npx faultline run', '--seed', String(seeds.root), '--index', String(seeds.index), '--path', plan.path, '--strategy', strategy, ...constraintFlags(plan.constraints)];
  if (bug !== undefined) words.push('--bug', bug);
  if (mode === 'sim') words.push('--mode', 'sim');
  return words.join(' ');
}

/** The `faultline run` command that generates the plan again (the constraints that shape it included). */
export function systemRunCommand(seeds: RunSeeds, plan: SystemPlan): string {
  const { constraints } = plan;
  return [
    'npx faultline run', '--system', plan.system, '--workload', plan.workload, '--seed', String(seeds.root), '--index', String(seeds.index), '--path', plan.path,
    '--nodes', String(constraints.nodes), '--ops', String(constraints.opsMax), '--objects', String(constraints.objectsMax),
    '--clients', String(constraints.clientsMax), '--contention', constraints.contention, '--faults', constraints.faults,
  ].join(' ');
}

export function replayCommand(directory: string): string {
  return `npx faultline replay ${directory}`;
}
