// Tests of check's pool: a worker starts only when this thread's measured busy time asks for one, and
// which thread checked a file never changes its answer. Run: `CI=true npx vitest run lab/cli/check-pool.test.ts`.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckPool } from './check-pool.js';
import type { FileAnswer } from './check-worker.js';

const fixtures = join(import.meta.dirname, '..', '..', 'models', 'fixtures');
const files = readdirSync(fixtures).filter((name) => /\.(jsonl|log|txt|edn)$/.test(name)).sort().map((name) => join(fixtures, name));
const budget = { timeoutMs: Infinity, memoryBytesMax: 64 * 1024 * 1024, cacheEntriesMax: Infinity };
const settings = { model: undefined, format: 'auto', initial: undefined } as const;

/** What a file's answer says, without its timings. */
function gist(answer: FileAnswer | Error): unknown {
  if (answer instanceof Error || answer.kind !== 'result') return answer;
  const { verdict, ops, partitions, witness, reason } = answer.result;
  return { modelName: answer.modelName, format: answer.format, verdict, ops, partitions, witness, reason };
}

async function checkAll(pool: CheckPool): Promise<unknown[]> {
  try {
    return (await Promise.all(files.map((file) => pool.checkFile(file, settings)))).map(gist);
  } finally {
    await pool.close();
  }
}

describe('CheckPool', () => {
  it('starts a worker only when the busy time says so, and the answers stay the same', async () => {
    const alone = new CheckPool(2, budget, { jobBusyMs: Infinity, totalBusyMs: Infinity, idleCoresMin: 0 });
    const helped = new CheckPool(2, budget, { jobBusyMs: 0, totalBusyMs: 0, idleCoresMin: 0 });
    const one = new CheckPool(1, budget, { jobBusyMs: 0, totalBusyMs: 0, idleCoresMin: 0 });
    const [byOne, byTwo, byOneThread] = [await checkAll(alone), await checkAll(helped), await checkAll(one)];
    expect(alone.workers).toBe(0);
    expect(helped.workers).toBe(1);
    expect(one.workers).toBe(0);
    expect(files.length).toBeGreaterThan(10);
    expect(byTwo).toEqual(byOne);
    expect(byOneThread).toEqual(byOne);
  });
});
