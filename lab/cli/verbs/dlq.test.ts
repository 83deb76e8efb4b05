// `faultline dlq` lists what a node put in its dead-letter table. Run: `npx vitest run lab/cli/verbs/dlq.test.ts`.
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../systems/bank/index.js';
import { realClock } from '../../cluster/index.js';
import { faultlineBin, removeDirectory, temporaryDirectory } from '../../systems/bank/_testing/support.js';

const directory = temporaryDirectory('faultline-dlq-');

afterAll(() => removeDirectory(directory));

function dlq(...args: string[]) {
  return spawnSync(process.execPath, [faultlineBin, 'dlq', '--data-dir', directory, ...args], { encoding: 'utf8' });
}

describe('faultline dlq', () => {
  it('lists an empty table, then the update a replica could not apply in order', () => {
    const store = Store.open(directory, [{ account: 'a1', balance: 10 }], realClock);
    store.close();
    expect(dlq().stdout).toBe('no dead letters\n');

    const reopened = Store.open(directory, [], realClock);
    const outcome = reopened.applyReplica({
      origin: 'b2', sequence: 1, key: 'b2/1', requestId: 'r1',
      updates: [{ account: 'a1', balance: 15, version: 3, delta: 5 }],
    }, { dedup: true, ordered: true });
    reopened.close();
    expect(outcome).toBe('dead-letter');

    const listed = dlq('--json');
    expect(listed.status).toBe(0);
    const summary = JSON.parse(listed.stdout) as { count: number; deadLetters: { key: string; reason: string }[] };
    expect(summary.count).toBe(1);
    expect(summary.deadLetters[0]).toMatchObject({ key: 'b2/1', reason: 'version gap on a1: holds 0, got 3' });
    expect(dlq().stdout).toContain('version gap on a1');
  });
});
