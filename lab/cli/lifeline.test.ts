// Nothing outlives faultline, however it ends: `explore` killed with -9 mid-run, or the process that
// started it (npx, a shell) killed with -9, leaves within 5 s no child (branch nodes, toxiproxy-server
// where it is installed, the reaper), no port they listened on and no temporary data directory.
// Run: `CI=true npx vitest run lab/cli/lifeline.test.ts`.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { childPids, faultlineBinPath, isGone, isListening, listeningAddresses, splitAddress } from '../cluster/index.js';
import { findToxiproxyBinary } from '../proxy/index.js';

const goneWithinMs = 5_000;
const midRunWithinMs = 60_000;
const pollMs = 50;
const work = mkdtempSync(join(tmpdir(), 'faultline-lifeline-'));
// The real server where it is installed (CI installs it), so its process is among those checked.
const proxy = findToxiproxyBinary() === undefined ? 'embedded' : 'binary';
const exploreArgs = ['explore', '--runs', '500', '--seed', '11', '--proxy', proxy, '--artifacts', join(work, 'artifacts')];

async function eventually(condition: () => boolean | Promise<boolean>, withinMs: number): Promise<boolean> {
  const started = performance.now();
  while (performance.now() - started < withinMs) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return condition();
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

function clusterDirectories(owner: number): string[] {
  return readdirSync(tmpdir()).filter((name) => name.startsWith(`faultline-cluster-${owner}-`));
}

interface MidRun {
  children: number[];
  addresses: string[];
}

/** Waits until faultline (pid) runs a cluster: two nodes up, the proxy server too when it is a process. */
async function midRun(pid: number): Promise<MidRun> {
  const ready = (): boolean => {
    const commands = childPids(pid).map(commandLine);
    const nodes = commands.filter((command) => command.includes(' node --id ')).length;
    const proxies = commands.filter((command) => command.includes('toxiproxy-server')).length;
    return nodes >= 2 && (proxy === 'embedded' || proxies === 1) && clusterDirectories(pid).length === 1;
  };
  expect(await eventually(ready, midRunWithinMs)).toBe(true);
  const children = childPids(pid);
  return { children, addresses: children.flatMap(listeningAddresses) };
}

async function nothingLeft(owner: number, left: MidRun): Promise<void> {
  expect(await eventually(() => left.children.every(isGone), goneWithinMs), `still running: ${left.children.filter((pid) => !isGone(pid)).map(commandLine).join('; ')}`).toBe(true);
  expect(await eventually(() => clusterDirectories(owner).length === 0, goneWithinMs)).toBe(true);
  const stillListening = await Promise.all(left.addresses.map((address) => isListening(splitAddress(address).host, splitAddress(address).port)));
  expect(left.addresses.filter((_, index) => stillListening[index])).toEqual([]);
}

describe(`faultline explore (proxy ${proxy})`, () => {
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('killed with -9 mid-run leaves no process, port or directory within 5 s', async () => {
    const faultline = spawn(process.execPath, [faultlineBinPath, ...exploreArgs], { cwd: work, stdio: 'ignore' });
    const exited = new Promise((resolve) => faultline.once('exit', resolve));
    const pid = faultline.pid ?? -1;
    const left = await midRun(pid);
    faultline.kill('SIGKILL');
    await exited;
    await nothingLeft(pid, left);
  });

  it('stops, and leaves nothing, when the process that started it is killed with -9', async () => {
    // A stand-in for npx: it starts faultline, says its pid, and waits.
    const starter = `const child = require('node:child_process').spawn(process.execPath, ${JSON.stringify([faultlineBinPath, ...exploreArgs])}, { stdio: 'ignore' });
      console.log(child.pid); setInterval(() => {}, 60000);`;
    const parent: ChildProcess = spawn(process.execPath, ['-e', starter], { cwd: work, stdio: ['ignore', 'pipe', 'inherit'] });
    const parentExited = new Promise((resolve) => parent.once('exit', resolve));
    const pid = await new Promise<number>((resolve) => {
      parent.stdout?.setEncoding('utf8').once('data', (chunk: string) => resolve(Number(chunk.trim())));
    });
    const left = await midRun(pid);
    parent.kill('SIGKILL');
    await parentExited;
    await nothingLeft(pid, { ...left, children: [pid, ...left.children] });
  });
});
