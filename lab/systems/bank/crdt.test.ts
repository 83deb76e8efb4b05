// The crdt strategy on real `faultline node` processes: every operation answered locally, totals per
// branch folded into balances, transfers refused, and escrow's rights asked of a peer over gRPC:
// granted while it answers, refused (ABORTED) once it is gone.
// Run: `npx vitest run lab/systems/bank/crdt.test.ts`.
import { status } from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { call, codeOf, deposit, freePorts, removeDirectory, snapshot, startTestNode, stopAllTestNodes, temporaryDirectory } from './_testing/support.js';

const directories: string[] = [];

afterAll(async () => {
  await stopAllTestNodes();
  for (const path of directories) removeDirectory(path);
});

async function lone(strategy: string) {
  const dataDir = temporaryDirectory();
  directories.push(dataDir);
  return startTestNode({ id: 'b1', strategy, dataDir, accounts: 'a1=100' });
}

describe('crdt on one node', () => {
  it('deposits, withdraws and queries locally; Snapshot shows the folded balance; a transfer is refused', async () => {
    const node = await lone('crdt');
    const { client } = node;
    expect(await deposit(client, 'a1', 20, 'k1')).toEqual({ balance: 120, version: 1 });
    expect(await call(client, client.withdraw, { clientId: 'test', requestId: 'k2', account: 'a1', amount: 30 })).toEqual({ applied: true, balance: 90, version: 2 });
    expect(await call(client, client.withdraw, { clientId: 'test', requestId: 'k3', account: 'a1', amount: 91 })).toEqual({ applied: false, balance: 90, version: 2 });
    expect(await deposit(client, 'a1', 20, 'k1')).toEqual({ balance: 120, version: 1 });
    expect(await call(client, client.query, { clientId: 'test', account: 'a1' })).toEqual({ balance: 90, version: 2 });
    const transfer = call(client, client.transfer, { clientId: 'test', requestId: 'k4', fromAccount: 'a1', toAccount: 'a1x', amount: 1 });
    expect(await codeOf(transfer)).toBe(status.UNIMPLEMENTED);
    const state = await snapshot(node);
    expect(state.accounts).toEqual([{ account: 'a1', balance: 90, version: 2 }]);
    expect(state.applied.map((key) => key.account)).toEqual(['a1', 'a1']);
  });
});

describe('crdt:escrow on two nodes', () => {
  it('spends beyond its share with rights a peer grants over RequestRights, and refuses with ABORTED once the peer is gone', async () => {
    const ports = await freePorts(2);
    const nodes = await Promise.all(['b1', 'b2'].map((id, index) => {
      const dataDir = temporaryDirectory();
      directories.push(dataDir);
      const other = 1 - index;
      return startTestNode({ id, strategy: 'crdt:escrow', dataDir, port: ports[index]!, accounts: 'a1=100', peers: `b${other + 1}=127.0.0.1:${ports[other]}` });
    }));
    const [b1, b2] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const withdraw = (amount: number, requestId: string) => call(b1.client, b1.client.withdraw, { clientId: 'test', requestId, account: 'a1', amount });
    // b1's share is 50: the other 30 are b2's, granted on request.
    expect(await withdraw(80, 'w1')).toEqual({ applied: true, balance: 20, version: 1 });
    const plain = call(b2.client, b2.client.requestRights, { requester: 'b1', requestId: 'x', account: 'a1', amount: 1, epoch: 7 });
    expect(await codeOf(plain)).toBe(status.FAILED_PRECONDITION);
    await b2.stop();
    expect(await codeOf(withdraw(10, 'w2'))).toBe(status.ABORTED);
    // Asked again, the same request is refused again: a definite refusal never applies later.
    expect(await codeOf(withdraw(10, 'w2'))).toBe(status.ABORTED);
    const state = await snapshot(b1);
    expect(state.accounts).toEqual([{ account: 'a1', balance: 20, version: 1 }]);
    expect(state.applied).toEqual([{ requestId: 'w1', account: 'a1', times: 1 }]);
  }, 30_000);
});
