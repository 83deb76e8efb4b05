// `faultline report <artifact-dir>` redraws report.html from the artifacts, and refuses in one line with
// exit 65 a directory without a history or with a truncated one.
import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { caughtRun } from '../../report/_testing/runs.js';
import { reportFileName, writeArtifacts } from '../../report/index.js';
import { captureOutput } from '../_testing/capture-output.js';
import { exitCode } from '../exit.js';
import { main } from '../main.js';

const output = captureOutput();
const scratch = mkdtempSync(join(tmpdir(), 'faultline-report-verb-'));

describe('faultline report', () => {
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('writes report.html again from the artifacts', async () => {
    const directory = writeArtifacts(scratch, caughtRun());
    unlinkSync(join(directory, reportFileName));
    expect(await main(['report', directory])).toBe(exitCode.ok);
    expect(output.stdout.trim()).toBe(join(directory, reportFileName));
    expect(readFileSync(join(directory, reportFileName), 'utf8')).toContain('Strategy unsafe violated linearizability');
  });

  it('refuses a directory without a history: one line, exit 65', async () => {
    const directory = writeArtifacts(scratch, caughtRun());
    unlinkSync(join(directory, 'history.jsonl'));
    expect(await main(['report', directory])).toBe(exitCode.data);
    expect(output.stderr.trim().split('\n')).toHaveLength(1);
    expect(output.stderr).toContain('history.jsonl does not exist');
  });

  it('refuses a truncated history: one line, exit 65', async () => {
    const directory = writeArtifacts(scratch, caughtRun());
    const history = join(directory, 'history.jsonl');
    truncateSync(history, statSync(history).size - 40);
    expect(await main(['report', directory])).toBe(exitCode.data);
    expect(output.stderr.trim().split('\n')).toHaveLength(1);
    expect(output.stderr).toContain('truncated');
  });

  it('refuses a history cut at a line end that holds fewer ops than the run recorded', async () => {
    const directory = writeArtifacts(scratch, caughtRun());
    const history = join(directory, 'history.jsonl');
    const lines = readFileSync(history, 'utf8').split('\n').filter((line) => line !== '');
    truncateSync(history, Buffer.byteLength(`${lines.slice(0, 4).join('\n')}\n`));
    expect(await main(['report', directory])).toBe(exitCode.data);
    expect(output.stderr).toMatch(/truncated: it holds 2 completed ops, the run recorded 4/);
  });

  it('refuses a path that is no directory', async () => {
    expect(await main(['report', join(scratch, 'nowhere')])).toBe(exitCode.data);
    expect(existsSync(join(scratch, 'nowhere'))).toBe(false);
  });
});
