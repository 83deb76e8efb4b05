// The lab's vocabulary, the floor everything else stands on: plans and faults as data, the topology's
// branch and link names, strategy and bug names with what each strategy declares, the run's seeds and
// their one derivation, and the plan's story. It imports nothing of ours but models' types.
export * from './plan.js';
export * from './topology.js';
export * from './strategies.js';
export * from './seeds.js';
export * from './system-plan.js';
export { describeFault, describeOp, describePlan } from './story.js';
export * from './story.js';
export { packagePath, packageRoot } from './package-root.js';
