// Property: `faultline compare` runs every strategy on the same plan per seed, alternately, finds no
// violation under lock or lock-free, writes compare.json and compare.html, and two simulated sessions
// with the same root seed give the same grid, cell for cell, unsafe's column included (its verdicts
// hang on races the simulator decides the same way every time; on real clusters they hang on the
// machine's load too, so a real session's grid is not required to repeat). Seed: fixed in CI, random
// locally, FAULTLINE_SEED.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CompareDocument } from '../lab/compare/index.js';
import { suiteSeed } from './_testing/support.js';

const seed = suiteSeed();
const sessionMsMax = 90_000;
const scratch = mkdtempSync(join(tmpdir(), 'faultline-compare-'));

interface Session {
  code: number;
  stdout: string;
  stderr: string;
  document: CompareDocument;
}

function compare(out: string, mode: 'real' | 'sim' = 'real'): Promise<Session> {
  const argv = ['bin/faultline.mjs', 'compare', '--mode', mode, '--strategies', 'lock,lock-free,unsafe', '--seeds', '2', '--seed', String(seed), '--faults', 'light', '--ops', '30', '--json', '--out', out];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, argv, { timeout: sessionMsMax, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      if (code < 0) return reject(new Error(`compare did not finish: ${error?.message}\n${stderr}`));
      try {
        resolve({ code, stdout, stderr, document: JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8')) as CompareDocument });
      } catch (parseError) {
        reject(new Error(`compare exited ${code} without a readable compare.json: ${String(parseError)}\n${stderr}`));
      }
    });
  });
}

describe(`compare: paired, alternating, reproducible (seed ${seed})`, () => {
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  let first: Session;

  it('runs lock, lock-free and unsafe alternately on identical plans and finds no violation under lock or lock-free', async () => {
    first = await compare(join(scratch, 'first'));
    const { runs, grid } = first.document;
    const expectedCode = runs.some((run) => run.verdict === 'illegal') ? 1 : runs.some((run) => run.verdict === 'unknown') ? 2 : 0;
    expect(first.code, first.stderr).toBe(expectedCode);
    expect(runs.map((run) => `${run.index}:${run.strategy}`)).toEqual(['0:lock', '0:lock-free', '0:unsafe', '1:lock', '1:lock-free', '1:unsafe']);
    for (const row of grid) {
      const hashes = runs.filter((run) => run.index === row.index).map((run) => run.planHash);
      expect(hashes).toEqual([row.planHash, row.planHash, row.planHash]);
      for (const cell of row.cells.filter((each) => each.strategy !== 'unsafe')) expect(cell.verdict, `${cell.command}\n${first.stderr}`).not.toBe('illegal');
    }
    const summary = JSON.parse(first.stdout) as { grid: unknown; summaries: { strategy: string }[]; html: string };
    expect(summary.grid).toEqual(grid);
    expect(summary.summaries.map((item) => item.strategy)).toEqual(['lock', 'lock-free', 'unsafe']);
    const html = readFileSync(summary.html, 'utf8');
    expect(html).toContain('<table class="grid">');
    expect(html).toContain(`href="#run-1-lock-free"`);
  });

  it('gives the same grid, cell for cell, when simulated twice with the same seeds', async () => {
    const [one, two] = await Promise.all([compare(join(scratch, 'sim-first'), 'sim'), compare(join(scratch, 'sim-second'), 'sim')]);
    const cells = (session: Session): unknown[] => session.document.grid.map((row) => row.cells.map((cell) => ({ strategy: cell.strategy, verdict: cell.verdict, violations: cell.violations })));
    expect(cells(two)).toEqual(cells(one));
    expect(one.document.runs.map((run) => run.planHash)).toEqual(first.document.runs.map((run) => run.planHash));
  });
});
