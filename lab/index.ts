// The lab's public entry (package export "faultline/lab"): plans, seeds, clusters, proxies, the
// nemesis and the runner, for users who drive faultline from their own code instead of the command line.
export { claimsOf, deriveSeed, describeFault, describeOp, describePlan, opCount, planHash, planJson, runSeed, runSeeds, seedLine, strategyDeclaration } from './plan/index.js';
export type { Fault, FaultStep, Plan, PlanConstraints, PlanOp, RunSeeds, Strategy, StrategyDeclaration, Workload } from './plan/index.js';
export { planArbitrary, planFor } from './gen/index.js';
export { startCluster } from './cluster/index.js';
export type { Cluster, ClusterOptions } from './cluster/index.js';
export { startProxyBackend } from './proxy/index.js';
export type { ProxyBackend, ProxyBackendChoice } from './proxy/index.js';
export { ClusterPool, defaultRunLimits, runPlan, trial } from './run/index.js';
export type { RunLimits } from './run/index.js';
export { failureStory, writeArtifacts, readRecordedRun } from './report/index.js';
export type { RunResult } from './report/index.js';
export { outcomeOf } from './client/index.js';
// A system of your own (README, "Testing your own system"): the contract, and the runner that drives it.
export type { NodeContext, NodeLaunch, NodeState, OpOutcome, PeerFront, Readiness, System, SystemClient, SystemOp, SystemWorkload, WorkloadCheck, WorkloadConstraints } from './systems/index.js';
export type { SystemPlan, SystemPlanConstraints, SystemPlanOp } from './plan/index.js';
export { defaultSystemPlanConstraints, describeSystemPlan } from './plan/index.js';
export { systemPlanFor } from './gen/index.js';
export { defaultSystemRunLimits, loadSystem, runSystemPlan, systemTrial } from './run/index.js';
export type { SystemRunLimits } from './run/index.js';
export { writeSystemArtifacts } from './report/index.js';
export type { SystemRunResult } from './report/index.js';
