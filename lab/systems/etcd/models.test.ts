// The etcd workloads' models on hand-written histories: per-key registers, a stale read caught, a
// refused cas as a constraint, the lock against the mutex, and mutual exclusion from versions.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkLinearizable } from '../../../models/index.js';
import type { History, HistoryEvent } from '../../../models/index.js';
import { checkMutualExclusion, keyedRegisterModel, lockModel } from './models.js';
import { keysOf, lockWorkload, opsPerClient, registerWorkload, serializableReadsWorkload } from './workloads.js';

function history(...calls: [number, string, Record<string, unknown>, HistoryEvent['type'], Record<string, unknown>][]): History {
  // Each call is an invoke and its completion, one after the other: calls never overlap.
  return calls.flatMap(([process, f, input, type, output], position) => [
    { index: position * 2, process, type: 'invoke' as const, f, value: input, time: position * 2 },
    { index: position * 2 + 1, process, type, f, value: { ...input, ...output }, time: position * 2 + 1 },
  ]);
}

describe('the etcd register model', () => {
  it('checks each key on its own', () => {
    const ok = history(
      [1, 'write', { key: 'k0', value: 1 }, 'ok', {}],
      [2, 'write', { key: 'k1', value: 2 }, 'ok', {}],
      [1, 'read', { key: 'k0', serializable: false }, 'ok', { value: 1 }],
      [2, 'cas', { key: 'k1', expected: 2, value: 3 }, 'ok', { swapped: true }],
      [3, 'read', { key: 'k1', serializable: false }, 'ok', { value: 3 }],
    );
    const result = checkLinearizable(keyedRegisterModel(), ok);
    expect(result.verdict).toBe('ok');
    expect(result.partitions).toBe(2);
  });

  it('catches a read of a value overwritten before it began', () => {
    const stale = history(
      [1, 'write', { key: 'k0', value: 1 }, 'ok', {}],
      [2, 'write', { key: 'k0', value: 2 }, 'ok', {}],
      [3, 'read', { key: 'k0', serializable: true }, 'ok', { value: 1 }],
    );
    expect(checkLinearizable(keyedRegisterModel(), stale).verdict).toBe('illegal');
  });

  it('reads a refused cas as a constraint: it saw another value', () => {
    const refused = history(
      [1, 'write', { key: 'k0', value: 1 }, 'ok', {}],
      [2, 'cas', { key: 'k0', expected: 1, value: 4 }, 'ok', { swapped: false }],
    );
    expect(checkLinearizable(keyedRegisterModel(), refused).verdict).toBe('illegal');
  });

  it('lets an absent key read as null only before any write', () => {
    const absent = history([1, 'read', { key: 'k0', serializable: false }, 'ok', { value: null }], [1, 'cas', { key: 'k0', expected: null, value: 1 }, 'ok', { swapped: true }]);
    expect(checkLinearizable(keyedRegisterModel(), absent).verdict).toBe('ok');
  });
});

describe('the etcd lock model and mutual exclusion', () => {
  const cycle = (process: number, readVersion: number, prevVersion: number): Parameters<typeof history> => [
    [process, 'acquire', { lock: 'mutex' }, 'ok', {}],
    [process, 'incr', { key: 'counter' }, 'ok', { readVersion, prevVersion, read: readVersion, wrote: readVersion + 1 }],
    [process, 'release', { lock: 'mutex' }, 'ok', {}],
  ];

  it('passes holders one after another', () => {
    const ok = history(...cycle(1, 0, 0), ...cycle(2, 1, 1));
    expect(checkLinearizable(lockModel(), ok).verdict).toBe('ok');
    const states = [{ node: 'n1', state: { counter: { value: 2, version: 2, modRevision: 9 } } }];
    expect(checkMutualExclusion(ok, states, 'counter').verdict).toBe('ok');
  });

  it('catches two holders at once, from the mutex and from the versions', () => {
    const [a1, a2, a3] = cycle(1, 0, 0);
    const [b1, b2, b3] = cycle(2, 0, 1);
    const overlapping = history(a1!, b1!, a2!, b2!, a3!, b3!);
    expect(checkLinearizable(lockModel(), overlapping).verdict).toBe('illegal');
    const check = checkMutualExclusion(overlapping, [], 'counter');
    expect(check.verdict).toBe('illegal');
    expect(check.summary).toContain('read version 0 but overwrote version 1');
  });

  it('catches a member that lost an increment', () => {
    const ok = history(...cycle(1, 0, 0), ...cycle(2, 1, 1));
    const states = [{ node: 'n3', state: { counter: { value: 1, version: 1, modRevision: 5 } } }];
    expect(checkMutualExclusion(ok, states, 'counter').summary).toContain('n3 holds 1 after 2 completed increments');
  });
});

describe('the etcd workloads', () => {
  const constraints = { nodes: 3, clients: 3, opsMax: 30, objectsMax: 3, contention: 'low' as const };

  it('draws register ops over the keys, reads serializable only in serializable-reads', () => {
    fc.assert(
      fc.property(registerWorkload.ops(constraints), serializableReadsWorkload.ops(constraints), (plain, serializable) => {
        expect(plain.length).toBeLessThanOrEqual(opsPerClient(constraints));
        for (const op of plain) expect(keysOf(constraints)).toContain(op.input['key']);
        for (const op of plain.filter((each) => each.f === 'read')) expect(op.input['serializable']).toBe(false);
        for (const op of serializable.filter((each) => each.f === 'read')) expect(op.input['serializable']).toBe(true);
      }),
      { seed: 15, numRuns: 50 },
    );
  });

  it('draws lock ops as cycles of acquire, one to three incr, release', () => {
    fc.assert(
      fc.property(lockWorkload.ops(constraints), (ops) => {
        const cycles = ops.map((op) => op.f[0]).join('');
        expect(cycles).toMatch(/^(ai{1,3}r)+$/);
      }),
      { seed: 15, numRuns: 50 },
    );
  });

  it('keeps to two keys under high contention', () => {
    expect(keysOf({ ...constraints, objectsMax: 5, contention: 'high' })).toEqual(['k0', 'k1']);
  });
});
