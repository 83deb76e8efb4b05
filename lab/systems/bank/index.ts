// The branch node of the bank: what the cluster starts as a process (`faultline node`), and the
// parts other folders reuse. Try it: `npx faultline node --help`.
export { bugNames, ConfigError, parseAccounts, parseListen, parsePeers, strategyNames } from './config.js';
export type { BugName, InitialAccount, NodeConfig, Peer, StrategyName } from './config.js';
export { NodeRandom } from './random.js';
export { grpcTransport } from './runtime.js';
export type { BranchStub, NodeRuntime, Transport } from './runtime.js';
export { branchHandlers } from './server.js';
export { CallRecorder, RecentCalls } from './recent-calls.js';
export type { Draw } from './random.js';
export { serializationPoint } from './sequencer.js';
export { realRuntime, startNode } from './node.js';
export type { RunningNode } from './node.js';
export { databasePath, readDeadLetters } from './store.js';
export type { DeadLetter } from './store.js';
export * from './branch.js';
export * from './config.js';
export * from './node.js';
export * from './propagation/replication.js';
export * from './store.js';
export * from './strategies/unsafe.js';
export { bankSystem } from './system.js';
