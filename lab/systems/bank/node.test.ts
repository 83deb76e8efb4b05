// The branch node as the cluster sees it: real `faultline node` processes on 127.0.0.1, real gRPC.
// Run: `npx vitest run lab/systems/bank/node.test.ts`.
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BranchClient, SnapshotReply } from '../../../proto/index.js';
import { emptyStats } from './stats.js';
import {
  call, codeOf, deposit, eventually, freePorts, healthStatus, removeDirectory, snapshot, startTestNode, stopAllTestNodes, temporaryDirectory,
} from './_testing/support.js';
import type { TestNode } from './_testing/support.js';

const directories: string[] = [];

function dataDir(): string {
  const path = temporaryDirectory();
  directories.push(path);
  return path;
}

afterAll(async () => {
  await stopAllTestNodes();
  for (const path of directories) removeDirectory(path);
});

function withdraw(client: BranchClient, account: string, amount: number, requestId: string) {
  return call(client, client.withdraw, { clientId: 'test', requestId, account, amount });
}

function transfer(client: BranchClient, fromAccount: string, toAccount: string, amount: number, requestId: string) {
  return call(client, client.transfer, { clientId: 'test', requestId, fromAccount, toAccount, amount });
}

function query(client: BranchClient, account: string) {
  return call(client, client.query, { clientId: 'test', account });
}

describe.each(['unsafe', 'lock', 'lock-free'])('one %s node', (strategy) => {
  let node: TestNode;

  beforeAll(async () => {
    node = await startTestNode({ id: 'b1', strategy, dataDir: dataDir(), accounts: 'a1=100,a2=50' });
  });

  afterAll(async () => {
    await node.stop();
  });

  it('reports SERVING and answers deposit, withdraw, query and transfer with versions', async () => {
    expect(await healthStatus(node.address)).toBe('SERVING');
    expect(await healthStatus(node.address, 'faultline.bank.v1.Branch')).toBe('SERVING');
    const client = node.client;
    expect(await deposit(client, 'a1', 25, `${strategy}-1`)).toEqual({ balance: 125, version: 1 });
    expect(await withdraw(client, 'a1', 20, `${strategy}-2`)).toEqual({ applied: true, balance: 105, version: 2 });
    expect(await withdraw(client, 'a2', 51, `${strategy}-3`)).toEqual({ applied: false, balance: 50, version: 0 });
    expect(await transfer(client, 'a1', 'a2', 5, `${strategy}-4`)).toEqual({
      applied: true, fromBalance: 100, toBalance: 55, fromVersion: 3, toVersion: 1,
    });
    expect(await transfer(client, 'a2', 'a1', 56, `${strategy}-5`)).toEqual({
      applied: false, fromBalance: 55, toBalance: 100, fromVersion: 1, toVersion: 3,
    });
    expect(await query(client, 'a1')).toEqual({ balance: 100, version: 3 });
    const state = await snapshot(node);
    expect(state.branch).toBe('b1');
    expect(state.accounts).toEqual([{ account: 'a1', balance: 100, version: 3 }, { account: 'a2', balance: 55, version: 1 }]);
  });

  it('refuses bad amounts, unknown accounts and a transfer to the same account, definitely', async () => {
    const client = node.client;
    expect(await codeOf(deposit(client, 'a1', 0, `${strategy}-zero`))).toBe(status.INVALID_ARGUMENT);
    expect(await codeOf(deposit(client, 'a1', -5, `${strategy}-negative`))).toBe(status.INVALID_ARGUMENT);
    expect(await codeOf(deposit(client, 'nobody', 5, `${strategy}-unknown`))).toBe(status.NOT_FOUND);
    expect(await codeOf(query(client, 'nobody'))).toBe(status.NOT_FOUND);
    expect(await codeOf(transfer(client, 'a1', 'a1', 5, `${strategy}-self`))).toBe(status.INVALID_ARGUMENT);
    expect(await codeOf(deposit(client, 'a1', 5, ''))).toBe(status.INVALID_ARGUMENT);
  });
});

interface ClusterOptions {
  strategy: string;
  size: number;
  accounts: string;
  bug?: string;
}

async function startCluster(options: ClusterOptions): Promise<{ nodes: TestNode[]; dirs: string[]; ports: number[] }> {
  const ports = await freePorts(options.size);
  const ids = ports.map((_, index) => `b${index + 1}`);
  const dirs = ids.map(() => dataDir());
  const nodes = await Promise.all(ids.map((id, index) => startTestNode({
    id, strategy: options.strategy, dataDir: dirs[index]!, port: ports[index]!, accounts: options.accounts,
    peers: ids.flatMap((peer, other) => (peer === id ? [] : [`${peer}=127.0.0.1:${ports[other]}`])).join(','),
    ...(options.bug === undefined ? {} : { bug: options.bug }),
  })));
  return { nodes, dirs, ports };
}

/** Waits until every node reports the same accounts and an empty outbox; returns the snapshots. */
async function converged(nodes: TestNode[]): Promise<SnapshotReply[]> {
  let latest: SnapshotReply[] = [];
  await eventually(async () => {
    latest = await Promise.all(nodes.map(snapshot));
    const first = JSON.stringify(latest[0]?.accounts);
    return latest.every((state) => JSON.stringify(state.accounts) === first && state.outbox === 0);
  });
  return latest;
}

describe.each(['lock', 'lock-free'])('three %s nodes', (strategy) => {
  it('apply 30 concurrent deposits through every branch exactly once and converge', async () => {
    const { nodes } = await startCluster({ strategy, size: 3, accounts: 'a1=0,a2=10' });
    const deposits = Array.from({ length: 30 }, (_, index) => deposit(nodes[index % 3]!.client, 'a1', 1, `${strategy}-d${index}`));
    const transfers = [transfer(nodes[1]!.client, 'a2', 'a1', 4, `${strategy}-t1`), transfer(nodes[2]!.client, 'a1', 'a2', 1, `${strategy}-t2`)];
    await Promise.all([...deposits, ...transfers]);
    const states = await converged(nodes);
    for (const state of states) {
      expect(state.accounts.find((entry) => entry.account === 'a1')?.balance).toBe(33);
      expect(state.accounts.find((entry) => entry.account === 'a2')?.balance).toBe(7);
      expect(state.applied.every((key) => key.times === 1)).toBe(true);
    }
    await Promise.all(nodes.map((node) => node.stop()));
  });

  it('answer a retried request id with its first reply, through another branch, and apply it once', async () => {
    const { nodes } = await startCluster({ strategy, size: 3, accounts: 'a1=10' });
    const first = await withdraw(nodes[1]!.client, 'a1', 7, 'retry-w');
    const again = await withdraw(nodes[2]!.client, 'a1', 7, 'retry-w');
    const refused = await withdraw(nodes[2]!.client, 'a1', 7, 'retry-refused');
    const refusedAgain = await withdraw(nodes[0]!.client, 'a1', 7, 'retry-refused');
    await deposit(nodes[1]!.client, 'a1', 100, 'retry-after');
    expect(first).toEqual({ applied: true, balance: 3, version: 1 });
    expect(again).toEqual(first);
    expect(refused).toEqual({ applied: false, balance: 3, version: 1 });
    // The refusal was decided once, on a definite version: a retry after the deposit still says no.
    expect(refusedAgain).toEqual(refused);
    const states = await converged(nodes);
    for (const state of states) {
      expect(state.accounts).toEqual([{ account: 'a1', balance: 103, version: 2 }]);
      expect(state.applied.find((key) => key.requestId === 'retry-w')?.times).toBe(1);
    }
    expect(states[0]!.stats!.duplicatesSuppressed).toBeGreaterThanOrEqual(2);
    await Promise.all(nodes.map((node) => node.stop()));
  });
});

describe('three unsafe nodes', () => {
  it('apply a retried request id twice, converge when calm, and lose updates under concurrency', async () => {
    const { nodes } = await startCluster({ strategy: 'unsafe', size: 3, accounts: 'a1=0' });
    await deposit(nodes[0]!.client, 'a1', 5, 'unsafe-retry');
    await deposit(nodes[0]!.client, 'a1', 5, 'unsafe-retry');
    const calm = await converged(nodes);
    for (const state of calm) {
      expect(state.accounts).toEqual([{ account: 'a1', balance: 10, version: 2 }]);
      expect(state.applied.find((key) => key.requestId === 'unsafe-retry')?.times).toBe(2);
    }
    await Promise.all(Array.from({ length: 50 }, (_, index) => deposit(nodes[index % 3]!.client, 'a1', 1, `unsafe-${index}`)));
    await new Promise((done) => setTimeout(done, 300));
    const after = await Promise.all(nodes.map(snapshot));
    const balances = after.map((state) => state.accounts[0]?.balance);
    // Either some branch lost deposits or the branches disagree: the race the lab must catch.
    expect(balances.some((balance) => balance !== 60) || new Set(balances).size > 1).toBe(true);
    await Promise.all(nodes.map((node) => node.stop()));
  });
});

describe('crash and restart', () => {
  it('keeps every acknowledged deposit after kill -9, and the outbox resends to a restarted replica', async () => {
    const { nodes, dirs, ports } = await startCluster({ strategy: 'lock-free', size: 2, accounts: 'a1=0' });
    const [sequencer, replica] = nodes as [TestNode, TestNode];
    for (let index = 0; index < 5; index += 1) await deposit(replica.client, 'a1', 1, `crash-${index}`);
    const { killNode } = await import('./_testing/support.js');
    await killNode(replica);
    for (let index = 5; index < 10; index += 1) await deposit(sequencer.client, 'a1', 1, `crash-${index}`);
    expect((await snapshot(sequencer)).outbox).toBeGreaterThan(0);
    await killNode(sequencer);
    const restarted = await Promise.all([0, 1].map((index) => startTestNode({
      id: `b${index + 1}`, strategy: 'lock-free', dataDir: dirs[index]!, port: ports[index]!, accounts: 'a1=999',
      peers: `b${2 - index}=127.0.0.1:${ports[1 - index]}`,
    })));
    const states = await converged(restarted);
    for (const state of states) expect(state.accounts).toEqual([{ account: 'a1', balance: 10, version: 10 }]);
    await Promise.all(restarted.map((node) => node.stop()));
  });
});

describe('lock with a replica down', () => {
  it('commits at the serialization point but answers indeterminate, and a Reset starts clean', async () => {
    const { nodes } = await startCluster({ strategy: 'lock', size: 2, accounts: 'a1=0' });
    const [sequencer, replica] = nodes as [TestNode, TestNode];
    await deposit(replica.client, 'a1', 3, 'down-1');
    const { killNode } = await import('./_testing/support.js');
    await killNode(replica);
    const code = await codeOf(call(sequencer.client, sequencer.client.deposit, { clientId: 'test', requestId: 'down-2', account: 'a1', amount: 4 }, 800));
    expect([status.UNAVAILABLE, status.DEADLINE_EXCEEDED]).toContain(code);
    // Indeterminate was the honest answer: the deposit did commit at the sequencer.
    expect(await query(sequencer.client, 'a1')).toEqual({ balance: 7, version: 2 });

    // The replica being down, the sequencer's stream to it failed and drew reconnect delays.
    expect((await snapshot(sequencer)).randomness?.draws).toBeGreaterThan(0);
    const reset = await call(sequencer.client, sequencer.client.reset, { accounts: [{ account: 'a9', balance: 5, version: 0 }], epoch: 1, seed: '-17' });
    expect(reset).toEqual({ epoch: 1 });
    const state = await snapshot(sequencer);
    expect(state).toMatchObject({ accounts: [{ account: 'a9', balance: 5, version: 0 }], applied: [], outbox: 0, deadLetters: 0, epoch: 1 });
    expect(state.stats).toEqual(emptyStats());
    // Reseeded from the Reset's seed (a negative one too); random.test.ts checks the draws themselves.
    expect(state.randomness?.seed).toBe('-17');
    expect(await codeOf(call(sequencer.client, sequencer.client.reset, { accounts: [], epoch: 0, seed: '' }))).toBe(status.FAILED_PRECONDITION);
    expect(await codeOf(deposit(sequencer.client, 'a1', 1, 'down-3'))).toBe(status.NOT_FOUND);
    await sequencer.stop();
  });
});

describe('the no-dedup bug', () => {
  it('applies a retried request id twice under lock', async () => {
    const node = await startTestNode({ id: 'b1', strategy: 'lock', dataDir: dataDir(), accounts: 'a1=0', bug: 'no-dedup' });
    await deposit(node.client, 'a1', 5, 'twice');
    expect(await deposit(node.client, 'a1', 5, 'twice')).toEqual({ balance: 10, version: 2 });
    expect((await snapshot(node)).applied).toEqual([{ requestId: 'twice', account: 'a1', times: 2 }]);
    await node.stop();
  });
});
