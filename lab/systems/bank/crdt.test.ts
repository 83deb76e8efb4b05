// The crdt strategy on real `faultline node` processes: every operation answered locally, totals per
// branch folded into balances, transfers refused, and escrow's refusal of what another branch holds.
// Run: `npx vitest run lab/systems/bank/crdt.test.ts`.
import { status } from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { call, codeOf, deposit, removeDirectory, snapshot, startTestNode, stopAllTestNodes, temporaryDirectory } from './_testing/support.js';

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
