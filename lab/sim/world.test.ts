// The simulated cluster runs the bank's own code: streams come up, a deposit replicates, a kill -9
// keeps what was committed, and the same seed gives the same trace.
import { Metadata } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { BranchClient, DepositReply } from '../../proto/index.js';
import { SimWorld } from './index.js';
import type { WorldOptions } from './index.js';

const options: WorldOptions = {
  seed: 7, branches: ['b1', 'b2', 'b3'], strategy: 'lock-free', accounts: [{ account: 'a1', balance: 100 }], nodeSeed: '11',
};

function deposit(client: BranchClient, requestId: string, deadline: number): Promise<DepositReply> {
  return new Promise((resolve, reject) => {
    client.deposit({ clientId: 'c1', requestId, account: 'a1', amount: 5 }, new Metadata(), { deadline }, (error, reply) => (error === null ? resolve(reply) : reject(error)));
  });
}

async function scenario(world: SimWorld): Promise<number[]> {
  world.startAll();
  expect(await world.streamsUp()).toBe(true);
  await deposit(world.client('b2'), 'r1', world.labClock.now() + 600);
  await world.labClock.sleep(100);
  const balances = (await world.snapshot()).map((state) => state.accounts['a1']?.balance ?? -1);
  world.kill('b1');
  await world.labClock.sleep(50);
  world.restart('b1');
  await world.streamsUp();
  await deposit(world.client('b3'), 'r2', world.labClock.now() + 600);
  await world.labClock.sleep(100);
  return [...balances, ...(await world.snapshot()).map((state) => state.accounts['a1']?.balance ?? -1)];
}

describe('SimWorld', () => {
  it('runs the bank: a deposit replicates to every branch, and survives a kill -9 of the point', async () => {
    const world = new SimWorld(options);
    try {
      expect(await world.loop.run(() => scenario(world))).toEqual([105, 105, 105, 110, 110, 110]);
    } finally {
      world.close();
    }
  });

  it('gives the same trace for the same seed', async () => {
    const traces: string[] = [];
    for (let run = 0; run < 2; run += 1) {
      const world = new SimWorld(options);
      try {
        await world.loop.run(() => scenario(world));
        traces.push(world.loop.trace.text());
      } finally {
        world.close();
      }
    }
    expect(traces[0]?.length).toBeGreaterThan(100);
    expect(traces[1]).toBe(traces[0]);
  });

  it('reads a snapshot as its branch serves it: a paused branch answers when it resumes, not before', async () => {
    const world = new SimWorld(options);
    try {
      const answeredAt = await world.loop.run(async () => {
        world.startAll();
        await world.streamsUp();
        world.pause('b2');
        world.loop.at(300, undefined, 'test', () => world.resume('b2'));
        const before = world.loop.now;
        await world.snapshot();
        return world.loop.now - before;
      });
      expect(answeredAt).toBeGreaterThanOrEqual(300);
    } finally {
      world.close();
    }
  });
});
