// `faultline node` as a process: usage errors exit 64 with one line, SIGTERM exits 0, and the node
// exits by itself when its parent goes away. Run: `npx vitest run lab/cli/verbs/node.test.ts`.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import {
  eventually, faultlineBin, removeDirectory, startTestNode, stopAllTestNodes, temporaryDirectory,
} from '../../systems/bank/_testing/support.js';

const directory = temporaryDirectory('faultline-node-cli-');

afterAll(async () => {
  await stopAllTestNodes();
  removeDirectory(directory);
});

function runNode(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [faultlineBin, 'node', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => done({ code, stdout, stderr }));
  });
}

/** Alive and not a zombie waiting to be reaped by whoever adopted it. */
function isRunning(pid: number): boolean {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '';
    return !fields.startsWith('Z') && !fields.startsWith('X');
  } catch {
    return false;
  }
}

const valid = ['--id', 'b1', '--listen', '127.0.0.1:0', '--strategy', 'lock', '--data-dir', directory];

describe('faultline node', () => {
  it('exits 64 with one line of error on bad flags', async () => {
    const cases: Record<string, string[]> = {
      'unknown strategy': ['--id', 'b1', '--listen', '127.0.0.1:0', '--strategy', 'optimistic', '--data-dir', directory],
      'bad peers': [...valid, '--peers', 'b2=127.0.0.1'],
      'missing id': ['--listen', '127.0.0.1:0', '--strategy', 'lock', '--data-dir', directory],
      'missing data dir': ['--id', 'b1', '--listen', '127.0.0.1:0', '--strategy', 'lock'],
      'not loopback': ['--id', 'b1', '--listen', '0.0.0.0:0', '--strategy', 'lock', '--data-dir', directory],
      'unknown flag': [...valid, '--color'],
      'unknown bug': [...valid, '--bug', 'everything'],
      'bad accounts': [...valid, '--accounts', 'a1=-5'],
    };
    const outcomes = await Promise.all(Object.values(cases).map(runNode));
    Object.keys(cases).forEach((name, index) => {
      const outcome = outcomes[index]!;
      expect({ name, code: outcome.code, stdout: outcome.stdout }).toEqual({ name, code: 64, stdout: '' });
      expect(outcome.stderr.trimEnd().split('\n'), name).toHaveLength(1);
    });
  });

  it('exits 64 with "address ... is in use" when the port is taken', async () => {
    const holder = createServer();
    await new Promise<void>((done) => holder.listen(0, '127.0.0.1', done));
    const port = (holder.address() as AddressInfo).port;
    try {
      const outcome = await runNode(['--id', 'b1', '--listen', `127.0.0.1:${port}`, '--strategy', 'lock', '--data-dir', directory]);
      expect(outcome.code).toBe(64);
      expect(outcome.stderr.trimEnd()).toBe(`faultline node: address 127.0.0.1:${port} is in use`);
    } finally {
      await new Promise((done) => holder.close(done));
    }
  });

  it('prints one listening line and exits 0 on SIGTERM', async () => {
    const node = await startTestNode({ id: 'b1', strategy: 'unsafe', dataDir: directory, accounts: 'a1=1' });
    let stdout = '';
    node.child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    node.child.kill('SIGTERM');
    expect(await node.exited).toEqual({ code: 0, signal: null });
    expect(stdout).toBe(''); // the listening line was the only one, read at start
    await node.stop();
  });

  it('exits 0 when its stdin pipe closes (the parent died)', async () => {
    const node = await startTestNode({ id: 'b1', strategy: 'lock-free', dataDir: directory });
    node.child.stdin?.end();
    expect(await node.exited).toEqual({ code: 0, signal: null });
    await node.stop();
  });

  it('exits when its parent is killed, even with stdin on /dev/null', async () => {
    // The parent is a small node script that starts a branch with no stdin pipe and reports its pid.
    const script = `
      const { spawn } = require('node:child_process');
      const child = spawn(process.execPath, ${JSON.stringify([faultlineBin, 'node', ...valid])}, { stdio: ['ignore', 'pipe', 'inherit'] });
      child.stdout.once('data', () => { process.stdout.write(String(child.pid) + '\\n'); });
      setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    const pid = await new Promise<number>((done) => parent.stdout.once('data', (chunk: Buffer) => done(Number(chunk.toString().trim()))));
    expect(isRunning(pid)).toBe(true);
    parent.kill('SIGKILL');
    expect(await eventually(async () => !isRunning(pid), 5_000)).toBe(true);
  });
});

describe('faultline dlq', () => {
  it('exits 65 when the directory holds no branch database, 64 without --data-dir', () => {
    const missing = spawnSync(process.execPath, [faultlineBin, 'dlq', '--data-dir', `${directory}/nowhere`], { encoding: 'utf8' });
    expect(missing.status).toBe(65);
    expect(missing.stderr.trimEnd().split('\n')).toHaveLength(1);
    const usage = spawnSync(process.execPath, [faultlineBin, 'dlq'], { encoding: 'utf8' });
    expect(usage.status).toBe(64);
  });
});
