// A branch's housekeeping of its dedup store: keys older than the window go, in chunks, however many
// arrived since the last purge. Run: `npx vitest run lab/systems/bank/branch.test.ts`.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Branch, dedupPurgeRowsMax } from './branch.js';
import { realRuntime } from './node.js';
import type { NodeConfig } from './config.js';
import { realClock } from '../../cluster/index.js';
import { Store } from './store.js';
import { removeDirectory } from './_testing/support.js';

// Thousands of fsyncs are slow on a disk and instant in memory; the test is about counts, not speed.
const directory = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'faultline-branch-'));
afterAll(() => removeDirectory(directory));

const windowMs = 60_000;

describe('Branch.purgeDedup', () => {
  it('forgets every key older than the window, more than one chunk of them, and keeps the recent ones', async () => {
    const store = Store.open(directory, [{ account: 'a1', balance: 0 }], realClock);
    const config: NodeConfig = {
      id: 'b2', host: '127.0.0.1', port: 0, peers: [], strategy: 'lock-free', dataDir: directory, accounts: [], seed: '1',
      bug: undefined, dedupWindowMs: windowMs, outboxRowsMax: 10, outboxBytesMax: 1_000, synchronous: 'normal',
    };
    const old = Date.now() - 2 * windowMs;
    const oldKeys = dedupPurgeRowsMax + 7;
    for (let sequence = 1; sequence <= oldKeys + 3; sequence += 1) {
      const update = { account: 'a1', balance: sequence, version: sequence, delta: 1 };
      const appliedMs = sequence <= oldKeys ? old : Date.now();
      store.applyReplica({ origin: 'b1', sequence, key: `b1/${sequence}`, requestId: `r${sequence}`, updates: [update] }, { dedup: true, ordered: true }, appliedMs);
    }
    const branch = new Branch(config, store, () => undefined, realRuntime);
    branch.start();
    expect(await branch.purgeDedup()).toBe(oldKeys);
    expect(store.dedupSize()).toBe(3);
    branch.stop();
    store.close();
  });
});
