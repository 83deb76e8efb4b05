// etcd as a system under test: members started from the real etcd binary, its KV and Lock services as
// the workloads, and each member's own view of the keys as its final state. The runner adopts it next.
import type { System } from '../index.js';
import { EtcdClient } from './client.js';
import { launchMember } from './launch.js';
import { startPeerFront } from './peer-front.js';
import { memberReady, readFinalStates, statesConverged } from './state.js';
import { etcdWorkloads } from './workloads.js';

/** SIGTERM gives etcd time to hand leadership over and close its WAL cleanly. */
const stopGraceMs = 3_000;

export const etcdSystem: System = {
  name: 'etcd',
  nodeIds: (count) => Array.from({ length: count }, (_, index) => `n${index + 1}`),
  peerLinks: 'pair',
  peerFront: startPeerFront,
  launch: launchMember,
  readiness: { kind: 'probe', ready: memberReady },
  stopGraceMs,
  workloads: etcdWorkloads,
  client: () => new EtcdClient(),
  finalStates: readFinalStates,
  converged: statesConverged,
};
