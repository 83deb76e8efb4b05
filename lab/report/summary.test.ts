// The per-run line says why a run ended unknown, on the terminal, not only in verdict.json.
import { describe, expect, it } from 'vitest';
import { handRun } from '../compare/_testing/runs.js';
import { summaryLegend, summaryLine } from './summary.js';

describe('summaryLine', () => {
  it('names the cause of an unknown run', () => {
    const { result } = handRun({ index: 0, strategy: 'lock', verdict: 'unknown', ops: [] });
    const unknown = { ...result, checks: [{ kind: 'lab' as const, verdict: 'unknown' as const, summary: 'the lab failed before a verdict: connect ECONNREFUSED 127.0.0.1:8474' }] };
    expect(summaryLine(unknown)).toContain('unknown (lab: the lab failed before a verdict: connect ECONNREFUSED 127.0.0.1:8474)');
  });

  it('explains p50/p99 and info under the table', () => {
    expect(summaryLegend).toMatch(/^p50\/p99: /);
    expect(summaryLegend).toMatch(/info: an op whose outcome is unknown/);
  });
});
