// explore --mode sim, as a user runs it (a process of its own): it ends with results.json and the
// index like a local explore, its shards merge into the same verdicts, and --check-determinism finds
// every seed's trace the same twice.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readResultsFile } from '../../fleet/index.js';
import type { ResultsFile } from '../../fleet/index.js';

const bin = resolve(import.meta.dirname, '..', '..', '..', 'bin', 'faultline.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'faultline-explore-sim-'));
const seeds = ['--mode', 'sim', '--seed', '34', '--runs', '20', '--strategy', 'unsafe', '--ops', '8', '--branches', '2', '--no-shrink', '--json'];

function faultline(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], { cwd: scratch, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

function summaryOf(stdout: string): { index: string; failedRuns: number; runs: number; determinism?: { seeds: number; differing: number } } {
  return JSON.parse(stdout.trim().split('\n').pop() as string) as ReturnType<typeof summaryOf>;
}

const verdicts = (results: ResultsFile): string[] => results.records.map((record) => `${record.index} ${record.run.runId} ${record.run.verdict}`);

describe('explore --mode sim', () => {
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('writes results.json and an index linking every failure; its shards merge into the same verdicts', async () => {
    const [whole, first, second] = await Promise.all([
      faultline(['explore', ...seeds, '--workers', '2', '--artifacts', join(scratch, 'whole')]),
      faultline(['explore', ...seeds, '--workers', '1', '--shard', '1/2', '--artifacts', join(scratch, 'first')]),
      faultline(['explore', ...seeds, '--workers', '1', '--shard', '2/2', '--artifacts', join(scratch, 'second')]),
    ]);
    expect(whole.code, whole.stderr).toBe(1);
    const summary = summaryOf(whole.stdout);
    const results = readResultsFile(summary.index);
    expect(results.records.map((record) => record.index)).toEqual([...Array(20).keys()]);
    expect(results.records.every((record) => record.mode === 'sim' && record.worker === 'local')).toBe(true);
    const failing = results.records.filter((record) => record.run.verdict === 'illegal');
    expect(failing.length).toBe(summary.failedRuns);
    expect(failing.length).toBeGreaterThan(0);
    const index = readFileSync(summary.index, 'utf8');
    for (const record of failing) {
      expect(index).toContain(`${record.run.artifactDir}/report.html`);
      expect(existsSync(join(scratch, 'whole', record.run.artifactDir ?? '?', 'trace.jsonl'))).toBe(true);
    }
    expect([first.code, second.code]).toEqual([1, 1]);
    const merged = await faultline(['merge', dirname(summaryOf(first.stdout).index), dirname(summaryOf(second.stdout).index), '--artifacts', join(scratch, 'merged'), '--json']);
    expect(verdicts(readResultsFile(summaryOf(merged.stdout).index))).toEqual(verdicts(results));
  });

  it('--check-determinism runs every seed twice and finds the same trace', async () => {
    const checked = await faultline(['explore', ...seeds, '--runs', '6', '--workers', '1', '--check-determinism', '--artifacts', join(scratch, 'twice')]);
    expect(summaryOf(checked.stdout).determinism).toEqual({ seeds: 6, differing: 0 });
    expect(checked.stderr).toContain('determinism: 6 of 6 seeds gave the same trace twice, 0 differed');
  });
});
