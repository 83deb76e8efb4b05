// lab/systems: the contract a system under test implements (system.ts), and the Clock through which
// node code reads time (the simulator swaps it). Each system is a room of its
// own beside it, imported through its own index: bank/ (the bank faultline ships) and etcd/.
export type {
  DrawnOp, NodeContext, NodeLaunch, NodeState, OpOutcome, OpPlacement, PeerFront, Readiness, System, SystemClient, SystemOp, SystemWorkload, WorkloadCheck, WorkloadConstraints,
} from './system.js';
export type { Clock, Timer, TimerOptions } from './clock.js';
