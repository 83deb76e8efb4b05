// How an etcd member starts: where the binary is (.tools/bin, then PATH) and its flags, with every
// advertised address the proxy in front of it, so that the lab's partitions cut raft.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { NodeContext, NodeLaunch } from '../index.js';
import { EtcdSystemError } from './errors.js';
import { packagePath } from '../../plan/index.js';

// etcd's own defaults (100 ms, 1 s), kept on purpose: loopback is fast, but this machine is shared
// and a 50 ms heartbeat missed under load starts elections that no fault caused.
export const heartbeatIntervalMs = 100;
export const electionTimeoutMs = 1_000;


function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The etcd binary `npm run setup:etcd` installed, or one on PATH; undefined when there is none. */
export function findEtcdBinary(path = process.env['PATH'] ?? ''): string | undefined {
  const candidates = [packagePath('.tools', 'bin', 'etcd'), ...path.split(delimiter).filter((dir) => dir.length > 0).map((dir) => join(dir, 'etcd'))];
  return candidates.find(executable);
}

/** The cluster token, which etcd hashes into every member id (the peer front computes them too). */
export function clusterToken(seed: number): string {
  return `faultline-${seed}`;
}

function url(address: string): string {
  return `http://${address}`;
}

/** The flags of one member; a restart names the same cluster and finds its own data dir. */
export function memberArguments(context: NodeContext): string[] {
  if (context.peerListen === undefined) throw new EtcdSystemError('etcd-no-peer-address', `${context.id} has no peer address: etcd members need one for raft`);
  const client = `${context.listen.host}:${context.listen.port}`;
  const peerListen = `${context.peerListen.host}:${context.peerListen.port}`;
  const advertised = context.peerAdvertise ?? peerListen;
  const cluster = [`${context.id}=${url(advertised)}`, ...context.peers.map((peer) => `${peer.id}=${url(peer.address)}`)].sort();
  return [
    '--name', context.id,
    '--data-dir', context.dataDir,
    '--listen-client-urls', url(client),
    // The lab hands its clients their addresses itself; etcd only echoes this one back.
    '--advertise-client-urls', url(client),
    '--listen-peer-urls', url(peerListen),
    '--initial-advertise-peer-urls', url(advertised),
    '--initial-cluster', cluster.join(','),
    '--initial-cluster-state', context.start === 'first' ? 'new' : 'existing',
    '--initial-cluster-token', clusterToken(context.seed),
    '--heartbeat-interval', String(heartbeatIntervalMs),
    '--election-timeout', String(electionTimeoutMs),
    '--logger', 'zap',
    '--log-level', 'warn',
  ];
}

export function launchMember(context: NodeContext): NodeLaunch {
  const command = findEtcdBinary();
  if (command === undefined) throw new EtcdSystemError('etcd-not-found', 'no etcd in .tools/bin or on PATH (npm run setup:etcd installs one)');
  return { command, args: memberArguments(context) };
}
