// Benchmark of `faultline check` against Porcupine, in one run: the start time of a check, Porcupine's
// etcd and kv logs as one batch (wall time with process start, per-file verdicts), every Knossos
// history in its data folder, and hard register histories (bench/checker-histories.ts). Porcupine runs
// as a Go build of bench/porcupine-reference (go and its module proxy needed); without Go the batch is
// compared with Porcupine's published timings. Where valgrind is installed the batch is also counted
// in instructions, a figure the load of a shared machine leaves alone.
// Run: `npm run bench:checker -- --porcupine DIR --knossos DIR` where DIR are checkouts of
// github.com/anishathalye/porcupine (test_data/) and github.com/jepsen-io/knossos (data/); each also
// defaults to $FAULTLINE_PORCUPINE_DIR / $FAULTLINE_KNOSSOS_DIR. A section whose data is absent is skipped.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { hardRegisterLog } from './checker-histories.js';
import type { HardRegisterConstraints } from './checker-histories.js';

const root = join(import.meta.dirname, '..');
const faultline = join(root, 'bin', 'faultline.mjs');
const smallHistory = join(root, 'models', 'fixtures', 'register-ok.log');
/** Porcupine's release the reference is built against. */
const porcupineModule = 'github.com/anishathalye/porcupine@v1.3.0';
/** Porcupine (Go) on this 2-core machine, from the issue: the fallback when Go is absent. */
const published = { etcdTotalMs: 650, kvOkMs: 225, kvIllegalMs: 38 };
const startRuns = 5;
/** Alternations of faultline and Porcupine on the batch: the best and the median of each are compared. */
const batchRuns = 7;
const startMsTarget = 150;
/** A hard history gets this long in Porcupine before it counts as undecided there. */
const hardPorcupineMsMax = 60_000;
/** faultline must decide a hard history within this multiple of Porcupine's time. */
const hardRatioMax = 2;
/** Etcd log 95 is not in Porcupine's own tests: its cluster failed to start. */
const skippedEtcdLogs: ReadonlySet<string> = new Set(['etcd_095.log']);
const timeBinary = '/usr/bin/time';
const timeoutBinary = '/usr/bin/timeout';
/** timeout(1)'s exit status when it killed the process with SIGKILL: 128 + 9. */
const killedByTimeout = 137;

interface Timed {
  ms: number;
  /** Peak resident memory in KB, and user + system CPU ms (all threads), where /usr/bin/time can say. */
  rssKb: number | undefined;
  cpuMs: number | undefined;
  stdout: string;
  status: number | null;
}

function timed(command: string, args: readonly string[], timeoutMs = 600_000): Timed {
  const measured = existsSync(timeBinary) && existsSync(timeoutBinary);
  // /usr/bin/time does not pass a signal on: killed at the time limit, it left the measured process
  // running on, reparented to init (Porcupine on a hard history, for ever). timeout(1) under it kills
  // the process itself; spawnSync's limit stays as a backstop a little later.
  const limit = ['--signal=KILL', `${Math.ceil(timeoutMs / 1000)}s`, command, ...args];
  const [file, argv] = measured ? [timeBinary, ['-f', 'rss-kb %M cpu-s %U %S', timeoutBinary, ...limit]] : [command, [...args]];
  const started = performance.now();
  const result = spawnSync(file, argv, { encoding: 'utf8', timeout: Math.round(timeoutMs) + (measured ? 5_000 : 0), maxBuffer: 256 * 1024 * 1024 });
  const ms = performance.now() - started;
  const killed = result.signal !== null || (measured && result.status === killedByTimeout);
  const rss = /rss-kb (\d+)/.exec(result.stderr ?? '')?.[1];
  const cpu = /cpu-s ([\d.]+) ([\d.]+)/.exec(result.stderr ?? '');
  const cpuMs = cpu === null ? undefined : (Number(cpu[1]) + Number(cpu[2])) * 1000;
  return { ms, rssKb: rss === undefined ? undefined : Number(rss), cpuMs, stdout: result.stdout ?? '', status: killed ? null : result.status };
}

function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
}

/** Builds the Go reference in a temporary module; undefined (and why) when Go or the proxy is unavailable. */
function buildPorcupine(scratch: string): string | undefined {
  const directory = join(scratch, 'porcupine-reference');
  spawnSync('mkdir', ['-p', directory]);
  copyFileSync(join(import.meta.dirname, 'porcupine-reference', 'main.go'), join(directory, 'main.go'));
  const steps = [['mod', 'init', 'porcupine-reference'], ['get', porcupineModule], ['build', '-o', 'porcupine-reference', '.']];
  for (const step of steps) {
    const result = spawnSync('go', step, { cwd: directory, encoding: 'utf8', timeout: 300_000 });
    if (result.status !== 0) {
      console.log(`Porcupine reference not built (go ${step.join(' ')}: ${result.error?.message ?? result.stderr.trim().split('\n').at(-1)}); comparing with published timings`);
      return undefined;
    }
  }
  return join(directory, 'porcupine-reference');
}

function verdictsOfFaultline(stdout: string): Map<string, string> {
  const verdicts = new Map<string, string>();
  for (const line of stdout.trim().split('\n')) {
    const record = JSON.parse(line) as { file?: string; verdict?: string };
    if (record.file !== undefined && record.verdict !== undefined) verdicts.set(record.file, record.verdict);
  }
  return verdicts;
}

function verdictsOfPorcupine(stdout: string): Map<string, string> {
  const verdicts = new Map<string, string>();
  for (const line of stdout.trim().split('\n')) {
    const [verdict, , file] = line.split(' ');
    if (verdict !== undefined && file !== undefined) verdicts.set(file, verdict);
  }
  return verdicts;
}

function row(cells: readonly (string | number)[]): string {
  const widths = [34, 8, 12, 12, 8];
  return cells.map((cell, column) => (column === 0 ? String(cell).padEnd(widths[0] as number) : String(cell).padStart(widths[column] ?? 10))).join(' ');
}

function startTime(porcupine: string | undefined): void {
  timed('node', [faultline, 'check', smallHistory]);
  const ours = median(Array.from({ length: startRuns }, () => timed('node', [faultline, 'check', smallHistory]).ms));
  const theirs = porcupine === undefined ? undefined : median(Array.from({ length: startRuns }, () => timed(porcupine, [smallHistory]).ms));
  console.log(`\nstart: faultline check of ${relative(root, smallHistory)}: median ${ours.toFixed(0)} ms wall of ${startRuns} (target ${startMsTarget} ms: ${ours <= startMsTarget ? 'met' : 'missed'})` +
    (theirs === undefined ? '' : `; Porcupine's reference ${theirs.toFixed(0)} ms`));
}

function listHistories(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' }).filter((path) => path.endsWith('.edn')).sort().map((path) => join(folder, path));
}

function porcupineFiles(directory: string): string[] {
  const etcd = join(directory, 'test_data', 'jepsen');
  const kv = join(directory, 'test_data', 'kv');
  if (!existsSync(etcd) || !existsSync(kv)) return [];
  const logs = readdirSync(etcd).filter((name) => /^etcd_\d+\.log$/.test(name) && !skippedEtcdLogs.has(name)).sort().map((name) => join(etcd, name));
  return [...logs, ...readdirSync(kv).filter((name) => name.endsWith('.txt')).sort().map((name) => join(kv, name))];
}

/** The load average over the last minute, as uptime prints it. */
function load(): string {
  return (loadavg()[0] ?? 0).toFixed(2);
}

/**
 * The whole set as one batch, each tool in one process, runs alternating (so that both see the same
 * load); the best and the median wall time of each, and the ratio of the medians too: one lucky run
 * says little on a shared machine.
 */
function batch(directory: string, porcupine: string | undefined): void {
  const files = porcupineFiles(directory);
  if (files.length === 0) {
    console.log(`\nbatch: no test_data/jepsen and test_data/kv under ${directory}; skipped`);
    return;
  }
  const ours: Timed[] = [];
  const oneThread: Timed[] = [];
  const theirs: Timed[] = [];
  const loadBefore = load();
  for (let run = 0; run < batchRuns; run += 1) {
    ours.push(timed('node', [faultline, 'check', ...files, '--json']));
    // --jobs 1 too, in the same alternation: whether the worker the pool may start paid on this batch.
    oneThread.push(timed('node', [faultline, 'check', ...files, '--json', '--jobs', '1']));
    if (porcupine !== undefined) theirs.push(timed(porcupine, files));
  }
  const best = (runs: Timed[]) => runs.reduce((a, b) => (b.ms < a.ms ? b : a));
  const ourBest = best(ours);
  console.log(`\nbatch: Porcupine's ${files.length - 6} etcd logs and 6 kv logs (${directory}), one process each, ${batchRuns} alternating runs, process start included; load ${loadBefore} before, ${load()} after`);
  console.log(row(['files', 'wall', 'faultline ms', 'Porcupine ms', 'ratio']));
  const label = porcupine === undefined ? ' (published)' : '';
  const publishedMs = published.etcdTotalMs + 2 * published.kvOkMs + 2 * published.kvIllegalMs;
  const reference = (pick: (runs: Timed[]) => number) => (porcupine === undefined ? publishedMs : pick(theirs));
  const bestMs = (runs: Timed[]) => best(runs).ms;
  const medianMs = (runs: Timed[]) => median(runs.map((run) => run.ms));
  for (const [name, pick] of [['best', bestMs], ['median', medianMs]] as const) {
    console.log(row([`${files.length} files`, name, pick(ours).toFixed(0), `${reference(pick).toFixed(0)}${label}`, (pick(ours) / reference(pick)).toFixed(2)]));
  }
  console.log(`  faultline runs: ${ours.map((run) => run.ms.toFixed(0)).join(', ')} ms` + (porcupine === undefined ? '' : `; Porcupine runs: ${theirs.map((run) => run.ms.toFixed(0)).join(', ')} ms`));
  console.log(`  faultline --jobs 1 (no worker): best ${bestMs(oneThread).toFixed(0)}, median ${medianMs(oneThread).toFixed(0)} ms` +
    (porcupine === undefined ? '' : `; ratio ${(bestMs(oneThread) / bestMs(theirs)).toFixed(2)} best, ${(medianMs(oneThread) / medianMs(theirs)).toFixed(2)} median`));
  // CPU time is what a busy shared machine disturbs least: the wall times above wait on other work.
  const cpu = (runs: Timed[]) => Math.min(...runs.map((run) => run.cpuMs ?? Infinity));
  if (porcupine !== undefined && Number.isFinite(cpu(ours))) console.log(`  CPU (user + system, all threads), least of the runs: faultline ${cpu(ours).toFixed(0)} ms, Porcupine ${cpu(theirs).toFixed(0)} ms, ratio ${(cpu(ours) / cpu(theirs)).toFixed(2)}`);
  if (porcupine === undefined) return;
  instructions(files, porcupine);
  // Every run's verdicts, not the fastest run's alone: which thread searched what must not matter.
  const theirVerdicts = verdictsOfPorcupine(best(theirs).stdout);
  const differing = new Set([...ours, ...oneThread].flatMap((run) => {
    const verdicts = verdictsOfFaultline(run.stdout);
    return files.filter((file) => verdicts.get(file) !== theirVerdicts.get(file));
  }));
  const ourVerdicts = verdictsOfFaultline(ourBest.stdout);
  const tally = (verdict: string) => files.filter((file) => ourVerdicts.get(file) === verdict).length;
  console.log(`  verdicts: ${tally('ok')} ok, ${tally('illegal')} illegal, ${tally('unknown')} unknown; ${differing.size === 0 ? `identical to Porcupine on every file in all ${2 * batchRuns} runs (default and --jobs 1)` : `DIFFERENT on ${[...differing].map((file) => relative(directory, file)).join(', ')}`}`);
}

/** Instructions one run executes, all threads, counted by valgrind's cachegrind; undefined without valgrind. */
function instructionCount(command: string, args: readonly string[]): number | undefined {
  // --fair-sched: valgrind runs one thread at a time, and by default the order in which V8's compiler
  // threads get their turn moved the count of one batch between 6.4 and 8.5 G; round-robin keeps it
  // within 2 to 3 %.
  const result = spawnSync('valgrind', ['--tool=cachegrind', '--fair-sched=yes', '--cache-sim=no', '--cachegrind-out-file=/dev/null', command, ...args], { encoding: 'utf8', timeout: 900_000, maxBuffer: 256 * 1024 * 1024 });
  const refs = /I\s+refs:\s+([\d,]+)/.exec(result.stderr ?? '')?.[1];
  return refs === undefined ? undefined : Number(refs.replaceAll(',', ''));
}

/**
 * The same batch counted in instructions: on a shared machine wall and CPU times follow the load (the
 * ratio moved from 1.05 to 2.41 between two runs at load 20-27), while the work each tool does does
 * not. Not a time (Go and V8 retire instructions at different rates), but a figure that any load
 * leaves alone.
 */
function instructions(files: readonly string[], porcupine: string): void {
  const ours = instructionCount('node', [faultline, 'check', ...files, '--json']);
  const oneThread = instructionCount('node', [faultline, 'check', ...files, '--json', '--jobs', '1']);
  const theirs = instructionCount(porcupine, files);
  if (ours === undefined || oneThread === undefined || theirs === undefined) {
    console.log('  instructions: valgrind is not installed (apt-get install valgrind); skipped');
    return;
  }
  const giga = (count: number) => `${(count / 1e9).toFixed(2)} G`;
  // --jobs 1 is the load-independent figure: by default a worker joins where the machine's cores are
  // idle, which valgrind's slowness and the load decide, not the batch.
  console.log(`  instructions (valgrind, all threads): faultline --jobs 1 ${giga(oneThread)} (load-independent), by default ${giga(ours)} (a worker joins where cores are idle), Porcupine ${giga(theirs)}; ratio ${(oneThread / theirs).toFixed(2)} (by default ${(ours / theirs).toFixed(2)})`);
}

/**
 * Histories whose initial values are not the model's default; Knossos's tests give them (its
 * multi-register file starts at x=0, y=0, as its first line says).
 */
const knossosInitial: Record<string, string> = { 'multi-register/good/multi-register.edn': '{"x":0,"y":0}' };

/** Knossos decides every history under data/<model>/good (valid) and data/<model>/bad (invalid). */
function knossos(directory: string): void {
  const data = join(directory, 'data');
  if (!existsSync(data)) {
    console.log(`\nknossos: no data/ under ${directory}; skipped`);
    return;
  }
  const special = Object.keys(knossosInitial).map((file) => join(data, file)).filter((file) => existsSync(file));
  const rest = listHistories(data).filter((file) => !special.includes(file));
  const run = timed('node', [faultline, 'check', ...rest, '--json']);
  const verdicts = verdictsOfFaultline(run.stdout);
  for (const file of special) {
    const alone = timed('node', [faultline, 'check', file, '--json', '--initial', knossosInitial[relative(data, file)] as string]);
    verdicts.set(file, (JSON.parse(alone.stdout) as { verdict: string }).verdict);
  }
  const expected = (file: string) => (file.includes('/good/') ? 'ok' : file.includes('/bad/') ? 'illegal' : undefined);
  const decided = [...verdicts.keys()].filter((file) => expected(file) !== undefined);
  const wrong = decided.filter((file) => verdicts.get(file) !== expected(file));
  console.log(`\nknossos: ${decided.length} histories under ${data} (good/ and bad/), ${run.ms.toFixed(0)} ms wall in one batch`);
  console.log(`  ${decided.length - wrong.length} of ${decided.length} get Knossos's verdict` + (wrong.length === 0 ? '' : `; DIFFERENT: ${wrong.map((file) => `${relative(data, file)} (${verdicts.get(file)})`).join(', ')}`));
}

/**
 * From easy to hard: more writes that time out (half of them took effect, or all, so that reads see
 * them and they stay in the search), then more writers at once.
 */
const hardLadder: readonly (Omit<HardRegisterConstraints, 'seed'> & { name: string })[] = [
  { name: 'w8-timeouts6', writers: 8, readers: 2, operations: 120, timedOutWrites: 6 },
  { name: 'w8-timeouts10', writers: 8, readers: 2, operations: 120, timedOutWrites: 10 },
  { name: 'w8-timeouts12', writers: 8, readers: 2, operations: 120, timedOutWrites: 12 },
  { name: 'w8r4-applied-timeouts8', writers: 8, readers: 4, operations: 120, timedOutWrites: 8, timedOutApplied: 1 },
  { name: 'w8r4-applied-timeouts12', writers: 8, readers: 4, operations: 160, timedOutWrites: 12, timedOutApplied: 1 },
  { name: 'w8r4-applied-timeouts16', writers: 8, readers: 4, operations: 160, timedOutWrites: 16, timedOutApplied: 1 },
  { name: 'w16-timeouts8', writers: 16, readers: 4, operations: 200, timedOutWrites: 8 },
];

function hard(scratch: string, porcupine: string | undefined, rungs: number): void {
  console.log(`\nhard register histories (bench/checker-histories.ts; the stale read is last, so the verdict is illegal), check's defaults:`);
  console.log(row(['history', 'verdict', 'faultline ms', 'Porcupine ms', 'ratio']) + '  faultline peak RSS');
  let largest: string | undefined;
  for (const rung of hardLadder.slice(0, rungs)) {
    const file = join(scratch, `${rung.name}.log`);
    writeFileSync(file, hardRegisterLog({ ...rung, seed: rung.name }));
    const theirs = porcupine === undefined ? undefined : timed(porcupine, [file], hardPorcupineMsMax);
    const theirMs = theirs?.status === 0 ? theirs.ms : undefined;
    // Within twice Porcupine's time where it decides; where it does not, the same time Porcupine had.
    const ours = timed('node', [faultline, 'check', file, '--json'], theirMs === undefined ? hardPorcupineMsMax : Math.max(hardRatioMax * theirMs, 10_000));
    const verdict = ours.status === null ? 'stopped' : (JSON.parse(ours.stdout) as { verdict: string }).verdict;
    const ratio = theirMs === undefined ? '-' : (ours.ms / theirMs).toFixed(2);
    const rss = ours.rssKb === undefined ? '' : `  ${(ours.rssKb / 1024).toFixed(0)} MB`;
    console.log(row([rung.name, verdict, ours.ms.toFixed(0), theirMs === undefined ? `> ${hardPorcupineMsMax}` : theirMs.toFixed(0), ratio]) + rss);
    if (verdict === 'illegal' && (theirMs === undefined || ours.ms <= hardRatioMax * theirMs)) largest = rung.name;
  }
  console.log(`  largest decided by faultline within ${hardRatioMax}x Porcupine's time (or where Porcupine does not decide): ${largest ?? 'none'}`);
}

function main(): void {
  const { values } = parseArgs({ options: {
    porcupine: { type: 'string', default: process.env.FAULTLINE_PORCUPINE_DIR ?? '' },
    knossos: { type: 'string', default: process.env.FAULTLINE_KNOSSOS_DIR ?? '' },
    'hard-rungs': { type: 'string', default: String(hardLadder.length) },
  } });
  const built = spawnSync('npm', ['run', 'build'], { cwd: root, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`npm run build failed: ${built.stderr}`);
  const scratch = mkdtempSync(join(tmpdir(), 'faultline-bench-checker-'));
  try {
    const porcupine = buildPorcupine(scratch);
    console.log(`faultline ${faultline} (compiled check); Porcupine ${porcupine === undefined ? 'published timings' : `${porcupineModule}, built in ${scratch}`}`);
    startTime(porcupine);
    if (values.porcupine !== '') batch(values.porcupine, porcupine);
    else console.log('\nbatch: skipped; pass --porcupine DIR (a checkout of github.com/anishathalye/porcupine)');
    if (values.knossos !== '') knossos(values.knossos);
    else console.log('\nknossos: skipped; pass --knossos DIR (a checkout of github.com/jepsen-io/knossos)');
    hard(scratch, porcupine, Number(values['hard-rungs']));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

main();
