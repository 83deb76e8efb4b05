// Runs every course input in scenarios/bank through `faultline bank` (real processes, real gRPC) and
// compares its output and final balance with the ones written by hand; nothing may outlive a run.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { processesMentioning, runFaultline } from '../../lab/cluster/index.js';

const here = import.meta.dirname;
const scenarioNames = readdirSync(here).filter((name) => name.endsWith('.input.json')).map((name) => name.replace('.input.json', ''));
const finalBalances = JSON.parse(readFileSync(join(here, 'final-balances.json'), 'utf8')) as Record<string, number>;
// The bank verb puts its cluster's data dirs under TMPDIR; a private one lets the test find orphans.
const privateTemp = mkdtempSync(join(tmpdir(), 'faultline-scenarios-'));

afterAll(() => rmSync(privateTemp, { recursive: true, force: true }));

describe.each(['lock', 'lock-free'])('scenarios/bank under %s', (strategy) => {
  it.each(scenarioNames)('%s gives the expected output and final balance', async (name) => {
    const outputPath = join(privateTemp, `${name}.${strategy}.output.json`);
    const result = await runFaultline(['bank', join(here, `${name}.input.json`), '--strategy', strategy, '-o', outputPath], {
      env: { TMPDIR: privateTemp },
    });
    expect(result.stderr).toContain(`final balance on every branch: ${finalBalances[name]}\n`);
    expect(result.code).toBe(0);
    const expected: unknown = JSON.parse(readFileSync(join(here, `${name}.expected.json`), 'utf8'));
    expect(JSON.parse(readFileSync(outputPath, 'utf8'))).toEqual(expected);
    expect(processesMentioning(privateTemp)).toEqual([]);
  });
});

it('every scenario has an expected output and a final balance', () => {
  expect(scenarioNames.length).toBeGreaterThanOrEqual(3);
  for (const name of scenarioNames) {
    expect(readdirSync(here)).toContain(`${name}.expected.json`);
    expect(finalBalances[name], name).toBeTypeOf('number');
  }
});

it('03-concurrent-customers under unsafe is caught (exit 1) within 3 runs', async () => {
  const verdicts: string[] = [];
  for (let run = 1; run <= 3; run += 1) {
    const result = await runFaultline(['bank', join(here, '03-concurrent-customers.input.json'), '--strategy', 'unsafe', '-o', join(privateTemp, `unsafe-${run}.json`)], {
      env: { TMPDIR: privateTemp },
    });
    verdicts.push(`run ${run}: exit ${String(result.code)}, ${result.stderr.trim()}`);
    if (result.code === 1) break;
  }
  expect(processesMentioning(privateTemp)).toEqual([]);
  expect(verdicts.at(-1), verdicts.join('\n')).toMatch(/exit 1, faultline bank: (every branch holds \d+, but the receipts add up to 490|the branches disagree)/);
});
