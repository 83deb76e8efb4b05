// What the fleet's verbs share: the queue flag, the spec a campaign or a shard holds fixed, the
// progress line, and the mapping of the fleet's error codes onto the command line's exit codes.
import { choiceFlag, stringFlag } from './args.js';
import type { ParsedArgs } from './args.js';
import { CliError, exitCode } from './exit.js';
import type { LabFlags } from './lab-flags.js';
import { limitsFrom } from './lab-flags.js';
import { isFleetError, parseQueueUrl, runModes } from '../fleet/index.js';
import type { CampaignSpec, FleetErrorCode, QueueAddress, RunMode } from '../fleet/index.js';
import { summaryLegend, summaryTable } from '../report/index.js';
import type { SessionSummary } from '../report/index.js';

const exitOf: Record<FleetErrorCode, CliError['code']> = {
  'bad-url': 'usage',
  'queue-unreachable': 'usage',
  'bad-shard': 'usage',
  'no-campaign': 'usage',
  cancelled: 'usage',
  'bad-job': 'data',
  'bad-results': 'data',
  'queue-lost': 'internal',
};

/** Runs `work`, turning a FleetError into the CliError main prints as one line. */
export async function fleetCall<T>(work: () => Promise<T> | T): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isFleetError(error)) throw new CliError(exitOf[error.code], error.message);
    throw error;
  }
}

export function queueFlag(args: ParsedArgs): Promise<QueueAddress | undefined> {
  const text = stringFlag(args, 'queue');
  return fleetCall(() => (text === undefined ? undefined : parseQueueUrl(text)));
}

export function modeFlag(args: ParsedArgs): RunMode {
  return choiceFlag(args, 'mode', runModes) ?? 'real';
}

export function specOf(flags: LabFlags, rootSeed: number, mode: RunMode): CampaignSpec {
  return {
    system: 'bank',
    mode,
    rootSeed,
    strategy: flags.strategy,
    bug: flags.bug ?? null,
    constraints: flags.constraints,
    limits: limitsFrom(flags),
    shrink: flags.shrink,
    shrinkLimits: flags.shrinkLimits,
    keepPassing: flags.keepPassing,
    proxy: flags.proxy,
    reuse: flags.reuse,
  };
}

export function progressLine(done: number, total: number, failures: number, elapsedMs: number, extra = ''): string {
  const width = 24;
  const filled = Math.round((done / Math.max(total, 1)) * width);
  const eta = done === 0 ? '?' : `${Math.round(((elapsedMs / done) * (total - done)) / 1000)}s`;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} runs, ${failures} failed${extra}, ${Math.round(elapsedMs / 1000)}s elapsed, ETA ${eta}`;
}

/** Prints the summary (a table, or one JSON line) and returns the session's exit code. */
export function printSession(json: boolean, head: Record<string, unknown>, summary: SessionSummary, index: string): number {
  if (json) process.stdout.write(`${JSON.stringify({ ...head, ...summary, index })}\n`);
  else process.stdout.write(`${summaryTable(summary)}\n${summaryLegend}\nindex: ${index}\n`);
  if (summary.failedRuns > 0) return exitCode.violation;
  return summary.unknown > 0 ? exitCode.unknown : exitCode.ok;
}

/** A line printer that clears an interactive progress bar first. */
export function sayer(interactive: boolean): (line: string) => void {
  return (line) => void process.stderr.write(`${interactive ? '\r\x1b[K' : ''}${line}\n`);
}
