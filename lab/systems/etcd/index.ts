// lab/systems/etcd: etcd as a system under test (system.ts), and the parts a test or the runner may want.
export { etcdSystem } from './system.js';
export { EtcdClient, leaseTtlSeconds } from './client.js';
export { certaintyOf, errorText, etcdErrorTable, EtcdSystemError, isEtcdSystemError, outcomeOfError } from './errors.js';
export type { Certainty, EtcdErrorCode } from './errors.js';
export { clusterToken, electionTimeoutMs, findEtcdBinary, heartbeatIntervalMs, launchMember, memberArguments } from './launch.js';
export { checkMutualExclusion, keyedRegisterModel, lockModel } from './models.js';
export { memberId, startPeerFront } from './peer-front.js';
export { decodeOp, keyPrefix, lockPrefix } from './ops.js';
export { minoritySplit, placeLockOp, placeRegisterOp } from './placement.js';
export type { MinoritySplit } from './placement.js';
export type { EtcdOp } from './ops.js';
export { memberReady, readFinalStates, statesConverged } from './state.js';
export type { StoredKey } from './state.js';
export { counterKey, etcdWorkloads, lockName, lockWorkload, registerWorkload, serializableReadsWorkload } from './workloads.js';
