// Where etcd's register ops go while a partition is in force: reads to the reachable minority, writes to
// a live majority, and every op home when no partition splits the cluster that way.
import { describe, expect, it } from 'vitest';
import { partitionLinks } from '../../plan/index.js';
import type { Fault } from '../../plan/index.js';
import { minoritySplit, placeLockOp, placeRegisterOp } from './placement.js';

const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];

function partition(mode: 'majority' | 'isolate' | 'one-way' | 'symmetric', from: string[]): Fault {
  const to = nodes.filter((node) => !from.includes(node));
  return { kind: 'partition', mode, from, to, links: partitionLinks(mode, from, to) };
}

const read = { f: 'read', input: { key: 'k0', serializable: true } };
const write = { f: 'write', input: { key: 'k0', value: 3 } };

describe('etcd register placement', () => {
  it('splits a partition both ways into the reachable minority and the majority', () => {
    expect(minoritySplit({ nodes, faults: [partition('majority', ['n1', 'n2'])] })).toEqual({ minority: ['n1', 'n2'], majority: ['n3', 'n4', 'n5'] });
    // The minority may be the partition's `to` side.
    expect(minoritySplit({ nodes, faults: [partition('symmetric', ['n1', 'n2', 'n3', 'n4'])] })).toEqual({ minority: ['n5'], majority: ['n1', 'n2', 'n3', 'n4'] });
  });

  it('finds no split where clients cannot reach the minority, raft has a way round, or the majority has no quorum', () => {
    expect(minoritySplit({ nodes, faults: [partition('isolate', ['n1'])] })).toBeUndefined();
    expect(minoritySplit({ nodes, faults: [partition('one-way', ['n1'])] })).toBeUndefined();
    expect(minoritySplit({ nodes, faults: [partition('majority', ['n1', 'n2']), { kind: 'kill', node: 'n3' }] })).toBeUndefined();
    expect(minoritySplit({ nodes, faults: [{ kind: 'pause', node: 'n1' }] })).toBeUndefined();
  });

  it('leaves out a paused member of the minority', () => {
    expect(minoritySplit({ nodes, faults: [partition('majority', ['n1', 'n2']), { kind: 'pause', node: 'n1' }] })).toEqual({ minority: ['n2'], majority: ['n3', 'n4', 'n5'] });
  });

  it('sends a read to the minority and a write to the majority, keeping the home node when it is on the right side', () => {
    const faults = [partition('majority', ['n1', 'n2'])];
    expect(placeRegisterOp(read, { client: 3, home: 'n4', nodes, faults })).toBe('n2');
    expect(placeRegisterOp(read, { client: 3, home: 'n1', nodes, faults })).toBe('n1');
    expect(placeRegisterOp(write, { client: 1, home: 'n2', nodes, faults })).toBe('n4');
    expect(placeRegisterOp(write, { client: 1, home: 'n5', nodes, faults })).toBe('n5');
    expect(placeRegisterOp(write, { client: 1, home: 'n2', nodes, faults: [] })).toBe('n2');
  });

  it('keeps a lock client\'s acquire home and sends its increment and release to a live member when home is paused or cut off', () => {
    const incr = { f: 'incr', input: { key: 'counter' } };
    const acquire = { f: 'acquire', input: { lock: 'mutex' } };
    const paused: Fault[] = [{ kind: 'pause', node: 'n2' }];
    expect(placeLockOp(acquire, { client: 0, home: 'n2', nodes, faults: paused })).toBe('n2');
    expect(placeLockOp(incr, { client: 0, home: 'n2', nodes, faults: paused })).toBe('n1');
    expect(placeLockOp(incr, { client: 0, home: 'n3', nodes, faults: paused })).toBe('n3');
    expect(placeLockOp(incr, { client: 4, home: 'n1', nodes, faults: [partition('majority', ['n1', 'n2'])] })).toBe('n4');
    expect(placeLockOp(incr, { client: 0, home: 'n1', nodes, faults: [partition('isolate', ['n1'])] })).toBe('n2');
    expect(placeLockOp(incr, { client: 4, home: 'n1', nodes, faults: [] })).toBe('n1');
  });
});
