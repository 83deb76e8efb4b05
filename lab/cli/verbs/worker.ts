// `faultline worker --queue redis://HOST:PORT [--concurrency N]`: takes seeded run jobs from the
// queue until SIGTERM or SIGINT, and then finishes the jobs it holds before it exits.
import { integerFlag, parseFlags, stringFlag } from '../args.js';
import { exitCode, usageError } from '../exit.js';
import type { Verb } from '../verb.js';
import { fleetCall, queueFlag, sayer } from '../fleet-flags.js';
import { lockMsDefault, probeQueue, resultBytesMaxDefault, startFleetWorker } from '../../fleet/index.js';

export const verb: Verb = {
  summary: 'take seeded runs from a queue: worker --queue redis://HOST:PORT [--concurrency N]',
  usage: [
    '  --queue redis://HOST:PORT   the campaigns\' queue (required)',
    '  --concurrency N             jobs at once, each on its own cluster (default 1; a real run wants about 2 cores)',
    `  --lock-ms N                 how long a job stays with a worker that stopped answering (default ${lockMsDefault})`,
    `  --result-bytes-max N        a larger result leaves its artifacts here instead (default ${resultBytesMaxDefault})`,
    '  --artifacts DIR             where artifacts too large for the queue are left (default artifacts)',
  ].join('\n'),
  async run(argv) {
    const args = parseFlags(argv, { queue: { type: 'string' }, concurrency: { type: 'string' }, 'lock-ms': { type: 'string' }, 'result-bytes-max': { type: 'string' }, artifacts: { type: 'string' } });
    const address = await queueFlag(args);
    if (address === undefined) throw usageError('worker needs --queue redis://HOST:PORT');
    const concurrency = integerFlag(args, 'concurrency', 1, 256) ?? 1;
    const lockMs = integerFlag(args, 'lock-ms', 1_000, 3_600_000) ?? lockMsDefault;
    const resultBytesMax = integerFlag(args, 'result-bytes-max', 1, 512 * 1024 * 1024) ?? resultBytesMaxDefault;
    await fleetCall(() => probeQueue(address));
    const worker = await startFleetWorker({ address, concurrency, lockMs, resultBytesMax, artifactsRoot: stringFlag(args, 'artifacts') ?? 'artifacts', say: sayer(false) });
    // `on`, not `once`: the cluster registry exits the process on a signal nobody else still listens
    // for, and the worker must live on to hand its job back.
    let stop: () => void = () => undefined;
    const stopped = new Promise<void>((resolve) => { stop = resolve; });
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    await stopped;
    await worker.close();
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    return exitCode.ok;
  },
};
