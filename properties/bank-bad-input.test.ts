// Acceptance (issue 2): bad input gets one line on stderr and exit 64 (usage) or 65 (data), and no
// process survives, whether the command refused at once, a node refused its port, or a run was interrupted.
import { status } from '@grpc/grpc-js';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callUnary, finished, freeLoopbackPort, isServiceError, processesMentioning, runFaultline, sleep, spawnFaultline, startCluster } from '../lab/cluster/index.js';
import type { Cluster } from '../lab/cluster/index.js';

const privateTemp = mkdtempSync(join(tmpdir(), 'faultline-bad-input-'));
const goneWithinMs = 5_000;
let runCount = 0;

afterAll(() => rmSync(privateTemp, { recursive: true, force: true }));

function inputFile(name: string, content: unknown): string {
  const path = join(privateTemp, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

/** Runs faultline with TMPDIR set to a dir of its own, so any process it leaves behind can be found. */
async function runIsolated(args: string[]): Promise<{ code: number | null; stderr: string; runDir: string }> {
  runCount += 1;
  const runDir = join(privateTemp, `run-${runCount}`);
  mkdirSync(runDir);
  const result = await runFaultline(args, { env: { TMPDIR: runDir } });
  return { code: result.code, stderr: result.stderr, runDir };
}

async function noProcessMentions(text: string): Promise<boolean> {
  const started = performance.now();
  while (processesMentioning(text).length > 0) {
    if (performance.now() - started > goneWithinMs) return false;
    await sleep(50);
  }
  return true;
}

const good = [{ id: 1, type: 'branch', balance: 10 }, { id: 1, type: 'customer', events: [{ id: 1, interface: 'query' }] }];

describe('faultline bank refuses bad input with one line and exit 64 or 65', () => {
  const cases: [string, () => string[], number, RegExp][] = [
    ['an unknown strategy', () => ['bank', inputFile('good.json', good), '--strategy', 'optimistic'], 64, /--strategy must be one of unsafe\|lock\|lock-free/],
    ['an unknown flag', () => ['bank', inputFile('good.json', good), '--branches', '3'], 64, /branches/],
    ['no input file named', () => ['bank'], 64, /usage: faultline bank/],
    ['a missing input file', () => ['bank', join(privateTemp, 'absent.json')], 65, /cannot read .*absent\.json/],
    ['malformed JSON', () => ['bank', inputFile('malformed.json', '[{"id":1,"type":"branch"')], 65, /input is not JSON/],
    ['a negative amount', () => ['bank', inputFile('negative.json', [good[0], { id: 1, type: 'customer', events: [{ id: 1, interface: 'deposit', money: -5 }] }])], 65,
      /customer 1, event 1: money must be at least 1, got -5/],
    ['an unknown account (a customer with no branch)', () => ['bank', inputFile('unknown.json', [good[0], { id: 4, type: 'customer', events: [] }])], 65,
      /customer 4 has no branch 4/],
    ['branches that disagree on the balance', () => ['bank', inputFile('disagree.json', [good[0], { id: 2, type: 'branch', balance: 11 }])], 65, /same balance/],
  ];

  it.each(cases)('%s', async (_, args, code, message) => {
    const result = await runIsolated(args());
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
    expect(result.code).toBe(code);
    expect(await noProcessMentions(result.runDir)).toBe(true);
  });
});

describe('faultline node refuses bad flags with one line and exit 64', () => {
  let server: Server;
  let busyPort: number;

  beforeAll(async () => {
    busyPort = await freeLoopbackPort();
    server = createServer();
    await new Promise<void>((resolve) => server.listen(busyPort, '127.0.0.1', resolve));
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it.each([
    ['an unknown strategy', (dir: string) => ['--listen', '127.0.0.1:0', '--strategy', 'optimistic', '--data-dir', dir], /--strategy must be one of/],
    ['a port in use', (dir: string) => ['--listen', `127.0.0.1:${busyPort}`, '--strategy', 'lock', '--data-dir', dir], /in use/],
    ['an address off the loopback', (dir: string) => ['--listen', '0.0.0.0:0', '--strategy', 'lock', '--data-dir', dir], /--listen must be 127\.0\.0\.1/],
  ])('%s', async (_, flags, message) => {
    runCount += 1;
    const dataDir = join(privateTemp, `node-${runCount}`);
    const result = await runFaultline(['node', '--id', 'b1', ...flags(dataDir)]);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
    expect(result.code).toBe(64);
    expect(await noProcessMentions(dataDir)).toBe(true);
  });
});

describe('a running branch refuses bad requests with a definite status', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster({ branches: 1, strategy: 'lock', accounts: [{ account: 'a1', balance: 5 }] });
  });

  afterAll(async () => {
    await cluster.stop();
  });

  it.each([
    ['an unknown account', { account: 'nope', amount: 1 }, status.NOT_FOUND],
    ['a negative amount', { account: 'a1', amount: -3 }, status.INVALID_ARGUMENT],
  ])('%s', async (name, fields, code) => {
    const client = cluster.client('b1');
    const request = { clientId: 'bad-input', requestId: `bad-${name}`, ...fields };
    const error: unknown = await callUnary(client.deposit.bind(client), request, 5_000).then(() => undefined, (reason: unknown) => reason);
    expect(isServiceError(error) ? error.code : error).toBe(code);
    const [state] = await cluster.snapshot();
    expect(state?.accounts).toEqual({ a1: { balance: 5, version: expect.any(Number) } });
  });
});

describe('faultline bank interrupted with SIGINT mid-run', () => {
  it('exits 130 and leaves no node process and no data dir behind', async () => {
    const events = Array.from({ length: 5_000 }, (_, index) => ({ id: index + 1, interface: 'deposit', money: 1 }));
    const input = inputFile('long.json', [good[0], { id: 2, type: 'branch', balance: 10 }, { id: 1, type: 'customer', events }]);
    const runDir = join(privateTemp, 'interrupted');
    mkdirSync(runDir);
    const child = spawnFaultline(['bank', input], { env: { TMPDIR: runDir } });
    const result = finished(child);
    const started = performance.now();
    while (processesMentioning(runDir).length < 2 && performance.now() - started < 20_000) await sleep(50);
    expect(processesMentioning(runDir)).toHaveLength(2);
    await sleep(300);
    child.kill('SIGINT');
    expect((await result).code).toBe(130);
    expect(await noProcessMentions(runDir)).toBe(true);
    // tsx keeps its compile cache under TMPDIR too; only the cluster's own dirs must be gone.
    expect(readdirSync(runDir).filter((name) => name.startsWith('faultline-'))).toEqual([]);
  });
});
