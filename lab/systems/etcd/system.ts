// etcd as a system under test: members started from the real etcd binary, its KV and Lock services as
// the workloads, and each member's own view of the keys as its final state. The runner adopts it next.
import type { System } from '../index.js';
import { EtcdClient } from './client.js';
import { electionTimeoutMs, launchMember } from './launch.js';
import { startPeerFront } from './peer-front.js';
import { memberReady, readFinalStates, statesConverged } from './state.js';
import { etcdWorkloads } from './workloads.js';

/** SIGTERM gives etcd time to hand leadership over and close its WAL cleanly. */
const stopGraceMs = 3_000;
/**
 * A lost leader is replaced after one to two election timeouts (raft randomizes them), and a loaded
 * machine adds to it: an op gets four, so that a write sent at a partition's first step waits for the new
 * leader (ok) instead of racing the election (sometimes ok, sometimes info, and a failure that does not
 * replay). It is also longer than the lock's lease, so a waiting acquire can outlast a holder's lease.
 */
const opDeadlineMs = 4 * electionTimeoutMs;

export const etcdSystem: System = {
  name: 'etcd',
  nodeIds: (count) => Array.from({ length: count }, (_, index) => `n${index + 1}`),
  peerLinks: 'pair',
  peerFront: startPeerFront,
  launch: launchMember,
  readiness: { kind: 'probe', ready: memberReady },
  stopGraceMs,
  opDeadlineMs,
  workloads: etcdWorkloads,
  client: () => new EtcdClient(),
  finalStates: readFinalStates,
  converged: statesConverged,
};
