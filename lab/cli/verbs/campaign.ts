// `faultline campaign status|results|cancel <id> --queue URL`: a campaign outlives the terminal that
// started it; these read it back from the queue. exploreOnQueue is `explore --queue`'s half.
import { parseFlags, stringFlag } from '../args.js';
import { exitCode, usageError } from '../exit.js';
import type { Verb } from '../verb.js';
import type { LabFlags } from '../lab-flags.js';
import { fleetCall, printSession, progressLine, queueFlag, sayer } from '../fleet-flags.js';
import { campaignCounts, campaignIdOf, campaignIdPattern, cancelCampaign, deleteCampaign, enqueueCampaign, finishCampaign, loadCampaign, openQueue, probeQueue, redisClient, retryCampaign, watchCampaign } from '../../fleet/index.js';
import type { CampaignMeta, CampaignOutput, CampaignSpec, CampaignState, QueueAddress } from '../../fleet/index.js';

/** How often a campaign reads its jobs back. */
const pollMs = 500;

/** One line per run without a whole result, then the exit code: bad jobs are bad data, the rest the lab's. */
function finish(output: CampaignOutput, json: boolean, head: Record<string, unknown>): number {
  const say = sayer(false);
  for (const line of output.problems) say(`faultline campaign: ${line}`);
  const code = printSession(json, { ...head, problems: output.problems.length }, output.summary, output.index);
  if (output.problems.length === 0) return code;
  return output.badJobs === output.problems.length ? exitCode.data : exitCode.internal;
}

export interface QueueExplore {
  address: QueueAddress;
  spec: CampaignSpec;
  runs: number;
  campaign: string | undefined;
  flags: LabFlags;
  interactive: boolean;
  queueDownMs: number;
}

async function withQueue<T>(address: QueueAddress, work: (client: Awaited<ReturnType<typeof redisClient>>, queue: Awaited<ReturnType<typeof openQueue>>) => Promise<T>): Promise<T> {
  await fleetCall(() => probeQueue(address));
  const client = await redisClient(address, false);
  client.on('error', () => undefined);
  const queue = await openQueue(address, false);
  try {
    return await fleetCall(() => work(client, queue));
  } finally {
    await queue.close().catch(() => undefined);
    client.disconnect();
  }
}

export function exploreOnQueue(options: QueueExplore): Promise<number> {
  const say = sayer(options.interactive);
  const id = options.campaign ?? campaignIdOf(options.spec);
  if (!campaignIdPattern.test(id)) throw usageError(`--campaign takes letters, digits, dot, dash and underscore, got '${id}'`);
  return withQueue(options.address, async (client, queue) => {
    const meta = await enqueueCampaign(client, queue, id, options.spec, options.runs);
    say(`campaign ${id}: ${meta.runs} runs on ${options.address.url} (it goes on without this terminal: faultline campaign status ${id} --queue ${options.address.url})`);
    const started = performance.now();
    let printed = 0;
    const onProgress = (state: CampaignState, total: number): void => {
      const done = state.records.size + state.failed.size;
      const failures = [...state.records.values()].filter((record) => record.run.verdict === 'illegal').length;
      const line = progressLine(done, total, failures, performance.now() - started, `, ${state.running} running`);
      // Without a terminal, a line every ten runs and at the end, as a local explore prints.
      if (options.interactive) process.stderr.write(`\r\x1b[K${line}`);
      else if (Math.floor(done / 10) > Math.floor(printed / 10) || (done === total && printed !== total)) say(line);
      printed = done;
    };
    const state = await watchCampaign(queue, meta, { pollMs, queueDownMsMax: options.queueDownMs, onProgress, say });
    if (options.interactive) process.stderr.write('\n');
    const output = finishCampaign(options.flags.artifactsRoot, meta, state, (performance.now() - started) / 1000);
    return finish(output, options.flags.json, { seed: options.spec.rootSeed, strategy: options.spec.strategy, campaign: id });
  });
}

function statusLine(meta: CampaignMeta, state: CampaignState, waiting: number): string {
  const failures = [...state.records.values()].filter((record) => record.run.verdict === 'illegal').length;
  return `campaign ${meta.id}: ${meta.runs} runs: ${state.records.size} done (${failures} violations), ${state.running} running, ${waiting} waiting, ${state.failed.size} failed${meta.cancelled ? ', cancelled' : ''}`;
}

export const verb: Verb = {
  summary: 'a campaign on a queue: campaign status|results|cancel|retry|delete <id> --queue URL',
  usage: [
    '  status <id>    runs done, running, waiting and failed, and why each failed one failed',
    '  results <id>   the summary table and index of the runs done so far, failures\' artifacts unpacked',
    '  cancel <id>    workers refuse its jobs from now on; the jobs not yet taken are removed',
    '  retry <id>     its failed runs (stalled twice, or a worker error) go back to the queue for two more tries',
    '  delete <id>    removes its jobs and stored results from Redis (read them with results first)',
    '  --queue redis://HOST:PORT (required)  --artifacts DIR (default artifacts)  --json',
  ].join('\n'),
  async run(argv) {
    const args = parseFlags(argv, { queue: { type: 'string' }, artifacts: { type: 'string' }, json: { type: 'boolean' } }, true);
    const [action, id, ...rest] = args.positionals;
    if (action === undefined || !['status', 'results', 'cancel', 'retry', 'delete'].includes(action) || id === undefined || rest.length > 0) throw usageError('usage: faultline campaign status|results|cancel|retry|delete <id> --queue redis://HOST:PORT');
    const address = await queueFlag(args);
    if (address === undefined) throw usageError('campaign needs --queue redis://HOST:PORT');
    const json = args.values.json === true;
    return withQueue(address, async (client, queue) => {
      if (action === 'cancel') {
        const { meta, removed } = await cancelCampaign(client, queue, id);
        process.stdout.write(`campaign ${meta.id}: cancelled; ${removed} jobs not yet taken were removed\n`);
        return exitCode.ok;
      }
      if (action === 'retry') {
        const { meta, retried } = await retryCampaign(client, queue, id);
        process.stdout.write(`campaign ${meta.id}: ${retried} failed runs are back in the queue\n`);
        return exitCode.ok;
      }
      if (action === 'delete') {
        const { meta, deleted, running } = await deleteCampaign(client, queue, id);
        const left = running === 0 ? '' : `; ${running} running jobs finish first (delete again to remove them)`;
        process.stdout.write(`campaign ${meta.id}: deleted ${deleted} jobs and their results${left}\n`);
        return exitCode.ok;
      }
      const meta = await loadCampaign(client, id);
      const { state, waiting } = await campaignCounts(queue, meta);
      if (action === 'status') {
        if (json) process.stdout.write(`${JSON.stringify({ campaign: meta.id, runs: meta.runs, done: state.records.size, running: state.running, waiting, failed: [...state.failed.values()] })}\n`);
        else process.stdout.write(`${[statusLine(meta, state, waiting), ...[...state.failed.values()].map((run) => `  run ${run.index}: ${run.reason}`)].join('\n')}\n`);
        return exitCode.ok;
      }
      const output = finishCampaign(stringFlag(args, 'artifacts') ?? 'artifacts', meta, state, (Date.now() - meta.createdMs) / 1000);
      return finish(output, json, { seed: meta.spec.rootSeed, strategy: meta.spec.strategy, campaign: meta.id, pending: state.running + waiting });
    });
  },
};
