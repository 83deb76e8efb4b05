// Helpers for tests that run real `faultline node` processes: spawn one on port 0 (or a given
// port), wait for its listening line, talk to it, and always stop it. Used by lab/systems/bank/*.test.ts.
import { credentials, makeGenericClientConstructor, Metadata } from '@grpc/grpc-js';
import type { ServiceError } from '@grpc/grpc-js';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { service as healthService } from 'grpc-health-check';
import { BranchClient } from '../../../../proto/index.js';
import type { DepositReply, SnapshotReply } from '../../../../proto/index.js';
import { channelOptions, metadataKeys } from '../../../../proto/index.js';
import { freeLoopbackPort } from '../../../cluster/index.js';

const root = resolve(import.meta.dirname, '..', '..', '..', '..');
export const faultlineBin = join(root, 'bin', 'faultline.mjs');
export const startMsMax = 15_000;
export const callMsMax = 5_000;

export interface NodeOptions {
  id: string;
  strategy: string;
  dataDir: string;
  port?: number;
  peers?: string;
  accounts?: string;
  bug?: string;
  /** More `faultline node` flags, e.g. ['--outbox-max', '3']. */
  flags?: string[];
}

export interface TestNode {
  id: string;
  address: string;
  port: number;
  child: ChildProcess;
  client: BranchClient;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL if it lingers; resolves once the process is gone. */
  stop(): Promise<void>;
}

const live = new Set<TestNode>();

export function temporaryDirectory(prefix = 'faultline-node-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDirectory(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

export function nodeArgs(options: NodeOptions): string[] {
  const args = [faultlineBin, 'node', '--id', options.id, '--listen', `127.0.0.1:${options.port ?? 0}`,
    '--strategy', options.strategy, '--data-dir', options.dataDir];
  if (options.peers !== undefined) args.push('--peers', options.peers);
  if (options.accounts !== undefined) args.push('--accounts', options.accounts);
  if (options.bug !== undefined) args.push('--bug', options.bug);
  args.push(...(options.flags ?? []));
  return args;
}

export async function startTestNode(options: NodeOptions): Promise<TestNode> {
  const child = spawn(process.execPath, nodeArgs(options), { stdio: ['pipe', 'pipe', 'pipe'] });
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    child.once('exit', (code, signal) => done({ code, signal }));
  });
  const line = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`node ${options.id} did not start: ${errors}`)), startMsMax);
    createInterface({ input: child.stdout! }).once('line', (text) => {
      clearTimeout(timer);
      done(text);
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      fail(new Error(`node ${options.id} exited ${code}: ${errors}`));
    });
  });
  const announced = JSON.parse(line) as { address: string };
  const port = Number(announced.address.split(':')[1]);
  const serving = await eventually(async () => (await healthStatus(announced.address).catch(() => '')) === 'SERVING', startMsMax);
  if (!serving) {
    child.kill('SIGKILL');
    throw new Error(`node ${options.id} never reported SERVING: ${errors}`);
  }
  const client = new BranchClient(announced.address, credentials.createInsecure(), channelOptions);
  const node: TestNode = {
    id: options.id, address: announced.address, port, child, client, exited, stderr: () => errors,
    async stop() {
      live.delete(node);
      client.close();
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
  live.add(node);
  return node;
}

/** For afterEach/afterAll: stops every node a test started and did not stop itself. */
export async function stopAllTestNodes(): Promise<void> {
  await Promise.all([...live].map((node) => node.stop()));
}

export function killNode(node: TestNode): Promise<unknown> {
  live.delete(node);
  node.client.close();
  node.child.kill('SIGKILL');
  return node.exited;
}

type Callback<Reply> = (error: ServiceError | null, reply: Reply) => void;

/** One unary call with a deadline and the customer metadata, as a promise. */
export function call<Request, Reply>(
  client: BranchClient,
  method: (request: Request, metadata: Metadata, options: { deadline: number }, callback: Callback<Reply>) => unknown,
  request: Request,
  msMax = callMsMax,
): Promise<Reply> {
  const metadata = new Metadata();
  metadata.set(metadataKeys.clientId, 'test');
  const requestId = (request as { requestId?: unknown }).requestId;
  if (typeof requestId === 'string' && requestId !== '') metadata.set(metadataKeys.requestId, requestId);
  return new Promise((done, fail) => {
    method.call(client, request, metadata, { deadline: Date.now() + msMax }, (error: ServiceError | null, reply: Reply) => {
      if (error !== null) return fail(error);
      return done(reply);
    });
  });
}

const HealthClient = makeGenericClientConstructor(healthService, 'Health');

export function healthStatus(address: string, service = ''): Promise<string> {
  const client = new HealthClient(address, credentials.createInsecure());
  return new Promise((done, fail) => {
    (client as unknown as { check: (request: object, options: object, callback: Callback<{ status: string }>) => void })
      .check({ service }, { deadline: Date.now() + callMsMax }, (error, reply) => {
        client.close();
        if (error !== null) return fail(error);
        return done(reply.status);
      });
  });
}

/** Polls `probe` until it returns true or `msMax` passes; returns whether it did. */
export async function eventually(probe: () => Promise<boolean>, msMax = 10_000, everyMs = 50): Promise<boolean> {
  const until = Date.now() + msMax;
  while (Date.now() < until) {
    if (await probe()) return true;
    await new Promise((done) => setTimeout(done, everyMs));
  }
  return probe();
}

/** Free loopback ports known before the nodes start, so peers can name each other up front. */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) ports.push(await freeLoopbackPort());
  return ports;
}

/** The test clients' deposit, with a fixed client id. */
export function deposit(client: BranchClient, account: string, amount: number, requestId: string): Promise<DepositReply> {
  return call(client, client.deposit, { clientId: 'test', requestId, account, amount });
}

export function snapshot(node: TestNode): Promise<SnapshotReply> {
  return call(node.client, node.client.snapshot, {});
}

/** The gRPC status a call failed with, or undefined when it succeeded. */
export async function codeOf(promise: Promise<unknown>): Promise<number | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as ServiceError).code;
  }
}
