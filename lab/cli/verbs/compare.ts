// `faultline compare --strategies lock,lock-free[,unsafe] --seeds N [--seed ROOT] [--contention low|high]
// [--faults none|light|heavy] [--json] [--out DIR]`: paired runs on identical plans, then a table,
// DIR/compare.json and DIR/compare.html. Exit 1 when any run showed a violation, 2 when any was unknown.
import { randomInt } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { integerFlag, parseFlags, stringFlag } from '../args.js';
import type { OptionSpecs } from '../args.js';
import { exitCode, usageError } from '../exit.js';
import { writableDirectory } from '../output-paths.js';
import type { Verb } from '../verb.js';
import { otherSystem, systemCompare } from './system.js';
import { labFlags, labOptionSpecs, labUsage, limitsFrom, seedFlag } from '../lab-flags.js';
import { seedLine, strategies } from '../../plan/index.js';
import type { Strategy } from '../../plan/index.js';
import { compareDocument, compareHtml, compareReport, runComparison } from '../../compare/index.js';
import type { CompareDocument } from '../../compare/index.js';
import { summaryLine } from '../../report/index.js';

export const seedsMax = 10_000;
const defaultSeeds = 10;

/** Flags of a single-strategy run that mean nothing here: compare never shrinks and reuses its clusters. */
const foreignFlags = ['strategy', 'reads', 'no-shrink', 'fresh-cluster', 'artifacts'];

const compareOptionSpecs: OptionSpecs = {
  ...Object.fromEntries(Object.entries(labOptionSpecs).filter(([name]) => !foreignFlags.includes(name))),
  strategies: { type: 'string' },
  seeds: { type: 'string' },
  seed: { type: 'string' },
  out: { type: 'string' },
};

export function strategiesFlag(text: string | undefined): Strategy[] {
  if (text === undefined) return ['lock', 'lock-free'];
  const names = text.split(',').map((name) => name.trim());
  for (const name of names) {
    if (!(strategies as readonly string[]).includes(name)) throw usageError(`--strategies takes names from ${strategies.join('|')}, got '${name}'`);
  }
  if (new Set(names).size !== names.length) throw usageError(`--strategies names a strategy twice: '${text}'`);
  if (names.length < 2) throw usageError('--strategies needs at least two strategies to compare, e.g. lock,lock-free');
  return names as Strategy[];
}

function exitFor(document: CompareDocument): number {
  if (document.runs.some((run) => run.verdict === 'illegal')) return exitCode.violation;
  return document.runs.some((run) => run.verdict === 'unknown') ? exitCode.unknown : exitCode.ok;
}

/** The shared lab flags that apply here (not those of single-strategy runs). */
const sharedUsage = labUsage.split('\n')
  .filter((line) => !/^ {2}--(strategy|reads|artifacts|fresh-cluster) /.test(line))
  .map((line) => line.replace('--no-shrink  --json', '--json'));

export const verb: Verb = {
  summary: 'paired runs of several strategies on the same seeds',
  usage: [
    `  --strategies A,B[,C]   two or more of ${strategies.join(', ')} (default lock,lock-free), run alternately on each plan`,
    `  --seeds N  --seed ROOT   how many plans (default ${defaultSeeds}), and the root seed they derive from (default: random, printed)`,
    '  --out DIR              where compare.json and compare.html go (default artifacts/compare-ROOT)',
    '  --system S --workloads A,B   another system\'s variants (for etcd: register,serializable-reads) on the same seeds',
    ...sharedUsage,
  ].join('\n'),
  async run(argv) {
    if (otherSystem(argv) !== undefined) return systemCompare(argv);
    const args = parseFlags(argv, compareOptionSpecs);
    const flags = labFlags(args);
    const chosen = strategiesFlag(stringFlag(args, 'strategies'));
    const seeds = integerFlag(args, 'seeds', 1, seedsMax) ?? defaultSeeds;
    const root = seedFlag(args) ?? randomInt(0, 2 ** 31 - 1);
    const { proxy } = flags;
    const out = stringFlag(args, 'out') ?? join('artifacts', `compare-${root}`);
    writableDirectory('--out', out);
    const say = (line: string): void => void process.stderr.write(`${line}\n`);
    const settings = { root, strategies: chosen, seeds, constraints: flags.constraints, proxy };
    say(`compare root seed ${root}: strategies=${chosen.join(',')} seeds=${seeds} proxy=${proxy} constraints=${JSON.stringify(flags.constraints)}`);
    if (proxy !== 'embedded') say(`note: with --proxy ${proxy}, toxicity and jitter are not seeded, so strategies may meet different toxic decisions`);
    const started = performance.now();
    const runs = await runComparison({
      settings,
      proxy,
      bug: flags.bug,
      mode: flags.mode,
      limits: limitsFrom(flags),
      artifactsRoot: join(out, 'runs'),
      announce: say,
      onRun: (run, done, total) => {
        if (run.result.strategy === chosen[0]) say(seedLine(run.result.seeds));
        say(`[${done}/${total}] seed ${run.index}: ${summaryLine(run.result)}`);
      },
    });
    const document = compareDocument(settings, runs, (performance.now() - started) / 1000);
    mkdirSync(out, { recursive: true });
    const jsonPath = join(out, 'compare.json');
    const htmlPath = join(out, 'compare.html');
    writeFileSync(jsonPath, `${JSON.stringify(document, null, 2)}\n`);
    writeFileSync(htmlPath, compareHtml(document));
    if (flags.json) {
      const { settings: echoed, summaries, differences, grid, seconds } = document;
      process.stdout.write(`${JSON.stringify({ settings: echoed, summaries, differences, grid, seconds, json: jsonPath, html: htmlPath })}\n`);
    } else {
      process.stdout.write(`${compareReport(document)}\n\nwrote ${jsonPath} and ${htmlPath}\n`);
    }
    return exitFor(document);
  },
};
