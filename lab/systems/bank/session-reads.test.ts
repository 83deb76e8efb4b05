// Read your writes by expected version and conditional writes on a real `faultline node` process:
// min_version answered at once, waited for, refused, timed out, or refused as bad input; expected
// versions that match, that do not, and a retried request that was decided already.
// Run: `npx vitest run lab/systems/bank/session-reads.test.ts`.
import { Metadata, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BranchClient } from '../../../proto/index.js';
import { call, codeOf, deposit, removeDirectory, startTestNode, stopAllTestNodes, temporaryDirectory } from './_testing/support.js';
import type { TestNode } from './_testing/support.js';

const directories: string[] = [];

afterAll(async () => {
  await stopAllTestNodes();
  for (const path of directories) removeDirectory(path);
});

async function node(strategy: string): Promise<TestNode> {
  const dataDir = temporaryDirectory();
  directories.push(dataDir);
  return startTestNode({ id: 'b1', strategy, dataDir, accounts: 'a1=100,a2=50' });
}

function query(client: BranchClient, account: string, minVersion?: number, refuseIfBehind = false, msMax?: number) {
  const request = { clientId: 'test', account, refuseIfBehind, ...(minVersion === undefined ? {} : { minVersion }) };
  return call(client, client.query, request, msMax);
}

describe.each(['lock-free:reads=local+min-version', 'lock-free'])('min_version on one %s node', (strategy) => {
  let branch: TestNode;

  beforeAll(async () => {
    branch = await node(strategy);
  });

  it('answers at once when the replica has reached min_version', async () => {
    const written = await deposit(branch.client, 'a1', 5, `${strategy}-m1`);
    expect(await query(branch.client, 'a1', written.version)).toEqual({ balance: written.balance, version: written.version });
  });

  it('waits for a version still to come, and answers once it is written', async () => {
    const before = await query(branch.client, 'a2');
    const waiting = query(branch.client, 'a2', before.version + 1, false, 3_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const written = await deposit(branch.client, 'a2', 7, `${strategy}-m2`);
    expect(await waiting).toEqual({ balance: written.balance, version: before.version + 1 });
  });

  it('times a min_version ahead of every replica out as DEADLINE_EXCEEDED, and refuses it at once for a poller', async () => {
    const started = Date.now();
    expect(await codeOf(query(branch.client, 'a1', 1_000, false, 400))).toBe(status.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await codeOf(query(branch.client, 'a1', 1_000, true))).toBe(status.FAILED_PRECONDITION);
  });

  it('refuses a negative min_version as INVALID_ARGUMENT', async () => {
    expect(await codeOf(query(branch.client, 'a1', -1))).toBe(status.INVALID_ARGUMENT);
  });
});

describe.each(['lock-free:reads=local+conditional', 'lock'])('conditional writes on one %s node', (strategy) => {
  let branch: TestNode;

  beforeAll(async () => {
    branch = await node(strategy);
  });

  it('applies a write at the expected version and refuses one behind it as ABORTED, definitely', async () => {
    const { client } = branch;
    const first = await call(client, client.deposit, { clientId: 'test', requestId: `${strategy}-c1`, account: 'a1', amount: 5, expectedVersion: 0 });
    expect(first).toEqual({ balance: 105, version: 1 });
    const stale = call(client, client.withdraw, { clientId: 'test', requestId: `${strategy}-c2`, account: 'a1', amount: 5, expectedVersion: 0 });
    expect(await codeOf(stale)).toBe(status.ABORTED);
    expect(await query(client, 'a1')).toEqual({ balance: 105, version: 1 });
    const transfer = call(client, client.transfer, {
      clientId: 'test', requestId: `${strategy}-c3`, fromAccount: 'a1', toAccount: 'a2', amount: 1, expectedFromVersion: 1, expectedToVersion: 3,
    });
    expect(await codeOf(transfer)).toBe(status.ABORTED);
  });

  it('answers a retried request with its first reply, though the account has moved past the version it expected', async () => {
    const { client } = branch;
    const request = { clientId: 'test', requestId: `${strategy}-c4`, account: 'a2', amount: 3, expectedVersion: 0 };
    const first = await call(client, client.deposit, request);
    expect(await call(client, client.deposit, request)).toEqual(first);
  });

  it('refuses a negative expected_version as INVALID_ARGUMENT', async () => {
    const { client } = branch;
    expect(await codeOf(call(client, client.deposit, { clientId: 'test', requestId: `${strategy}-c5`, account: 'a1', amount: 1, expectedVersion: -2 }))).toBe(status.INVALID_ARGUMENT);
  });
});

/** The first state Watch pushes, or its error; the stream is cancelled after the first state. */
function watchFirst(client: BranchClient, account: string, minVersion: number, msMax = 3_000): Promise<{ balance: number; version: number }> {
  return new Promise((resolve, reject) => {
    const stream = client.watch({ clientId: 'test', account, minVersion }, new Metadata(), { deadline: Date.now() + msMax });
    stream.on('data', (reply: { balance: number; version: number }) => {
      resolve(reply);
      stream.cancel();
    });
    stream.on('error', reject);
  });
}

describe('Watch on one lock-free:reads=local+push node', () => {
  let branch: TestNode;

  beforeAll(async () => {
    branch = await node('lock-free:reads=local+push');
  });

  it('pushes the state at once when the replica has min_version, and as soon as it reaches a later one', async () => {
    const { client } = branch;
    expect(await watchFirst(client, 'a1', 0)).toEqual({ balance: 100, version: 0 });
    const waiting = watchFirst(client, 'a1', 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const written = await deposit(client, 'a1', 9, 'push-1');
    expect(await waiting).toEqual({ balance: written.balance, version: 1 });
  });

  it('ends a watch for a version that never comes with DEADLINE_EXCEEDED, and refuses bad input', async () => {
    const { client } = branch;
    expect(await codeOf(watchFirst(client, 'a1', 1_000, 300))).toBe(status.DEADLINE_EXCEEDED);
    expect(await codeOf(watchFirst(client, 'a1', -1))).toBe(status.INVALID_ARGUMENT);
    expect(await codeOf(watchFirst(client, 'nobody', 0))).toBe(status.NOT_FOUND);
  });
});
