// The fleet's limits, on a Redis of the test's own: a job that kills every worker that takes it goes
// to the failed set after two tries and is reported, and a result too large for the queue keeps its
// verdict in the queue and its artifacts on the worker's disk; both are one line and exit 70.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openQueue, parseQueueUrl } from './index.js';
import { redisServerPath, startRedis } from './_testing/redis.js';
import type { TestRedis } from './_testing/redis.js';
import { faultline, startWorker } from './_testing/processes.js';
import type { TestWorker } from './_testing/processes.js';

const installed = redisServerPath() !== undefined;
if (!installed) console.warn('lab/fleet: redis-server is not installed (apt-get install redis-server): the fleet tests skip');

/** One small run whose artifacts are kept even when it passes, so that it has a result to pack. */
const oneRun = ['--runs', '1', '--strategy', 'lock-free', '--ops', '4', '--branches', '2', '--faults', 'none', '--no-shrink', '--report', 'always', '--json'];

describe.skipIf(!installed)('the fleet at its limits', () => {
  let redis: TestRedis;
  let work: string;
  const started: TestWorker[] = [];
  const worker = async (lockMs = '2000'): Promise<TestWorker> => {
    const next = await startWorker(redis.url, work, ['--lock-ms', lockMs, '--result-bytes-max', '100', '--artifacts', join(work, 'left')]);
    started.push(next);
    return next;
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'faultline-fleet-limits-'));
    redis = await startRedis();
  });

  afterAll(async () => {
    await Promise.all(started.map((each) => each.stop()));
    await redis?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('a worker stopped with SIGTERM mid-job hands the job back unspent and exits 0', async () => {
    // A long lock, so that a loaded machine's late renewal cannot pass for the hand-back.
    const first = await worker('10000');
    const campaign = faultline(['explore', '--queue', redis.url, '--seed', '40', ...oneRun.filter((word) => word !== '--report' && word !== 'always'), '--artifacts', join(work, 'term')], work);
    const queue = await openQueue(parseQueueUrl(redis.url));
    try {
      while (!(await queue.getActive()).some((job) => job.processedBy === first.name)) await new Promise((done) => setTimeout(done, 50));
      first.child.kill('SIGTERM');
      expect((await first.exited).code).toBe(0);
      const job = (await queue.getJobs(['wait', 'delayed']))[0];
      expect([job?.attemptsMade, job?.stalledCounter]).toEqual([0, 0]);
    } finally {
      await queue.close();
    }
    const second = await worker('10000');
    const ran = await campaign.exited;
    await second.stop();
    expect(ran.code, ran.stderr).toBe(0);
    expect(JSON.parse(ran.stdout.trim())).toMatchObject({ runs: 1, problems: 0 });
  });

  it('a job that kills its workers fails after two tries, with its reason; a result too large leaves its artifacts', async () => {
    const campaign = faultline(['explore', '--queue', redis.url, '--seed', '41', ...oneRun, '--artifacts', join(work, 'killer')], work);
    const queue = await openQueue(parseQueueUrl(redis.url));
    try {
      for (let kills = 0; kills < 2; kills += 1) {
        const victim = await worker();
        while (!(await queue.getActive()).some((job) => job.processedBy === victim.name)) await new Promise((done) => setTimeout(done, 50));
        victim.child.kill('SIGKILL');
        await victim.exited;
      }
    } finally {
      await queue.close();
    }
    await worker();
    const killed = await campaign.exited;
    expect(killed.code).toBe(70);
    expect(killed.stderr).toMatch(/run 0 has no result: .*stalled/);
    const large = await faultline(['explore', '--queue', redis.url, '--seed', '42', ...oneRun, '--artifacts', join(work, 'large')], work).exited;
    expect(large.code).toBe(70);
    expect(large.stderr.match(/too large for the queue/g)).toHaveLength(1);
    expect(JSON.parse(large.stdout.trim())).toMatchObject({ runs: 1, problems: 1 });
    expect(readdirSync(join(work, 'left')).some((name) => name.startsWith('s42-k0') && existsSync(join(work, 'left', name, 'report.html')))).toBe(true);
  });

  it('a queue that stays away longer than --queue-down-s ends the campaign with one line and exit 70; campaign cancel removes its waiting job', async () => {
    await Promise.all(started.map((each) => each.stop()));
    const campaign = faultline(['explore', '--queue', redis.url, '--seed', '43', ...oneRun, '--queue-down-s', '2', '--artifacts', join(work, 'lost')], work);
    while (!/campaign \S+: 1 runs/.test(campaign.output())) await new Promise((done) => setTimeout(done, 50));
    await redis.kill();
    const lost = await campaign.exited;
    await redis.restart();
    expect(lost.code).toBe(70);
    expect(lost.stderr).toMatch(/does not answer/);
    expect(lost.stderr.split('\n').filter((line) => line.startsWith('faultline explore:'))).toEqual([expect.stringMatching(/lost the queue for 2 s; campaign s43-\S+ keeps its results in Redis/)]);
    // The campaign outlived its terminal, its job still waiting (no worker runs now): cancel it from another.
    const id = /campaign (s43-\S+):/.exec(lost.stderr)?.[1] ?? '?';
    const cancelled = await faultline(['campaign', 'cancel', id, '--queue', redis.url], work).exited;
    expect([cancelled.code, cancelled.stdout.trim()]).toEqual([0, `campaign ${id}: cancelled; 1 jobs not yet taken were removed`]);
    const status = await faultline(['campaign', 'status', id, '--queue', redis.url], work).exited;
    expect(status.stdout).toMatch(/1 runs: 0 done .*0 waiting, 1 failed, cancelled/);
  });
});
