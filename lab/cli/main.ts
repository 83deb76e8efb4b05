// The faultline command line: `npx faultline <verb> [flags]`. Each verb lives in verbs/<verb>.ts
// and exports `run(argv): Promise<number>`; this file only dispatches and maps errors to exit codes.
import { CliError, exitCode } from './exit.js';
import type { Verb } from './verb.js';

const verbs: Record<string, { summary: string; load: () => Promise<{ verb: Verb }> }> = {
  explore: { summary: 'many seeded runs against a real cluster (the main job)', load: () => import('./verbs/explore.js') },
  run: { summary: 'one run from --seed (and --path)', load: () => import('./verbs/run.js') },
  replay: { summary: 're-run a recorded plan: replay <artifact-dir> [--times N]', load: () => import('./verbs/replay.js') },
  report: { summary: "write a run's self-contained report.html: report <artifact-dir>", load: () => import('./verbs/report.js') },
  check: { summary: 'check recorded histories offline: check FILE... | DIR', load: () => import('./verbs/check.js') },
  compare: { summary: 'paired runs of several strategies on the same seeds', load: () => import('./verbs/compare.js') },
  node: { summary: 'start one branch server', load: () => import('./verbs/node.js') },
  bank: { summary: 'run a course input file: bank <input.json> [-o output.json]', load: () => import('./verbs/bank.js') },
  toxiproxy: { summary: 'run the embedded, seeded Toxiproxy server on its own', load: () => import('./verbs/toxiproxy.js') },
  worker: { summary: 'take seeded runs from a queue: worker --queue redis://HOST:PORT [--concurrency N]', load: () => import('./verbs/worker.js') },
  campaign: { summary: 'a campaign on a queue: campaign status|results|cancel|retry|delete <id> --queue URL', load: () => import('./verbs/campaign.js') },
  merge: { summary: "merge shards' results into one summary and index: merge DIR...", load: () => import('./verbs/merge.js') },
  dlq: { summary: "list a node's dead letters: dlq --data-dir D", load: () => import('./verbs/dlq.js') },
};

/** How often faultline checks that the process that started it (a shell, npx, a test) still lives. */
export const parentCheckMs = 500;

/**
 * Stops faultline as SIGTERM would (children killed, temporary dirs removed) once the process that
 * started it is gone: the kernel then gives it a new parent. `node` watches its parent on its own.
 */
function stopWithParent(): void {
  const parent = process.ppid;
  if (parent <= 1) return;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    process.stderr.write('faultline: the process that started it is gone; stopping\n');
    process.kill(process.pid, 'SIGTERM');
  }, parentCheckMs);
  timer.unref();
}

function usage(): string {
  const width = Math.max(...Object.keys(verbs).map((name) => name.length));
  const lines = Object.entries(verbs).map(([name, entry]) => `  ${name.padEnd(width)}  ${entry.summary}`);
  return ['usage: faultline <verb> [flags]', '', 'verbs:', ...lines, '', 'exit codes: 0 ok, 1 violation, 2 unknown, 64 usage, 65 bad data, 70 internal'].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? exitCode.usage : exitCode.ok;
  }
  const entry = verbs[name];
  if (entry === undefined) {
    process.stderr.write(`faultline: unknown verb '${name}' (try: faultline --help)\n`);
    return exitCode.usage;
  }
  if (name !== 'node') stopWithParent();
  try {
    const { verb } = await entry.load();
    if ((rest.includes('--help') || rest.includes('-h')) && verb.usage !== undefined) {
      process.stdout.write(`faultline ${name}: ${verb.summary}\n${verb.usage}\n`);
      return exitCode.ok;
    }
    return await verb.run(rest);
  } catch (error) {
    return failed(name, error);
  }
}

/**
 * Only an error that carries a usage or data code is the user's: 64 or 65. Anything else is a bug of
 * faultline (a failed assertion included): exit 70 with one line, the command that reruns the run it
 * happened in where there is one, and the stack only when FAULTLINE_DEBUG is set.
 */
function failed(name: string, error: unknown): number {
  if (error instanceof CliError && error.code !== 'internal') {
    process.stderr.write(`faultline ${name}: ${error.message}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  const rerun = (error as { rerun?: unknown } | null)?.rerun;
  const where = typeof rerun === 'string' ? ` (rerun: ${rerun})` : '';
  process.stderr.write(`faultline ${name}: internal error: ${message}${where}\n`);
  if (process.env.FAULTLINE_DEBUG !== undefined && error instanceof Error) process.stderr.write(`${error.stack ?? ''}\n`);
  return exitCode.internal;
}
