// The explore index of a 50-run session (synthesized run results, kept by the session's policy): it
// links to every failing run's report and every link resolves; failures come first; the summary counts.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { handRun } from '../../compare/_testing/runs.js';
import { keepsArtifacts, writeArtifacts } from '../artifacts.js';
import type { RunResult } from '../outcome.js';
import { writeExploreIndex } from './explore-index.js';

const root = mkdtempSync(join(tmpdir(), 'faultline-explore-index-'));
const runsCount = 50;

function verdictOf(index: number): Pick<RunResult, 'verdict' | 'violations'> {
  if (index % 7 === 3) return { verdict: 'illegal', violations: ['linearizability', 'conservation'] };
  if (index % 11 === 5) return { verdict: 'illegal', violations: ['convergence'] };
  return index % 13 === 8 ? { verdict: 'unknown', violations: [] } : { verdict: 'ok', violations: [] };
}

function session(): RunResult[] {
  return Array.from({ length: runsCount }, (_, index) => {
    const { result } = handRun({ index, strategy: 'unsafe', ops: [{ startMs: 0, endMs: 4, type: 'ok' }, { startMs: 1, endMs: 9, type: 'info' }], ...verdictOf(index) });
    if (keepsArtifacts(result.verdict, false)) result.artifactDir = writeArtifacts(root, result);
    return result;
  });
}

describe('the explore index', () => {
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const results = session();
  const path = writeExploreIndex(root, { rootSeed: 1, strategy: 'unsafe', runs: results.map((result) => ({ result })), seconds: 30 });
  const html = readFileSync(path, 'utf8');
  const links = [...html.matchAll(/href="([^"]+)"/g)].map((match) => match[1] as string).filter((href) => !href.startsWith('data:'));

  it('links to every failing run’s report, and every link resolves', () => {
    const failing = results.filter((result) => result.verdict === 'illegal');
    expect(failing.length).toBeGreaterThan(5);
    for (const result of failing) expect(links).toContain(`../${result.runId}/report.html`);
    for (const href of links) expect(existsSync(resolve(dirname(path), href)), href).toBe(true);
  });

  it('puts failures first, then unknowns, then passes', () => {
    const order = [...html.matchAll(/<tr class="verdict-(\w+)"/g)].map((match) => match[1]);
    expect(order).toHaveLength(runsCount);
    const rank = { illegal: 0, unknown: 1, ok: 2 } as Record<string, number>;
    expect(order.map((verdict) => rank[verdict ?? ''])).toEqual([...order.map((verdict) => rank[verdict ?? ''])].sort());
  });

  it('sums the session up: runs, violations by kind, unknowns, runs per minute', () => {
    expect(html).toContain(`<dt>runs</dt><dd>${runsCount}</dd>`);
    expect(html).toMatch(/linearizability \d+, conservation \d+, convergence \d+/);
    expect(html).toContain(`<dt>unknowns</dt><dd>${results.filter((result) => result.verdict === 'unknown').length}</dd>`);
    expect(html).toContain('<dt>runs per minute</dt><dd>100.0</dd>');
  });
});
