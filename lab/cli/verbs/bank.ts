// `faultline bank <input.json> [--strategy S] [-o output.json]`: runs a course input file (seed 002)
// against a real cluster, writes the customers' receipts, and checks every branch ends with one balance.
import { readFileSync, writeFileSync } from 'node:fs';
import { writableFile } from '../output-paths.js';
import type { Verb } from '../verb.js';
import { choiceFlag, parseFlags, stringFlag } from '../args.js';
import { CliError, dataError, exitCode, usageError } from '../exit.js';
import {
  courseAccount, courseBranchId, CourseInputError, CourseRunError, NodeStartError, parseCourseInput, runCourse, startCluster, strategies, waitForSettled,
} from '../../cluster/index.js';
import type { Cluster, CourseInput, CourseOutputEntry, Strategy } from '../../cluster/index.js';

const usage = 'usage: faultline bank <input.json> [--strategy S] [-o output.json]   (S: any strategy of `faultline run --help`)';
const defaultStrategy: Strategy = 'lock';
const convergenceTimeoutMs = 10_000;

export const verb: Verb = {
  summary: 'run a course input file: bank <input.json> [--strategy S] [-o output.json]',
  run,
};

async function run(argv: string[]): Promise<number> {
  const args = parseFlags(argv, {
    strategy: { type: 'string' },
    output: { type: 'string', short: 'o' },
    help: { type: 'boolean', short: 'h' },
  }, true);
  if (args.values.help === true) {
    process.stdout.write(`${usage}\n`);
    return exitCode.ok;
  }
  const strategy = choiceFlag(args, 'strategy', strategies) ?? defaultStrategy;
  const outputPath = stringFlag(args, 'output');
  const [inputPath, ...extra] = args.positionals;
  if (inputPath === undefined || extra.length > 0) throw usageError(usage);
  const input = readInput(inputPath);
  if (outputPath !== undefined) writableFile('--output', outputPath);
  const cluster = await startCluster({
    branches: input.branches.map((branch) => courseBranchId(branch.id)),
    strategy,
    accounts: [{ account: courseAccount, balance: input.branches[0]?.balance ?? 0 }],
  }).catch(oneLine);
  try {
    const output = await runCourse(input, cluster).catch(oneLine);
    writeOutput(output, outputPath);
    return await reportFinalBalance(cluster, receiptsTotal(input, output));
  } finally {
    await cluster.stop();
  }
}

/** A cluster that would not start or a call that failed is internal (70), but needs no stack trace. */
function oneLine(error: unknown): never {
  if (error instanceof NodeStartError || error instanceof CourseRunError) throw new CliError('internal', error.message);
  throw error;
}

function readInput(path: string): CourseInput {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw dataError(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    return parseCourseInput(text);
  } catch (error) {
    if (error instanceof CourseInputError) throw dataError(`${path}: ${error.message}`);
    throw error;
  }
}

/** One customer a line: compact, and still easy to diff against an expected file. */
function writeOutput(output: CourseOutputEntry[], path: string | undefined): void {
  const text = `[\n${output.map((entry) => `  ${JSON.stringify(entry)}`).join(',\n')}\n]\n`;
  if (path === undefined) process.stdout.write(text);
  else writeFileSync(path, text);
}

/** What the receipts add up to: the initial balance, plus every successful deposit, minus every successful withdrawal. */
function receiptsTotal(input: CourseInput, output: CourseOutputEntry[]): number {
  let total = input.branches[0]?.balance ?? 0;
  for (const customer of input.customers) {
    const receipts = output.find((entry) => entry.id === customer.id)?.recv ?? [];
    customer.events.forEach((event, index) => {
      const receipt = receipts[index];
      if (receipt === undefined || !('result' in receipt) || receipt.result !== 'success') return;
      total += event.interface === 'deposit' ? (event.money ?? 0) : -(event.money ?? 0);
    });
  }
  return total;
}

/**
 * Waits (bounded) for the replicas to settle. They must all hold the same balance, and it must be the
 * one the receipts add up to; otherwise an update was lost (or invented) and the run is a violation.
 */
async function reportFinalBalance(cluster: Cluster, expected: number): Promise<number> {
  const settled = await waitForSettled(cluster, { timeoutMs: convergenceTimeoutMs });
  const balances = settled.states.map((state) => `${state.branch}=${state.accounts[courseAccount]?.balance ?? 'missing'}`);
  const first = settled.states[0]?.accounts[courseAccount]?.balance;
  if (!settled.agreed || first === undefined) {
    process.stderr.write(`faultline bank: the branches disagree after ${Math.round(settled.waitedMs)} ms: ${balances.join(' ')}\n`);
    return exitCode.violation;
  }
  if (first !== expected) {
    process.stderr.write(`faultline bank: every branch holds ${first}, but the receipts add up to ${expected}\n`);
    return exitCode.violation;
  }
  process.stderr.write(`final balance on every branch: ${first}\n`);
  return exitCode.ok;
}
