// Bad input to the verbs with --system: a module that is not a System, a node command that exits at
// once, a node that never becomes ready, an op the client cannot encode. Each gives one line and exit
// 64 or 65, and leaves no node process behind (their command lines carry a marker the test looks for).
import { describe, expect, it } from 'vitest';
import { processesMentioning, runFaultline } from '../cluster/index.js';

const fixture = (name: string): string => `lab/run/fixtures/${name}.ts`;

async function runSystem(system: string, extra: string[] = []): Promise<{ code: number | null; errors: string[] }> {
  const result = await runFaultline(['run', '--system', system, '--seed', '1', '--faults', 'none', '--artifacts', 'artifacts/system-cli-test', ...extra], { timeoutMs: 60_000 });
  return { code: result.code, errors: result.stderr.split('\n').filter((line) => line.startsWith('faultline run:')) };
}

describe('--system bad input, seed 1', () => {
  it('a module that does not export the System interface: exit 65, naming what is missing', async () => {
    const { code, errors } = await runSystem(fixture('no-interface'));
    expect(code).toBe(65);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/does not export a System: missing or wrong: nodeIds \(function\)/);
  });

  it('a system name that does not exist, or a path that is not there: exit 64', async () => {
    const unknown = await runSystem('mongodb');
    expect(unknown.code).toBe(64);
    expect(unknown.errors[0]).toMatch(/--system must be bank, etcd or a module path, got 'mongodb'/);
    const missing = await runSystem('./no/such/system.ts');
    expect(missing.code).toBe(64);
    expect(missing.errors[0]).toMatch(/no such file/);
  });

  it('a node command that exits at once: exit 65 with its exit code and last stderr line, nothing left', async () => {
    const { code, errors } = await runSystem(fixture('exits-at-once'));
    expect(code).toBe(65);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/node n\d exited with code 3 before it was ready: no config file/);
    expect(processesMentioning('faultline-fixture-exits-at-once')).toEqual([]);
  });

  it('a node that never becomes ready: exit 65 after --ready-ms, nothing left', async () => {
    const { code, errors } = await runSystem(fixture('never-ready'), ['--ready-ms', '1500']);
    expect(code).toBe(65);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/node n1 was not ready within 1500 ms/);
    expect(processesMentioning('faultline-fixture-never-ready')).toEqual([]);
  });

  it('an op the client cannot encode: exit 65 naming the op, nothing left', async () => {
    const { code, errors } = await runSystem(fixture('unencodable-op'));
    expect(code).toBe(65);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/encodes noop only, not 'multiply'/);
    expect(processesMentioning('faultline-fixture-unencodable')).toEqual([]);
  });

  it('--mode sim is the bank\'s: exit 64', async () => {
    const { code, errors } = await runSystem('etcd', ['--mode', 'sim']);
    expect(code).toBe(64);
    expect(errors[0]).toMatch(/runs in real mode/);
  });
});
