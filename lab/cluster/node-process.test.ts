// The command line a cluster gives each node: the contract of `faultline node`, flag by flag.
import { describe, expect, it } from 'vitest';
import { nodeArguments } from './node-process.js';
import { splitAddress } from './ports.js';

describe('nodeArguments', () => {
  it('passes id, loopback listen address, peers, strategy, data dir, accounts, seed and bug', () => {
    const args = nodeArguments({
      id: 'b1', port: 7001, strategy: 'lock-free', dataDir: '/tmp/x/b1', seed: '9', bug: 'no-dedup',
      peers: [{ id: 'b2', address: '127.0.0.1:8002' }, { id: 'b3', address: '127.0.0.1:8003' }],
      accounts: [{ account: 'a1', balance: 100 }, { account: 'a2', balance: 0 }],
    });
    expect(args).toEqual([
      'node', '--id', 'b1', '--listen', '127.0.0.1:7001', '--peers', 'b2=127.0.0.1:8002,b3=127.0.0.1:8003',
      '--strategy', 'lock-free', '--data-dir', '/tmp/x/b1', '--accounts', 'a1=100,a2=0', '--seed=9', '--bug', 'no-dedup',
    ]);
  });

  it('joins a negative seed to its flag, so the node does not read it as a flag', () => {
    const args = nodeArguments({ id: 'b1', port: 7001, strategy: 'lock', dataDir: '/d', peers: [], accounts: [], seed: '-1759153156' });
    expect(args).toContain('--seed=-1759153156');
  });

  it('passes the tuning settings it was given, and those only', () => {
    const base = { id: 'b1', port: 7001, strategy: 'lock' as const, dataDir: '/d', peers: [], accounts: [] };
    expect(nodeArguments({ ...base, settings: { synchronous: 'full', dedupWindowMs: 60_000, outboxRowsMax: 5, outboxBytesMax: 900 } }).slice(9))
      .toEqual(['--synchronous', 'full', '--dedup-window-ms', '60000', '--outbox-max', '5', '--outbox-bytes-max', '900']);
    expect(nodeArguments({ ...base, settings: { outboxRowsMax: 5 } }).slice(9)).toEqual(['--outbox-max', '5']);
  });

  it('leaves out what a lone branch without options does not need', () => {
    expect(nodeArguments({ id: 'b1', port: 7001, strategy: 'lock', dataDir: '/d', peers: [], accounts: [] }))
      .toEqual(['node', '--id', 'b1', '--listen', '127.0.0.1:7001', '--strategy', 'lock', '--data-dir', '/d']);
  });
});

describe('splitAddress', () => {
  it('splits host and port, and refuses what is not host:port', () => {
    expect(splitAddress('127.0.0.1:4000')).toEqual({ host: '127.0.0.1', port: 4000 });
    expect(() => splitAddress('127.0.0.1')).toThrow(/not a host:port/);
    expect(() => splitAddress('127.0.0.1:70000')).toThrow(/not a host:port/);
  });
});
