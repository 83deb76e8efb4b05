// The nemesis: partitions, link toxics and process faults over Toxiproxy and the cluster's process
// controls, and faults as data for the planner and runner. Try: `await applyFault(fault, nemesisContext({ proxy, branches }))`.
export { nemesisContext } from './context.js';
export type { NemesisContext, NemesisContextOptions, NemesisRecord, ProcessControls } from './context.js';
export {
  blackholeToxicName,
  cutLinks,
  healPartition,
  isolate,
  isolatedLinks,
  majorityMinorityLinks,
  oneWayLinks,
  partition,
  partitionModes,
  partitionOneWay,
  restoreLinks,
  splitMajority,
  symmetricLinks,
} from './partitions.js';
export type { PartitionMode } from './partitions.js';
export { addLinkToxic, bandwidth, latency, limitData, removeLinkToxic, resetPeer, slicer, slowClose, timeout, toxicName } from './toxics.js';
export type { FaultStream, LinkToxic, LinkToxicOptions } from './toxics.js';
export { healAll, kill, pause, restart, resume } from './processes.js';
export { applyFault, describeFault, faultToxic, faultToxicName, healFault, isPartitionFault, isToxicFault, partitionLinks } from './faults.js';
export type { Fault, FaultKind, LinkTargets, PartitionFault, ToxicFault, ToxicFaultParams } from './faults.js';
