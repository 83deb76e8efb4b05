// The flags an etcd member starts with: every advertised peer address is a proxy, and a restart joins
// the existing cluster.
import { describe, expect, it } from 'vitest';
import { etcdSystem } from './system.js';
import { memberArguments } from './launch.js';
import type { NodeContext } from '../index.js';

const context: NodeContext = {
  id: 'n2',
  listen: { host: '127.0.0.1', port: 20001 },
  peerListen: { host: '127.0.0.1', port: 20002 },
  peerAdvertise: '127.0.0.1:30002',
  peers: [{ id: 'n1', address: '127.0.0.1:30001' }, { id: 'n3', address: '127.0.0.1:30003' }],
  dataDir: '/tmp/n2',
  seed: 7,
  start: 'first',
};

function flag(args: string[], name: string): string | undefined {
  return args[args.indexOf(name) + 1];
}

describe('etcd launch', () => {
  it('advertises the proxies and names every member of the cluster', () => {
    const args = memberArguments(context);
    expect(flag(args, '--initial-advertise-peer-urls')).toBe('http://127.0.0.1:30002');
    expect(flag(args, '--listen-peer-urls')).toBe('http://127.0.0.1:20002');
    expect(flag(args, '--listen-client-urls')).toBe('http://127.0.0.1:20001');
    expect(flag(args, '--initial-cluster')).toBe('n1=http://127.0.0.1:30001,n2=http://127.0.0.1:30002,n3=http://127.0.0.1:30003');
    expect(flag(args, '--initial-cluster-state')).toBe('new');
    expect(flag(args, '--data-dir')).toBe('/tmp/n2');
  });

  it('restarts into the existing cluster from the same data dir', () => {
    const args = memberArguments({ ...context, start: 'restart' });
    expect(flag(args, '--initial-cluster-state')).toBe('existing');
    expect(flag(args, '--data-dir')).toBe('/tmp/n2');
  });

  it('refuses a member without a peer address', () => {
    const { peerListen: _, ...withoutPeer } = context;
    expect(() => memberArguments(withoutPeer)).toThrow(/^etcd-no-peer-address: /);
  });

  it('names members n1..nN and proxies peers per pair through its peer fronts', () => {
    expect(etcdSystem.nodeIds(5)).toEqual(['n1', 'n2', 'n3', 'n4', 'n5']);
    expect(etcdSystem.peerLinks).toBe('pair');
    expect(etcdSystem.peerFront).toBeDefined();
  });
});
