// `check --consistency RUNG` judges one bank history for a rung below linearizable: the session
// fixtures keep or break the session guarantees, eventual needs the run's final states, and an unknown
// rung is a usage error.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureOutput } from '../_testing/capture-output.js';
import { exitCode } from '../exit.js';
import { main } from '../main.js';

const output = captureOutput();
const fixtures = join(import.meta.dirname, '..', '..', '..', 'models', 'fixtures', 'session');

describe('faultline check --consistency', () => {
  it('session: ok where every session kept its guarantees, 1 with the ops where one broke', async () => {
    expect(await main(['check', join(fixtures, 'session-ok.jsonl'), '--consistency', 'session'])).toBe(exitCode.ok);
    expect(output.stdout).toContain('session-guarantees: ok');
    expect(output.stdout).toMatch(/staleness: 0 stale reads of 3/);
    expect(await main(['check', join(fixtures, 'session-read-your-writes-bad.jsonl'), '--consistency', 'session', '--json'])).toBe(exitCode.violation);
    const summary = JSON.parse(output.stdout.trim().split('\n').at(-1) ?? '{}') as { verdict: string; checks: { kind: string; summary: string }[] };
    expect(summary.verdict).toBe('illegal');
    expect(summary.checks[0]?.summary).toMatch(/read-your-writes: op 2 read a1 at version 2, behind the version 3 this session wrote in op 0/);
  });

  it('eventual without the run beside the history is bad input; an unknown rung a usage error', async () => {
    expect(await main(['check', join(fixtures, 'session-ok.jsonl'), '--consistency', 'eventual'])).toBe(exitCode.data);
    expect(await main(['check', join(fixtures, 'session-ok.jsonl'), '--consistency', 'strong'])).toBe(exitCode.usage);
    expect(output.stderr.trim().split('\n')).toHaveLength(2);
  });
});
