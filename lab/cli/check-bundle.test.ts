// The bundle of `faultline check` (scripts/bundle-check.mjs, what bin/faultline.mjs prefers while it
// is fresh) gives the same lines as the sources, with its worker threads started from the bundle.
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { captureOutput } from './_testing/capture-output.js';
import { main } from './main.js';

const root = join(import.meta.dirname, '..', '..');
const outdir = join(root, 'dist', `check-test-${process.pid}`);
const fixtures = join(root, 'models', 'fixtures');
const output = captureOutput();
const run = promisify(execFile);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** One JSON line a file, without its time: the rest must be equal. */
function verdicts(stdout: string): object[] {
  return stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>).filter((record) => 'file' in record).map(({ ms: _ms, ...rest }) => rest);
}

describe('the bundle of check', () => {
  it('checks the fixtures folder with two worker threads exactly as the sources do', async () => {
    await run(process.execPath, [join(root, 'scripts', 'bundle-check.mjs'), '--outdir', outdir], { cwd: root });
    // A file, not `node --input-type=module -e`: worker threads inherit the flags of the process.
    const runner = join(outdir, 'run.mjs');
    writeFileSync(runner, `const { checkMain } = await import('./check-main.mjs');\nprocess.exitCode = await checkMain(process.argv.slice(2));\n`);
    const argv = ['models/fixtures', '--recursive', '--json', '--jobs', '2'];
    const bundled = await run(process.execPath, [runner, ...argv], { cwd: root }).catch((error: { code: number; stdout: string }) => error);
    expect(await main(['check', fixtures, '--recursive', '--json', '--jobs', '2'])).toBe(1);
    expect('code' in bundled ? bundled.code : 0).toBe(1);
    const ours = verdicts(output.stdout).map((record) => ({ ...record, file: (record as { file: string }).file.replace(`${root}/`, '') }));
    expect(verdicts(bundled.stdout)).toEqual(ours);
    expect(ours.length).toBeGreaterThan(20);
  }, 60_000);
});
