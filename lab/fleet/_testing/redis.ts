// For the fleet's tests and bench: a redis-server of the test's own on a free loopback port in a
// temporary directory, with append-only persistence fsynced on every write; stopped by the test.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

const readyMsMax = 10_000;

/** redis-server's path, or undefined where it is not installed (the tests then skip, saying so). */
export function redisServerPath(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  return found.status === 0 && path !== '' ? path : undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface TestRedis {
  url: string;
  port: number;
  /** SIGKILL, as a machine loss would: only the append-only file survives. */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory, after kill. */
  restart(): Promise<void>;
  /** Stops it and removes its directory. */
  stop(): Promise<void>;
}

async function answers(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 500 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    // While it replays the append-only file, Redis answers LOADING: not ready yet.
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startRedis(): Promise<TestRedis> {
  const path = redisServerPath();
  if (path === undefined) throw new Error('redis-server is not installed');
  const directory = mkdtempSync(join(tmpdir(), 'faultline-redis-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', directory, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--daemonize', 'no', '--loglevel', 'warning'];
    child = spawn(path, args, { stdio: 'ignore' });
    const deadline = performance.now() + readyMsMax;
    while (!(await answers(url))) {
      if (performance.now() > deadline || child.exitCode !== null) throw new Error(`redis-server on port ${port} did not start`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const signal = async (name: NodeJS.Signals): Promise<void> => {
    if (child === undefined) return;
    const running = child;
    child = undefined;
    running.kill(name);
    await exited(running);
  };
  await launch();
  return {
    url,
    port,
    kill: () => signal('SIGKILL'),
    restart: launch,
    async stop() {
      await signal('SIGTERM');
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
