// The child registry on its own: a process that gets SIGINT or SIGTERM kills what it adopted (here a
// `sleep`, which would otherwise outlive it), removes its temporary dirs and exits with 128 + signal;
// one killed with -9, which runs no handler, has its reaper do the same; and a later start reclaims the
// directories a dead owner left.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { reclaimTemporaryDirectories } from './children.js';
import { isGone } from './processes.js';

const goneWithinMs = 5_000;
const script = fileURLToPath(new URL('./fixtures/interrupted-sleeper.ts', import.meta.url));

async function eventually(condition: () => boolean): Promise<boolean> {
  const started = performance.now();
  while (performance.now() - started < goneWithinMs) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}

/** Starts the fixture; resolves with it and what it adopted once it says so. */
async function startSleeper(): Promise<{ child: ReturnType<typeof spawn>; exited: Promise<number | null>; started: { pid: number; directory: string } }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  const line = await new Promise<string>((resolve) => {
    let stdout = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.includes('\n')) resolve(stdout.slice(0, stdout.indexOf('\n')));
    });
  });
  return { child, exited, started: JSON.parse(line) as { pid: number; directory: string } };
}

describe('a process killed with -9, which runs no handler of its own', () => {
  it('has its reaper kill its adopted children and remove its temporary dirs within 5 s', async () => {
    const { child, exited, started } = await startSleeper();
    expect(isGone(started.pid)).toBe(false);
    expect(existsSync(started.directory)).toBe(true);
    child.kill('SIGKILL');
    await exited;
    expect(await eventually(() => isGone(started.pid))).toBe(true);
    expect(await eventually(() => !existsSync(started.directory))).toBe(true);
  });
});

describe('reclaimTemporaryDirectories', () => {
  it('removes the directories of owners that are gone and keeps those of live ones', () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const left = mkdtempSync(join(tmpdir(), `faultline-reclaim-test-${dead}-`));
    mkdirSync(join(left, 'b1'));
    const live = mkdtempSync(join(tmpdir(), `faultline-reclaim-test-${process.ppid}-`));
    try {
      expect(reclaimTemporaryDirectories('reclaim-test')).toEqual([left]);
      expect(existsSync(left)).toBe(false);
      expect(existsSync(live)).toBe(true);
    } finally {
      rmSync(live, { recursive: true, force: true });
    }
  });
});

describe.each([['SIGINT', 130], ['SIGTERM', 143]] as const)('a process that gets %s', (signal, code) => {
  it(`kills its adopted children, removes its temporary dirs and exits with ${code}`, async () => {
    const { child, exited, started } = await startSleeper();
    expect(isGone(started.pid)).toBe(false);
    expect(existsSync(started.directory)).toBe(true);
    child.kill(signal);
    expect(await exited).toBe(code);
    expect(await eventually(() => isGone(started.pid))).toBe(true);
    expect(existsSync(started.directory)).toBe(false);
  });
});
