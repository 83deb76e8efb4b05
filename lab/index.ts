// The lab's public entry (package export "faultline/lab"): plans, clusters, proxies, the nemesis and
// the runner, for users who drive faultline from their own code instead of the command line.
export { planArbitrary, planFor, planHash, planJson, describePlan, describeFault, describeOp, opCount } from './gen/index.js';
export type { Plan, PlanConstraints, PlanOp, Fault, FaultStep, Strategy, Workload } from './gen/index.js';
export { startCluster } from './cluster/index.js';
export type { Cluster, ClusterOptions } from './cluster/index.js';
export { startProxyBackend } from './proxy/index.js';
export type { ProxyBackend, ProxyBackendChoice } from './proxy/index.js';
export { ClusterPool } from './run/pool.js';
export { runPlan, defaultRunLimits } from './run/runner.js';
export type { RunLimits, RunResult } from './run/runner.js';
export { trial, failureReport } from './run/session.js';
export { deriveSeed, runSeed } from './run/seeds.js';
export { outcomeOf } from './run/status.js';
