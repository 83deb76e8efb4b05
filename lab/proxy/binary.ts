// Runs the real Shopify toxiproxy-server (put in .tools/bin by `npm run setup:toxiproxy`) on a loopback
// port it binds itself (port 0) for the length of a run. Try: `const server = await startToxiproxyBinary(path); await server.stop()`.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { adoptChild, listeningAddresses } from '../cluster/index.js';
import { packagePath } from '../plan/index.js';

const loopbackHost = '127.0.0.1';
const startMsMax = 10_000;
const startPollMs = 20;
const stopMsMax = 5_000;
const logTailLinesMax = 20;
const portAttemptsMax = 3;

/** Where `npm run setup:toxiproxy` installs the server, relative to the repository root. */
export const installedBinaryPath = packagePath('.tools', 'bin', 'toxiproxy-server');

/** .tools/bin first, then toxiproxy-server on PATH; undefined when neither is there. */
export function findToxiproxyBinary(path = process.env['PATH'] ?? ''): string | undefined {
  const candidates = [installedBinaryPath, ...path.split(delimiter).filter((entry) => entry.length > 0).map((entry) => join(entry, 'toxiproxy-server'))];
  return candidates.find((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export interface RunningBinary {
  url: string;
  path: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startToxiproxyBinary(path: string): Promise<RunningBinary> {
  // Linux shows which port a process listens on, so the server binds port 0 and nothing can take its
  // port first. Elsewhere a port is probed free and handed over, and a lost race is tried again.
  if (process.platform === 'linux') return startOnce(path, 0);
  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= portAttemptsMax; attempt += 1) {
    try {
      return await startOnce(path, await freeLoopbackPort());
    } catch (error) {
      lastError = error instanceof Error ? error : new Error(String(error));
    }
  }
  throw lastError ?? new Error('toxiproxy-server did not start');
}

async function startOnce(path: string, port: number): Promise<RunningBinary> {
  const child = spawn(path, ['-host', loopbackHost, '-port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } });
  // Killed with this process however it ends, kill -9 included (lab/cluster's lifeline).
  adoptChild(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const tail = keepTail(child);
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), stopMsMax);
    await exited;
    clearTimeout(timer);
  };
  try {
    const url = await waitUntilServing(port, child, tail);
    return { url, path, pid: child.pid ?? -1, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The server logs one JSON object a line; the last few explain a failed start. */
function keepTail(child: ChildProcess): string[] {
  const lines: string[] = [];
  const keep = (data: Buffer): void => {
    lines.push(...data.toString('utf8').split('\n').filter((line) => line.length > 0));
    lines.splice(0, Math.max(0, lines.length - logTailLinesMax));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return lines;
}

/** Resolves with the API's URL once it answers; with port 0, the port is read from /proc first. */
async function waitUntilServing(port: number, child: ChildProcess, tail: string[]): Promise<string> {
  const deadline = performance.now() + startMsMax;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`toxiproxy-server exited with ${child.exitCode}: ${tail.join(' | ')}`);
    // A failed listen is only logged: the process stays up, so the log is the place to look.
    if (tail.some((line) => line.includes('Server finished with error'))) throw new Error(`toxiproxy-server could not listen: ${tail.join(' | ')}`);
    const address = port === 0 ? listeningAddresses(child.pid ?? -1)[0] : `${loopbackHost}:${port}`;
    try {
      if (address !== undefined && (await fetch(`http://${address}/version`)).ok) return `http://${address}`;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, startPollMs));
  }
  throw new Error(`toxiproxy-server did not answer within ${startMsMax} ms: ${tail.join(' | ')}`);
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host: loopbackHost, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}
