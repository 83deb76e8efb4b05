// The sequential-consistency checker: the hand-written fixtures (models/fixtures/sequential), the
// brute-force definition on small histories of every model, and what it says of linearizable ones.
// The seed is fixed (FAULTLINE_SEED overrides it) and named in the titles.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bankModel } from './bank.js';
import { bruteForceSequential } from './brute-force.js';
import { pairCalls, toOperations } from './calls.js';
import { checkLinearizable } from './checker.js';
import { parseHistory } from './formats.js';
import type { History } from './history.js';
import { checkSequential, checkSequentialOperations } from './sequential.js';
import { allKits, buildHistory, planArbitrary, withCompletion } from './_testing/support.js';

const seed = Number(process.env.FAULTLINE_SEED ?? 14_002);
const fixtures = join(import.meta.dirname, 'fixtures', 'sequential');
const model = bankModel([{ account: 'a1', balance: 100 }]);

function fixture(name: string): History {
  return parseHistory(readFileSync(join(fixtures, name), 'utf8'), 'jsonl');
}

describe('sequential consistency on the fixtures', () => {
  it('sequential-ok is sequentially consistent but not linearizable: a read of another process may come before a write it followed in real time', () => {
    const history = fixture('sequential-ok.jsonl');
    expect(checkSequential(model, history).verdict).toBe('ok');
    expect(checkLinearizable(model, history).verdict).toBe('illegal');
  });

  for (const name of readdirSync(fixtures).filter((file) => file.endsWith('-bad.jsonl'))) {
    it(`${name} has no order that keeps each process's own order`, () => {
      const result = checkSequential(model, fixture(name));
      expect(result.verdict).toBe('illegal');
      expect(result.reason).toMatch(/could be placed/);
    });
  }
});

describe(`sequential consistency against brute force (seed ${seed})`, () => {
  for (const kit of allKits()) {
    it(`${kit.name}: agrees with the definition on histories of up to 8 ops`, () => {
      const seen = { ok: 0, illegal: 0 };
      fc.assert(
        fc.property(planArbitrary(kit, 8, 50), fc.nat(), fc.nat(), fc.boolean(), (plan, which, choice, change) => {
          const built = buildHistory(kit, plan);
          const oks = built.history.flatMap((event, position) => (event.type === 'ok' ? [position] : []));
          const position = oks[which % Math.max(1, oks.length)];
          const history = change && position !== undefined
            ? withCompletion(built.history, position, kit.perturb(built.history[position]?.value, (plan[built.operationAt[position] as number] as { invocation: unknown }).invocation, choice))
            : built.history;
          const operations = toOperations(kit.model, pairCalls(history), kit.dialect);
          const expected = bruteForceSequential(kit.model, operations) ? 'ok' : 'illegal';
          seen[expected] += 1;
          expect(checkSequentialOperations(kit.model, operations).verdict).toBe(expected);
        }),
        { seed, numRuns: 400 },
      );
      expect(seen.ok).toBeGreaterThan(10);
      expect(seen.illegal).toBeGreaterThan(10);
    });

    it(`${kit.name}: a linearizable history by construction is sequentially consistent`, () => {
      fc.assert(
        fc.property(planArbitrary(kit, 40, 200), (plan) => {
          const { history } = buildHistory(kit, plan);
          expect(checkSequentialOperations(kit.model, toOperations(kit.model, pairCalls(history), kit.dialect)).verdict).toBe('ok');
        }),
        { seed, numRuns: 60 },
      );
    });
  }
});
