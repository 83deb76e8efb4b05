// Lock-free's calls to a remote serialization point, batched on the Point stream of a real
// `faultline node`: answers and refusals as unary calls would give them, a deadline per call, no call
// left hanging when the point dies, and a new stream once it is back.
import { credentials, status } from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { BranchClient } from '../../../proto/index.js';
import { channelOptions } from '../../../proto/index.js';
import { codeOf } from './errors.js';
import { PointStream } from './point-stream.js';
import { realClock } from '../../cluster/index.js';
import type { PointContext } from './sequencer.js';
import { emptyStats } from './stats.js';
import { freePorts, killNode, removeDirectory, startTestNode, stopAllTestNodes, temporaryDirectory } from './_testing/support.js';

const directories: string[] = [];
afterAll(async () => {
  await stopAllTestNodes();
  for (const path of directories) removeDirectory(path);
});

function context(msFromNow = 2_000, epoch: number | undefined = 0): PointContext {
  return { deadline: Date.now() + msFromNow, clientId: 'c1', epoch };
}

describe('PointStream', () => {
  it('answers a batch of reads and swaps in one turn, refuses as a unary call would, and survives the point dying', async () => {
    const dataDir = temporaryDirectory();
    directories.push(dataDir);
    const [port = 0] = await freePorts(1);
    const options = { id: 'b1', strategy: 'lock-free', dataDir, port, accounts: 'a1=10,a2=20' };
    let point = await startTestNode(options);
    const client = new BranchClient(point.address, credentials.createInsecure(), channelOptions);
    const stats = emptyStats();
    const stream = new PointStream(client, 'b2', stats, realClock);
    try {
      // Asked in one turn: they travel together and each gets its own answer.
      const [first, second, missing] = await Promise.allSettled([
        stream.read({ requestId: '', accounts: ['a1'] }, context()),
        stream.read({ requestId: '', accounts: ['a2', 'a1'] }, context()),
        stream.read({ requestId: '', accounts: ['a9'] }, context()),
      ]);
      expect(first).toMatchObject({ status: 'fulfilled', value: { accounts: [{ account: 'a1', balance: 10, version: 0 }] } });
      expect(second).toMatchObject({ status: 'fulfilled', value: { accounts: [{ account: 'a2', balance: 20 }, { account: 'a1', balance: 10 }] } });
      expect(missing.status === 'rejected' && codeOf(missing.reason)).toBe(status.NOT_FOUND);
      expect(stats.pointCalls).toBe(3);

      const update = { account: 'a1', balance: 15, version: 1, delta: 5 };
      const expected = [{ account: 'a1', balance: 10, version: 0 }];
      const swap = { requestId: 'r1', clientId: 'c1', updates: [update], expected, reply: '{"ok":true}' };
      expect(await stream.compareAndSet(swap, context())).toMatchObject({ swapped: true });
      // The same request again is answered from memory; a stale expectation gets the current state.
      expect(await stream.compareAndSet(swap, context())).toMatchObject({ swapped: false, previousReply: '{"ok":true}' });
      expect(await stream.compareAndSet({ ...swap, requestId: 'r2' }, context()))
        .toMatchObject({ swapped: false, current: [{ account: 'a1', balance: 15, version: 1 }], previousReply: '' });
      // A call of another epoch is refused by the point, with the unary call's code.
      const otherEpoch = await stream.read({ requestId: '', accounts: ['a1'] }, context(2_000, 7)).catch((error: unknown) => error);
      expect(codeOf(otherEpoch)).toBe(status.FAILED_PRECONDITION);

      await killNode(point);
      // Nobody answers: the call fails by its deadline with an indeterminate code, and does not hang.
      const startedMs = performance.now();
      const dead = await stream.read({ requestId: '', accounts: ['a1'] }, context(600)).catch((error: unknown) => error);
      expect([status.UNAVAILABLE, status.DEADLINE_EXCEEDED]).toContain(codeOf(dead));
      expect(performance.now() - startedMs).toBeLessThan(2_000);

      point = await startTestNode(options);
      // The restarted point kept its state; the next call opens a new stream on the same channel.
      const again = await stream.read({ requestId: '', accounts: ['a1'] }, context(4_000));
      expect(again.accounts).toEqual([{ account: 'a1', balance: 15, version: 1 }]);
    } finally {
      stream.close();
      client.close();
      await point.stop();
    }
  });
});
