// lab/nemesis: one Nemesis (apply, heal, healAll, settle) over the plan's one fault vocabulary, built
// on primitives for partitions, link toxics and process faults through Toxiproxy and the cluster's
// process controls. Try: `new NemesisFaultDriver(cluster, proxy.adapter).apply(0, fault)`.
export { linksNamed, nemesisContext } from './context.js';
export type { NemesisContext, NemesisContextOptions, NemesisRecord, ProcessControls } from './context.js';
export {
  blackholeToxicName,
  cutLinks,
  cutMethods,
  healPartition,
  isolate,
  isolatedLinks,
  majorityMinorityLinks,
  oneWayLinks,
  partition,
  partitionOneWay,
  restoreLinks,
  splitMajority,
  symmetricLinks,
} from './partitions.js';
export { addLinkToxic, bandwidth, latency, limitData, removeLinkToxic, resetPeer, slicer, slowClose, timeout, toxicHazard, toxicName } from './toxics.js';
export type { FaultStream, LinkToxic, LinkToxicOptions } from './toxics.js';
export { healAll, kill, pause, restart, resume } from './processes.js';
export { NemesisFaultDriver, proxyToxic } from './driver.js';
export type { NemesisTarget } from './driver.js';
export type { Nemesis } from './nemesis.js';
