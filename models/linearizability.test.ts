// Properties of the linearizability checker, for every model: it agrees with the brute-force
// reference on small histories; histories linearizable by construction pass; a violation injected into
// one is found. The seed is fixed (FAULTLINE_SEED overrides it) and named in the titles.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bruteForceLinearizable } from './brute-force.js';
import { pairCalls, toOperations } from './calls.js';
import { checkOperations } from './checker.js';
import type { LinearizabilityResult } from './checker.js';
import type { History } from './history.js';
import type { AnyModel, Operation } from './model.js';
import { allKits, buildHistory, planArbitrary, withCompletion } from './_testing/support.js';
import type { BuiltHistory, Kit } from './_testing/support.js';

const seed = Number(process.env.FAULTLINE_SEED ?? 460_211);

function operationsOf(kit: Kit<unknown, unknown>, history: History): Operation[] {
  return toOperations(kit.model, pairCalls(history), kit.dialect);
}

function okPositions(history: History): number[] {
  return history.flatMap((event, position) => (event.type === 'ok' ? [position] : []));
}

/** Replays an order of history indices through the model: every step legal, real time respected. */
function replayLegal(model: AnyModel, operations: readonly Operation[], indices: readonly number[]): boolean {
  const byIndex = new Map(operations.map((operation) => [operation.index, operation]));
  let state = model.init();
  const placed: Operation[] = [];
  for (const index of indices) {
    const operation = byIndex.get(index);
    if (operation === undefined) return false;
    if (placed.some((earlier) => operation.return < earlier.call)) return false;
    const result = model.step(state, operation.input, operation.output);
    if (!result.ok) return false;
    state = result.state;
    placed.push(operation);
  }
  return true;
}

function expectWitness(kit: Kit<unknown, unknown>, operations: readonly Operation[], result: LinearizabilityResult): void {
  const witness = result.witness;
  if (result.verdict === 'ok' && witness?.kind === 'linearization') {
    const finished = new Set(operations.filter((operation) => operation.return !== Infinity).map((operation) => operation.index));
    const ordered = new Set(witness.partitions.flat());
    for (const index of finished) expect(ordered.has(index)).toBe(true);
    for (const order of witness.partitions) expect(replayLegal(kit.model, operations, order)).toBe(true);
  }
  if (result.verdict === 'illegal' && witness?.kind === 'counterexample') {
    expect(replayLegal(kit.model, operations, witness.longest.map((step) => step.index))).toBe(true);
  }
}

function perturbed(kit: Kit<unknown, unknown>, built: BuiltHistory, plan: readonly { invocation: unknown }[], which: number, choice: number): History {
  const oks = okPositions(built.history);
  if (oks.length === 0) return built.history;
  const position = oks[which % oks.length] as number;
  const invocation = (plan[built.operationAt[position] as number] as { invocation: unknown }).invocation;
  return withCompletion(built.history, position, kit.perturb(built.history[position]?.value, invocation, choice));
}

describe(`linearizability checker properties (seed ${seed})`, () => {
  for (const kit of allKits()) {
    it(`${kit.name}: agrees with the brute-force reference on histories of up to 8 ops`, () => {
      const seen = { ok: 0, illegal: 0 };
      fc.assert(
        fc.property(planArbitrary(kit, 8, 50), fc.nat(), fc.nat(), fc.boolean(), (plan, which, choice, change) => {
          const built = buildHistory(kit, plan);
          const history = change ? perturbed(kit, built, plan, which, choice) : built.history;
          const operations = operationsOf(kit, history);
          const expected = bruteForceLinearizable(kit.model, operations) ? 'ok' : 'illegal';
          const result = checkOperations(kit.model, operations, { timeoutMs: 5_000 });
          seen[expected] += 1;
          expect(result.verdict).toBe(expected);
          expectWitness(kit, operations, result);
        }),
        { seed, numRuns: 500 },
      );
      // Both verdicts must occur, or the agreement says little.
      expect(seen.ok).toBeGreaterThan(10);
      expect(seen.illegal).toBeGreaterThan(10);
    });

    it(`${kit.name}: a history linearizable by construction passes`, () => {
      fc.assert(
        fc.property(planArbitrary(kit, 60, 300), (plan) => {
          const { history } = buildHistory(kit, plan);
          const operations = operationsOf(kit, history);
          const result = checkOperations(kit.model, operations, { timeoutMs: 10_000 });
          expect(result.verdict).toBe('ok');
          expectWitness(kit, operations, result);
        }),
        { seed, numRuns: 120 },
      );
    });

    it(`${kit.name}: a violation injected into a linearizable history is found`, () => {
      let injected = 0;
      fc.assert(
        fc.property(planArbitrary(kit, 60, 300), fc.nat(), (plan, which) => {
          const built = buildHistory(kit, plan);
          const candidates = okPositions(built.history).filter((position) => {
            const invocation = (plan[built.operationAt[position] as number] as { invocation: unknown }).invocation;
            return kit.corrupt(built.history[position]?.value, invocation) !== undefined;
          });
          fc.pre(candidates.length > 0);
          const position = candidates[which % candidates.length] as number;
          const invocation = (plan[built.operationAt[position] as number] as { invocation: unknown }).invocation;
          const history = withCompletion(built.history, position, kit.corrupt(built.history[position]?.value, invocation));
          const operations = operationsOf(kit, history);
          const result = checkOperations(kit.model, operations, { timeoutMs: 10_000 });
          injected += 1;
          expect(result.verdict).toBe('illegal');
          expectWitness(kit, operations, result);
        }),
        { seed, numRuns: 120 },
      );
      expect(injected).toBeGreaterThan(40);
    });
  }
});
