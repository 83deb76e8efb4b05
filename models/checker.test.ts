// Unit tests of the checker: witnesses, partitions, the budget (time and cache entries), and the
// pathological history of concurrent info writes that must end `unknown` inside its budget.
import { describe, expect, it } from 'vitest';
import { bankModel } from './bank.js';
import { checkLinearizable, partitionOperations, resultFromOutcomes, searchPartition } from './checker.js';
import { pairCalls, toOperations } from './calls.js';
import type { History, HistoryEvent } from './history.js';
import { kvModel } from './kv.js';
import { combineVerdicts } from './model.js';
import { registerModel } from './register.js';

function event(process: number, type: HistoryEvent['type'], f: string, value: unknown): HistoryEvent {
  return { index: 0, process, type, f, value, time: 0 };
}

function numbered(events: HistoryEvent[]): History {
  return events.map((item, index) => ({ ...item, index, time: index * 10 }));
}

/**
 * Writes of distinct values that all end in doubt, then reads that no order of them explains. A cas
 * that also ends in doubt keeps the register from leaving out the writes nobody read (see its prune).
 */
function infoWritePileUp(writes: number, withCas = true): History {
  const events: HistoryEvent[] = withCas ? [event(writes + 1, 'invoke', 'cas', [100, 101]), event(writes + 1, 'info', 'cas', [100, 101])] : [];
  for (let process = 0; process < writes; process += 1) events.push(event(process, 'invoke', 'write', process + 1));
  for (let process = 0; process < writes; process += 1) events.push(event(process, 'info', 'write', process + 1));
  for (const value of [1, 2, 1]) {
    events.push(event(writes, 'invoke', 'read', null), event(writes, 'ok', 'read', value));
  }
  return numbered(events);
}

/** A clock that moves one millisecond each time it is read. */
function steppingClock(): () => number {
  let now = 0;
  return () => (now += 1);
}

const accounts = [{ account: 'a1', balance: 100 }, { account: 'a2', balance: 50 }];

describe('checkLinearizable', () => {
  it('returns a linearization order that covers every completed op', () => {
    const history = numbered([
      event(1, 'invoke', 'write', 1), event(2, 'invoke', 'read', null), event(2, 'ok', 'read', 1), event(1, 'ok', 'write', 1),
      event(3, 'invoke', 'write', 2), event(3, 'info', 'write', 2),
    ]);
    const result = checkLinearizable(registerModel(), history);
    expect(result.verdict).toBe('ok');
    expect(result.witness).toEqual({ kind: 'linearization', partitions: [[0, 1]] });
  });

  it('names the smallest illegal partition, the longest legal prefix and the op that could not go next', () => {
    const history = numbered([
      event(1, 'invoke', 'deposit', { account: 'a1', amount: 10 }), event(1, 'ok', 'deposit', { account: 'a1', amount: 10, balance: 110 }),
      event(1, 'invoke', 'query', { account: 'a1' }), event(1, 'ok', 'query', { account: 'a1', balance: 110 }),
      event(2, 'invoke', 'deposit', { account: 'a2', amount: 5 }), event(2, 'ok', 'deposit', { account: 'a2', amount: 5, balance: 55 }),
      event(2, 'invoke', 'query', { account: 'a2' }), event(2, 'ok', 'query', { account: 'a2', balance: 50 }),
    ]);
    const result = checkLinearizable(bankModel(accounts), history);
    expect(result.verdict).toBe('illegal');
    expect(result.partitions).toBe(2);
    const witness = result.witness;
    if (witness?.kind !== 'counterexample') throw new Error('expected a counterexample');
    expect(witness.operations).toEqual([4, 6]);
    expect(witness.longest).toEqual([{ index: 4, process: 2, operation: 'deposit(a2, 5) → 55', state: 'a1=100 a2=55' }]);
    expect(witness.blocked).toEqual({ index: 6, process: 2, operation: 'query(a2) → 50' });
    expect(result.reason).toContain('op 6');
  });

  it('does not partition a bank history that has a transfer', () => {
    const history = numbered([
      event(1, 'invoke', 'transfer', { from: 'a1', to: 'a2', amount: 10 }),
      event(1, 'ok', 'transfer', { from: 'a1', to: 'a2', amount: 10, applied: true, fromBalance: 90, toBalance: 60 }),
      event(2, 'invoke', 'query', { account: 'a1' }), event(2, 'ok', 'query', { account: 'a1', balance: 90 }),
    ]);
    const result = checkLinearizable(bankModel(accounts), history);
    expect(result).toMatchObject({ verdict: 'ok', partitions: 1, ops: 2 });
  });

  it('ends a pile-up of 40 concurrent info writes as unknown when the time budget runs out', () => {
    const result = checkLinearizable(registerModel(), infoWritePileUp(40), { timeoutMs: 200, now: steppingClock() });
    expect(result.verdict).toBe('unknown');
    expect(result.reason).toContain('200 ms budget ran out');
    expect(result.warnings[0]).toContain('41 info operations');
  });

  it('stops within its budget on the real clock', () => {
    const timeoutMs = 300;
    const started = performance.now();
    const result = checkLinearizable(registerModel(), infoWritePileUp(40), { timeoutMs });
    const elapsed = performance.now() - started;
    expect(result.verdict).toBe('unknown');
    // Generous slack: the budget is read every 1024 steps, and this machine is shared.
    expect(elapsed).toBeLessThan(timeoutMs + 1_500);
  });

  it('ends unknown, not out of memory, when the cache reaches its cap', () => {
    const result = checkLinearizable(registerModel(), infoWritePileUp(40), { cacheEntriesMax: 5_000, timeoutMs: 60_000 });
    expect(result.verdict).toBe('unknown');
    expect(result.reason).toContain('5000 entries');
    expect(result.budget).toMatchObject({ kind: 'cache', cacheEntries: expect.any(Number) });
    expect(result.cacheEntries).toBeLessThanOrEqual(5_001);
  });

  it('finds the violation in a pile-up small enough to search', () => {
    const result = checkLinearizable(registerModel(), infoWritePileUp(8), { timeoutMs: 10_000 });
    expect(result.verdict).toBe('illegal');
  });

  it('keeps looking for an illegal partition after a smaller one ran out of cache entries', () => {
    const asKv = (item: HistoryEvent): HistoryEvent => ({
      ...item, f: item.f === 'write' ? 'put' : 'get', value: { key: 'hot', value: item.value === null ? null : String(item.value) },
    });
    const cold: HistoryEvent[] = [];
    for (let write = 0; write < 40; write += 1) {
      cold.push(event(99, 'invoke', 'put', { key: 'cold', value: `v${write}` }), event(99, 'ok', 'put', { key: 'cold', value: `v${write}` }));
    }
    cold.push(event(99, 'invoke', 'get', { key: 'cold', value: null }), event(99, 'ok', 'get', { key: 'cold', value: 'v0' }));
    const history = numbered([...infoWritePileUp(30, false).map(asKv), ...cold]);
    const result = checkLinearizable(kvModel(), history, { cacheEntriesMax: 2_000, timeoutMs: 60_000 });
    expect(result.verdict).toBe('illegal');
    if (result.witness?.kind !== 'counterexample') throw new Error('expected a counterexample');
    expect(result.witness.partition).toBe(1);
  });
});

describe('timed-out writes nobody read', () => {
  it('are left out of a register history, so a pile-up of them is decided at once', () => {
    const result = checkLinearizable(registerModel(), infoWritePileUp(40, false), { timeoutMs: 60_000 });
    expect(result.verdict).toBe('illegal');
    expect(result.ops).toBe(5);
  });

  it('are kept when a timed-out cas could read the value they hid', () => {
    // nil, then write 1 that times out, then a cas 1->2 that times out, then a read of 2: legal only with the write.
    const history = numbered([
      event(0, 'invoke', 'write', 1), event(0, 'info', 'write', 1),
      event(1, 'invoke', 'cas', [1, 2]), event(1, 'info', 'cas', [1, 2]),
      event(2, 'invoke', 'read', null), event(2, 'ok', 'read', 2),
    ]);
    expect(checkLinearizable(registerModel(), history).verdict).toBe('ok');
  });
});

describe('read-only ops taken first', () => {
  it('still tries the siblings of a write that left the value as it was (it is not read-only)', () => {
    // write 4; an info write of 4; write 3; read 4: only "write 4, write 3, info write 4, read 4" works.
    const history = numbered([
      event(0, 'invoke', 'write', 4), event(0, 'ok', 'write', 4),
      event(1, 'invoke', 'write', 4),
      event(2, 'invoke', 'write', 3), event(2, 'ok', 'write', 3),
      event(3, 'invoke', 'read', null), event(3, 'ok', 'read', 4),
    ]);
    expect(checkLinearizable(registerModel(), history).verdict).toBe('ok');
  });

  it('finds a stale read among many concurrent reads', () => {
    const reads = Array.from({ length: 12 }, (_, process) => [event(process + 2, 'invoke', 'read', null)]).flat();
    const answers = Array.from({ length: 12 }, (_, process) => event(process + 2, 'ok', 'read', process === 11 ? 1 : 2));
    const history = numbered([
      event(0, 'invoke', 'write', 1), event(0, 'ok', 'write', 1), event(1, 'invoke', 'write', 2), event(1, 'ok', 'write', 2),
      ...reads, ...answers,
    ]);
    expect(checkLinearizable(registerModel(), history).verdict).toBe('illegal');
  });
});

describe('budgets by memory', () => {
  it('ends unknown when the estimated cache bytes reach the budget, and says how far it got', () => {
    const memoryBytesMax = 2 * 1024 * 1024;
    const result = checkLinearizable(registerModel(), infoWritePileUp(40), { cacheEntriesMax: Infinity, memoryBytesMax, timeoutMs: Infinity });
    expect(result.verdict).toBe('unknown');
    expect(result.budget).toMatchObject({ kind: 'memory', completed: 3 });
    expect(result.budget?.cacheBytes).toBeLessThanOrEqual(memoryBytesMax);
    expect(result.budget?.deepest).toBeLessThan(3);
    expect(result.reason).toContain('memory budget');
  });

  it('decides the same pile-up once the budget is large enough', () => {
    const result = checkLinearizable(registerModel(), infoWritePileUp(10), { cacheEntriesMax: Infinity, memoryBytesMax: 64 * 1024 * 1024, timeoutMs: Infinity });
    expect(result.verdict).toBe('illegal');
  });
});

describe('searchPartition and resultFromOutcomes', () => {
  it('give the verdict of checkLinearizable when each partition is searched on its own', () => {
    const history = numbered([
      event(0, 'invoke', 'put', { key: 'x', value: 'a' }), event(0, 'ok', 'put', { key: 'x', value: 'a' }),
      event(1, 'invoke', 'get', { key: 'y', value: null }), event(1, 'ok', 'get', { key: 'y', value: 'b' }),
    ]);
    const model = kvModel();
    const partitions = partitionOperations(model, toOperations(model, pairCalls(history), 'jsonl'));
    const constraints = { cacheEntriesMax: Infinity, memoryBytesMax: 1024 * 1024 };
    const outcomes = new Map(partitions.map((partition, position) => [position, searchPartition(model, partition, constraints)]));
    const context = { now: () => 0, started: 0, limits: { cacheEntriesMax: Infinity, memoryBytesMax: 1024 * 1024 }, timeoutMs: Infinity };
    const result = resultFromOutcomes(model, partitions, outcomes, context);
    expect(result.verdict).toBe('illegal');
    expect(result.verdict).toBe(checkLinearizable(model, history).verdict);
  });
});

describe('combineVerdicts', () => {
  it('lets illegal beat unknown and unknown beat ok', () => {
    expect(combineVerdicts([])).toBe('ok');
    expect(combineVerdicts(['ok', 'unknown', 'ok'])).toBe('unknown');
    expect(combineVerdicts([{ verdict: 'unknown' }, 'illegal', { verdict: 'ok' }])).toBe('illegal');
  });
});
