// Acceptance (issue 2): a running node answers gRPC server reflection, as grpcurl would ask it, and
// lists the bank's Branch service next to the standard health service.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileContainingSymbol, listServices, startCluster } from '../lab/cluster/index.js';
import type { Cluster } from '../lab/cluster/index.js';

describe('server reflection on a running node', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster({ branches: 1, strategy: 'lock-free' });
  });

  afterAll(async () => {
    await cluster.stop();
  });

  it('lists faultline.bank.v1.Branch and grpc.health.v1.Health', async () => {
    const services = await listServices(cluster.nodeAddress('b1'));
    expect(services).toContain('faultline.bank.v1.Branch');
    expect(services).toContain('grpc.health.v1.Health');
  });

  it('serves the file descriptor that defines the Branch service and its customer RPCs', async () => {
    const files = await fileContainingSymbol(cluster.nodeAddress('b1'), 'faultline.bank.v1.Branch');
    const text = Buffer.concat(files).toString('latin1');
    for (const name of ['faultline.bank.v1', 'Branch', 'Deposit', 'Withdraw', 'Query', 'Transfer', 'Snapshot']) {
      expect(text).toContain(name);
    }
  });
});
