// lab/cluster: start and stop branch processes, name their links, read their state.
// Everything the rest of the lab imports from this folder comes through here.
export { startCluster, toBranchState, ClusterOptionsError } from './cluster.js';
export type { Cluster, ClusterOptions, ClusterSeeds, LinkProxies } from './cluster.js';
export { waitForSettled, balancesAgree, balancesOfAccount } from './convergence.js';
export type { Settled, SettleConstraints } from './convergence.js';
export { branchIds, clusterLinks, isBranchId, linkName } from '../plan/index.js';
export type { BranchId, Endpoint, Link } from '../plan/index.js';
export { faultlineBinPath, NodeStartError, nodeArguments, strategies } from './node-process.js';
export type { AccountBalance, NodeSettings, Strategy } from './node-process.js';
export { freeLoopbackPort, isListening, loopbackHost, splitAddress } from './ports.js';
export { fileContainingSymbol, listServices } from './reflection.js';
export { branchClient, callUnary, isServiceError, retryAborted, sleep, waitForServing } from './rpc.js';
export type { CallIdentity, RetryConstraints, UnaryMethod } from './rpc.js';
export { channelOptions, metadataKeys } from '../../proto/index.js';
export { childPids, connectedAddresses, finished, isGone, listeningAddresses, processesMentioning, processState, runFaultline, spawnFaultline } from './processes.js';
export type { CommandConstraints, CommandResult } from './processes.js';
export { courseAccount, courseBranchId, CourseInputError, CourseRunError, parseCourseInput, runCourse } from './course.js';
export type { CourseEvent, CourseInput, CourseOutputEntry, CourseReceipt } from './course.js';
export { depositStorm, judgeDepositStorm } from './deposit-storm.js';
export type { DepositStormConstraints, DepositStormOutcome, StormVerdict } from './deposit-storm.js';
export * from './children.js';
export * from './ports.js';
export { isSystemStartError, nodeReadyMsDefault, startSystemCluster, SystemStartError } from './system-cluster.js';
export type { SystemCluster, SystemClusterOptions } from './system-cluster.js';
export { realClock } from './real-clock.js';
