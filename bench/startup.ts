// Benchmark of start-up, compiled (dist/) against the TypeScript sources through tsx, in one run:
// `faultline --help` from spawn to exit, and a branch process (`faultline node`) from spawn to its
// listening line and to health SERVING. Targets: --help under 150 ms, a branch listening under 400 ms,
// both compiled. Prints the median and the spread of each and exits 1 when a compiled median misses.
// Run: `npm run build && npm run bench:startup [-- --runs 15]` (the bin runs dist/ only while it is fresh).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { faultlineBinPath, waitForServing } from '../lab/cluster/index.js';

const helpMsTarget = 150;
const listeningMsTarget = 400;
const runsDefault = 11;
const nodeStartMsMax = 20_000;

type Mode = 'compiled' | 'tsx';

interface Figures {
  medianMs: number;
  minMs: number;
  maxMs: number;
}

function figures(samples: number[]): Figures {
  const sorted = [...samples].sort((a, b) => a - b);
  return { medianMs: sorted[Math.floor(sorted.length / 2)] ?? Number.NaN, minMs: sorted[0] ?? Number.NaN, maxMs: sorted.at(-1) ?? Number.NaN };
}

function environment(mode: Mode): NodeJS.ProcessEnv {
  return { ...process.env, FAULTLINE_DIST: mode === 'tsx' ? '0' : '' };
}

/** Spawn to exit of `faultline --help`, or with `bare`, of `node -e 0`: the floor on this machine now. */
function helpMs(mode: Mode, bare = false): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, bare ? ['-e', '0'] : [faultlineBinPath, '--help'], { env: environment(mode), encoding: 'utf8' });
  const elapsed = performance.now() - started;
  if (result.status !== 0) throw new Error(`faultline --help exited ${String(result.status)}: ${result.stderr}`);
  return elapsed;
}

/** Spawns one branch on port 0; resolves with spawn→listening line and spawn→SERVING, then stops it. */
async function branchMs(mode: Mode, dataDir: string): Promise<{ listening: number; serving: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [
    faultlineBinPath, 'node', '--id', 'b1', '--listen', '127.0.0.1:0', '--strategy', 'lock', '--data-dir', dataDir, '--accounts', 'a1=100',
  ], { env: environment(mode), stdio: ['pipe', 'pipe', 'ignore'] });
  try {
    const address = await new Promise<string>((resolve, reject) => {
      let buffered = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        buffered += chunk;
        const match = /"address":"([^"]+)"/.exec(buffered);
        if (match?.[1] !== undefined) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`the node exited (${String(code)}) before its listening line`)));
    });
    const listening = performance.now() - started;
    await waitForServing(address, nodeStartMsMax);
    return { listening, serving: performance.now() - started };
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

function line(label: string, values: Figures, target?: number): string {
  const verdict = target === undefined ? '' : values.medianMs < target ? `  under the ${target} ms target` : `  MISSES the ${target} ms target`;
  return `${label.padEnd(34)} median ${values.medianMs.toFixed(0).padStart(5)} ms  (min ${values.minMs.toFixed(0)}, max ${values.maxMs.toFixed(0)})${verdict}`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { runs: { type: 'string' } } });
  const runs = Number(values.runs ?? runsDefault);
  const dataRoot = mkdtempSync(join(tmpdir(), 'faultline-bench-startup-'));
  process.stdout.write(`start-up, ${runs} runs each, load average ${loadavg().map((load) => load.toFixed(2)).join(' ')} on this machine\n`);
  let missed = false;
  try {
    helpMs('compiled', true);
    process.stdout.write(`${line('node -e 0 (the floor, for scale)', figures(Array.from({ length: runs }, () => helpMs('compiled', true))))}\n`);
    for (const mode of ['compiled', 'tsx'] as const) {
      // One unmeasured start each, so the first measured one does not pay for a cold disk cache.
      helpMs(mode);
      const help = figures(Array.from({ length: runs }, () => helpMs(mode)));
      const listening: number[] = [];
      const serving: number[] = [];
      for (let run = 0; run <= runs; run += 1) {
        const timing = await branchMs(mode, join(dataRoot, `${mode}-${run}`));
        if (run === 0) continue;
        listening.push(timing.listening);
        serving.push(timing.serving);
      }
      const target = mode === 'compiled';
      process.stdout.write(`${line(`${mode}: faultline --help`, help, target ? helpMsTarget : undefined)}\n`);
      process.stdout.write(`${line(`${mode}: branch, spawn→listening`, figures(listening), target ? listeningMsTarget : undefined)}\n`);
      process.stdout.write(`${line(`${mode}: branch, spawn→SERVING`, figures(serving))}\n`);
      if (target) missed = help.medianMs >= helpMsTarget || figures(listening).medianMs >= listeningMsTarget;
    }
  } finally {
    rmSync(dataRoot, { recursive: true, force: true });
  }
  process.stdout.write(`load average after: ${loadavg().map((load) => load.toFixed(2)).join(' ')}\n`);
  return missed ? 1 : 0;
}

process.exitCode = await main();
