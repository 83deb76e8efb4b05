// The fleet against a Redis of its own on loopback and workers as separate processes: a campaign's
// verdicts equal a local explore's (run as two shards and merged), a worker killed mid-job loses
// nothing, a Redis killed and restarted loses no stored result, and bad input is one line and its code.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobIdOf, openQueue, parseQueueUrl, readResultsFile, redisClient, saveCampaign } from './index.js';
import type { CampaignSpec, ResultsFile } from './index.js';
import { defaultPlanConstraints, strategies } from '../plan/index.js';
import { defaultShrinkLimits } from '../run/index.js';
import { redisServerPath, startRedis } from './_testing/redis.js';
import type { TestRedis } from './_testing/redis.js';
import { faultline, startWorker } from './_testing/processes.js';
import type { TestWorker } from './_testing/processes.js';

const installed = redisServerPath() !== undefined;
if (!installed) console.warn('lab/fleet: redis-server is not installed (apt-get install redis-server): the fleet tests skip');

/** Small real runs: the machine is shared, and a campaign's test should take well under a minute. */
const small = ['--ops', '8', '--branches', '2', '--faults', 'light', '--no-shrink', '--json'];
/** Short, so that a killed worker's job comes back within seconds; long enough that a loaded machine renews it. */
const lockMs = '5000';

function indexPath(stdout: string): string {
  return (JSON.parse(stdout.trim().split('\n').pop() as string) as { index: string }).index;
}

/** Per seed: the run's name, its op count and its verdict. */
function verdicts(results: ResultsFile): Record<number, string> {
  return Object.fromEntries(results.records.map((record) => [record.index, `${record.run.runId} ${record.run.stats.ops} ops ${record.run.verdict}`]));
}

function expectArtifacts(results: ResultsFile, root: string): void {
  for (const record of results.records.filter((each) => each.run.verdict !== 'ok')) {
    expect(existsSync(join(root, record.run.artifactDir ?? '?', 'report.html'))).toBe(true);
  }
}

describe.skipIf(!installed)('the fleet on a loopback Redis', () => {
  let redis: TestRedis;
  let work: string;
  const workers: TestWorker[] = [];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'faultline-fleet-'));
    redis = await startRedis();
    for (let count = 0; count < 3; count += 1) workers.push(await startWorker(redis.url, work, ['--lock-ms', lockMs, '--artifacts', join(work, 'left')]));
  });

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    await redis?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('campaign of 12 real seeds with a worker killed mid-job: one result a seed, the verdicts of local shards merged', async () => {
    // lock-free, since whether unsafe loses an update in a real run depends on the machine's timing.
    const seedArgs = ['--seed', '31', '--runs', '12', '--strategy', 'lock-free', ...small];
    const campaign = faultline(['explore', '--queue', redis.url, ...seedArgs, '--artifacts', join(work, 'campaign')], work);
    const queue = await openQueue(parseQueueUrl(redis.url));
    let killed: string | undefined;
    try {
      // Kill -9 the first worker while it holds a job: the job must come back and run again elsewhere.
      const victim = workers[0] as TestWorker;
      for (let tries = 0; killed === undefined && tries < 600; tries += 1) {
        const held = (await queue.getActive()).find((job) => job.processedBy === victim.name);
        if (held !== undefined) {
          victim.child.kill('SIGKILL');
          killed = held.id;
        } else await new Promise((done) => setTimeout(done, 50));
      }
    } finally {
      await queue.close();
    }
    expect(killed).toBeDefined();
    const shards = ['1/2', '2/2'].map((shard) => faultline(['explore', ...seedArgs, '--shard', shard, '--artifacts', join(work, 'local')], work));
    const [ran, ...local] = await Promise.all([campaign.exited, ...shards.map((shard) => shard.exited)]);
    expect(ran?.code, ran?.stderr).toBeOneOf([0, 1]);
    const merged = await faultline(['merge', ...local.map((shard) => dirname(indexPath(shard?.stdout ?? ''))), '--artifacts', join(work, 'merged'), '--json'], work).exited;
    expect(merged.code, merged.stderr).toBeOneOf([0, 1]);
    const fromCampaign = readResultsFile(indexPath(ran?.stdout ?? ''));
    const fromShards = readResultsFile(indexPath(merged.stdout));
    expect(fromCampaign.records.map((record) => record.index)).toEqual([...Array(12).keys()]);
    expect(verdicts(fromCampaign)).toEqual(verdicts(fromShards));
    expect(JSON.parse(ran?.stdout.trim() ?? '{}')).toMatchObject({ runs: 12, problems: 0 });
    const redelivered = fromCampaign.records.find((record) => jobIdOf(record.campaign, record.index) === killed);
    expect(redelivered?.worker).not.toBe(workers[0]?.name);
    expectArtifacts(fromCampaign, join(work, 'campaign'));
    workers[0] = await startWorker(redis.url, work, ['--lock-ms', lockMs, '--artifacts', join(work, 'left')]);
  });

  it('campaign of 60 simulated seeds on 3 workers: run for run, the verdicts of a local explore --mode sim', async () => {
    // unsafe, since the simulator's verdicts do not depend on the machine: some seeds fail, the same ones.
    const seedArgs = ['--mode', 'sim', '--seed', '34', '--runs', '60', '--strategy', 'unsafe', ...small];
    const [campaign, local] = await Promise.all([
      faultline(['explore', '--queue', redis.url, ...seedArgs, '--artifacts', join(work, 'sim-campaign')], work).exited,
      faultline(['explore', ...seedArgs, '--workers', '1', '--artifacts', join(work, 'sim-local')], work).exited,
    ]);
    expect(campaign.code, campaign.stderr).toBe(local.code);
    const fromCampaign = readResultsFile(indexPath(campaign.stdout));
    const fromLocal = readResultsFile(indexPath(local.stdout));
    expect(fromCampaign.records.map((record) => record.index)).toEqual([...Array(60).keys()]);
    expect(verdicts(fromCampaign)).toEqual(verdicts(fromLocal));
    expect(fromCampaign.records.filter((record) => record.run.verdict === 'illegal').length).toBeGreaterThan(0);
    expect(new Set(fromCampaign.records.map((record) => record.worker)).size).toBeGreaterThan(1);
    expect(fromCampaign.records.every((record) => record.mode === 'sim')).toBe(true);
    expectArtifacts(fromCampaign, join(work, 'sim-campaign'));
  });

  it('Redis killed and restarted mid-campaign: the campaign resumes and no stored result is lost', async () => {
    const campaign = faultline(['explore', '--queue', redis.url, '--seed', '32', '--runs', '4', '--strategy', 'unsafe', ...small, '--artifacts', join(work, 'restart')], work);
    const queue = await openQueue(parseQueueUrl(redis.url));
    let before: string[] = [];
    try {
      for (let tries = 0; before.length === 0 && tries < 600; tries += 1) {
        before = (await queue.getCompleted()).map((job) => job.id ?? '').filter((id) => id.startsWith('s32-'));
        if (before.length === 0) await new Promise((done) => setTimeout(done, 50));
      }
    } finally {
      await queue.close();
    }
    await redis.kill();
    await new Promise((done) => setTimeout(done, 1_000));
    await redis.restart();
    const ran = await campaign.exited;
    expect(ran.code, ran.stderr).toBeOneOf([0, 1]);
    const results = readResultsFile(indexPath(ran.stdout));
    expect(results.records.map((record) => record.index)).toEqual([...Array(4).keys()]);
    expectArtifacts(results, join(work, 'restart'));
    const stored = new Set(results.records.map((record) => jobIdOf(record.campaign, record.index)));
    for (const id of before) expect(stored.has(id)).toBe(true);
    // Read back later from another terminal: the same table, the artifacts unpacked again.
    const again = await faultline(['campaign', 'results', results.campaign, '--queue', redis.url, '--json', '--artifacts', join(work, 'again')], work).exited;
    expect(again.code).toBe(ran.code);
    const reread = readResultsFile(indexPath(again.stdout));
    expect(verdicts(reread)).toEqual(verdicts(results));
    expectArtifacts(reread, join(work, 'again'));
  });

  it('bad input is one line and its exit code, and nothing is lost', async () => {
    const unreachable = await faultline(['worker', '--queue', 'redis://127.0.0.1:1'], work).exited;
    expect(unreachable.code).toBe(64);
    expect(unreachable.stderr.trim().split('\n')).toHaveLength(1);
    const malformed = await faultline(['explore', '--queue', 'http://127.0.0.1:1', '--runs', '1'], work).exited;
    expect([malformed.code, malformed.stderr.trim().split('\n').length]).toEqual([64, 1]);
    const unknown = await faultline(['campaign', 'status', 'no-such-campaign', '--queue', redis.url], work).exited;
    expect([unknown.code, unknown.stderr.trim().split('\n').length]).toEqual([64, 1]);
    // A job from another version of faultline, naming a strategy and a system these workers do not know.
    const address = parseQueueUrl(redis.url);
    const client = await redisClient(address);
    const queue = await openQueue(address);
    try {
      const spec = { system: 'bank', mode: 'real', rootSeed: 1, strategy: 'paxos', bug: null, constraints: defaultPlanConstraints, limits: {}, shrink: false, shrinkLimits: defaultShrinkLimits, keepPassing: false, proxy: 'embedded', reuse: true };
      await saveCampaign(client, { id: 'foreign', spec: spec as unknown as CampaignSpec, runs: 2, createdMs: Date.now(), cancelled: false });
      await queue.add('run', { format: 1, campaign: 'foreign', index: 0, spec }, { jobId: jobIdOf('foreign', 0) });
      await queue.add('run', { format: 1, campaign: 'foreign', index: 1, spec: { ...spec, strategy: 'lock', system: 'etcd' } }, { jobId: jobIdOf('foreign', 1) });
      for (let index = 0; index < 2; index += 1) while ((await queue.getJob(jobIdOf('foreign', index)))?.finishedOn === undefined) await new Promise((done) => setTimeout(done, 50));
    } finally {
      await queue.close();
      client.disconnect();
    }
    const foreign = await faultline(['campaign', 'results', 'foreign', '--queue', redis.url, '--json', '--artifacts', join(work, 'foreign')], work).exited;
    expect(foreign.code).toBe(65);
    expect(foreign.stderr.trim().split('\n')).toEqual([
      `faultline campaign: run 0 has no result: bad job foreign-k0: strategy 'paxos' is not one this worker knows (${strategies.join('|')})`,
      "faultline campaign: run 1 has no result: bad job foreign-k1: system 'etcd' is not one this worker knows (bank)",
    ]);
    // retry hands the failed runs back (they fail again, for the same reason); delete removes the campaign.
    const retried = await faultline(['campaign', 'retry', 'foreign', '--queue', redis.url], work).exited;
    expect([retried.code, retried.stdout.trim()]).toEqual([0, 'campaign foreign: 2 failed runs are back in the queue']);
    const again = await openQueue(parseQueueUrl(redis.url));
    try {
      for (let index = 0; index < 2; index += 1) {
        while ((await again.getJobState(jobIdOf('foreign', index))) !== 'failed') await new Promise((done) => setTimeout(done, 50));
      }
    } finally {
      await again.close();
    }
    const deleted = await faultline(['campaign', 'delete', 'foreign', '--queue', redis.url], work).exited;
    expect([deleted.code, deleted.stdout.trim()]).toEqual([0, 'campaign foreign: deleted 2 jobs and their results']);
    const gone = await faultline(['campaign', 'status', 'foreign', '--queue', redis.url], work).exited;
    expect([gone.code, gone.stderr.trim()]).toEqual([64, "faultline campaign: no campaign 'foreign' on this queue"]);
    const badMerge = await faultline(['merge', work], work).exited;
    expect([badMerge.code, badMerge.stderr.trim().split('\n').length]).toEqual([65, 1]);
  });
});
