// lab/systems: the interface a system under test implements (system.ts), and the systems themselves.
export type {
  NodeContext, NodeLaunch, NodeState, OpOutcome, PeerFront, Readiness, System, SystemClient, SystemOp, SystemWorkload, WorkloadCheck, WorkloadConstraints,
} from './system.js';
export * from './etcd/index.js';
