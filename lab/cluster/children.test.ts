// The child registry on its own: a process that gets SIGINT or SIGTERM kills what it adopted (here a
// `sleep`, which would otherwise outlive it), removes its temporary dirs and exits with 128 + signal.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isGone } from './processes.js';

const goneWithinMs = 3_000;
const script = fileURLToPath(new URL('./fixtures/interrupted-sleeper.ts', import.meta.url));

async function eventually(condition: () => boolean): Promise<boolean> {
  const started = performance.now();
  while (performance.now() - started < goneWithinMs) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}

describe.each([['SIGINT', 130], ['SIGTERM', 143]] as const)('a process that gets %s', (signal, code) => {
  it(`kills its adopted children, removes its temporary dirs and exits with ${code}`, async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
    const line = await new Promise<string>((resolve) => {
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        if (stdout.includes('\n')) resolve(stdout.slice(0, stdout.indexOf('\n')));
      });
    });
    const started = JSON.parse(line) as { pid: number; directory: string };
    expect(isGone(started.pid)).toBe(false);
    expect(existsSync(started.directory)).toBe(true);
    child.kill(signal);
    expect(await exited).toBe(code);
    expect(await eventually(() => isGone(started.pid))).toBe(true);
    expect(existsSync(started.directory)).toBe(false);
  });
});
