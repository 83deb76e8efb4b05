// For the fleet's tests and bench: the faultline command as a child process (a worker, an explore),
// with its output gathered, stopped by the test that started it. Each child's temporary directories
// (a job's scratch, a cluster's) go under a TMPDIR of its own, removed when it exits: a worker a test
// kills with SIGKILL cannot remove them itself.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const binary = resolve(import.meta.dirname, '../../../bin/faultline.mjs');

export interface Command {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

export function faultline(args: readonly string[], cwd: string): Command {
  const temporary = mkdtempSync(join(tmpdir(), 'faultline-child-'));
  const child = spawn(process.execPath, [binary, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0', TMPDIR: temporary } });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((done) => {
    child.once('close', (code, signal) => {
      rmSync(temporary, { recursive: true, force: true });
      done({ code, signal, stdout, stderr });
    });
  });
  return { child, output: () => stdout + stderr, exited };
}

export interface TestWorker extends Command {
  /** The worker's name on the queue, as its jobs' processedBy says. */
  name: string;
  stop: () => Promise<void>;
}

export async function startWorker(url: string, cwd: string, extra: readonly string[] = []): Promise<TestWorker> {
  const command = faultline(['worker', '--queue', url, ...extra], cwd);
  const deadline = performance.now() + 30_000;
  while (!/taking jobs/.test(command.output())) {
    if (performance.now() > deadline || command.child.exitCode !== null) throw new Error(`the worker did not start: ${command.output()}`);
    await new Promise((done) => setTimeout(done, 50));
  }
  const name = /worker (\S+): taking jobs/.exec(command.output())?.[1] ?? '';
  return {
    ...command,
    name,
    async stop() {
      if (command.child.exitCode === null && command.child.signalCode === null) command.child.kill('SIGTERM');
      await command.exited;
    },
  };
}
