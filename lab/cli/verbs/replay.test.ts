// replay refuses, in one line and before starting anything, what it cannot run: a plan.json that the
// plan schema refuses (exit 65, naming the first offending path) and flags that shape generated plans (64).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { planFor } from '../../gen/index.js';
import { planJson, runSeeds } from '../../plan/index.js';
import { captureOutput } from '../_testing/capture-output.js';
import { exitCode } from '../exit.js';
import { main } from '../main.js';

const output = captureOutput();
const scratch = mkdtempSync(join(tmpdir(), 'faultline-replay-'));

function artifactDir(plan: unknown): string {
  const directory = mkdtempSync(join(scratch, 'run-'));
  writeFileSync(join(directory, 'plan.json'), JSON.stringify(plan));
  writeFileSync(join(directory, 'verdict.json'), JSON.stringify({ strategy: 'lock', bug: null, violations: [] }));
  return directory;
}

describe('faultline replay on bad input', () => {
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const plan = JSON.parse(planJson(planFor(runSeeds(2, 0).plan))) as { workload: { steps: Record<string, unknown>[][] } };

  it('refuses an amount of -1e300 with exit 65 and the path of the amount', async () => {
    const bad = structuredClone(plan);
    bad.workload.steps = [[{ f: 'deposit', client: 0, branch: 'b1', retries: 0, account: 'a1', amount: -1e300, requestId: 'r' }]];
    expect(await main(['replay', artifactDir(bad)])).toBe(exitCode.data);
    expect(output.stderr.trim().split('\n')).toHaveLength(1);
    expect(output.stderr).toMatch(/plan\.json: workload\.steps\.0\.0\.amount: /);
  });

  it('refuses --stalls outside real mode, and a --stalls it does not know, with exit 64', async () => {
    expect(await main(['run', '--seed', '1', '--mode', 'sim', '--stalls', 'sim'])).toBe(exitCode.usage);
    expect(output.stderr).toMatch(/--stalls applies to --mode real/);
    expect(await main(['replay', artifactDir(plan), '--mode', 'real', '--stalls', 'often'])).toBe(exitCode.usage);
    expect(output.stderr).toMatch(/--stalls/);
  });

  it('refuses a kill of a node the cluster does not have instead of dropping it', async () => {
    const bad = { ...structuredClone(plan), faultSchedule: [{ atStep: 0, healAtStep: 1, fault: { kind: 'kill', node: 'b9' } }] };
    expect(await main(['replay', artifactDir(bad)])).toBe(exitCode.data);
    expect(output.stderr).toMatch(/node 'b9' is not in the cluster/);
  });

  it('refuses a flag that shapes generated plans', async () => {
    expect(await main(['replay', artifactDir(plan), '--faults', 'heavy'])).toBe(exitCode.usage);
    expect(output.stderr).toMatch(/--faults does not apply/);
  });

  it('replays a simulated run in the simulator unless --mode says otherwise, and its rerun command says --mode sim', async () => {
    const root = mkdtempSync(join(scratch, 'sim-'));
    const args = ['--seed', '34', '--index', '10', '--strategy', 'unsafe', '--branches-max', '2', '--ops', '8', '--no-shrink'];
    expect(await main(['run', ...args, '--mode', 'sim', '--artifacts', root])).toBe(exitCode.violation);
    const directory = join(root, 's34-k10-p0-unsafe');
    expect(JSON.parse(readFileSync(join(directory, 'verdict.json'), 'utf8'))).toMatchObject({ mode: 'sim' });
    expect(readFileSync(join(directory, 'replay.txt'), 'utf8')).toContain(`npx faultline run ${args.slice(0, 4).join(' ')} --path 0 --strategy unsafe --branches-max 2 --ops 8 --mode sim\n`);
    output.stdout = '';
    expect(await main(['replay', directory, '--times', '2', '--json'])).toBe(exitCode.violation);
    expect(JSON.parse(output.stdout)).toMatchObject({ times: 2, mode: 'sim', reproduced: 2 });
  });
});
