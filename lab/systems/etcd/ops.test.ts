// The etcd ops read back from a plan's JSON, and the one-line error for an op the client cannot encode.
import { describe, expect, it } from 'vitest';
import { EtcdClient } from './client.js';
import { isEtcdSystemError } from './errors.js';
import { decodeOp } from './ops.js';

describe('etcd ops', () => {
  it('reads each workload op', () => {
    expect(decodeOp('read', { key: 'k0' })).toEqual({ f: 'read', key: 'k0', serializable: false });
    expect(decodeOp('cas', { key: 'k1', expected: null, value: 3 })).toEqual({ f: 'cas', key: 'k1', expected: null, value: 3 });
    expect(decodeOp('acquire', { lock: 'mutex' })).toEqual({ f: 'acquire', lock: 'mutex' });
  });

  it.each([
    ['write', { key: 'k0', value: 1.5 }],
    ['write', { key: 'a/b', value: 1 }],
    ['cas', { key: 'k0', expected: 'x', value: 1 }],
    ['delete', { key: 'k0' }],
  ] as const)('refuses %s %j with etcd-op-unencodable on one line', (f, input) => {
    let caught: unknown;
    try {
      decodeOp(f, { ...input });
    } catch (error) {
      caught = error;
    }
    expect(isEtcdSystemError(caught, 'etcd-op-unencodable')).toBe(true);
    expect((caught as Error).message).toMatch(/^etcd-op-unencodable: cannot encode /);
    expect((caught as Error).message).not.toContain('\n');
  });

  it('refuses an unencodable op in the client before it dials anything', async () => {
    const client = new EtcdClient();
    const op = { client: 0, node: 'n1', retries: 0, f: 'write', input: { key: 'k0', value: 'seven' } };
    await expect(client.perform(op, '127.0.0.1:1', 1_000)).rejects.toMatchObject({ code: 'etcd-op-unencodable' });
    await client.close();
  });
});
