// `faultline report <artifact-dir> [--out FILE]`: writes the run's self-contained report.html again from
// its artifacts (a run writes it already; this redraws an older or edited one). Exit 65 on a directory
// without a history or with a truncated one.
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFlags, stringFlag } from '../args.js';
import { dataError, exitCode, usageError } from '../exit.js';
import type { Verb } from '../verb.js';
import { isArtifactError, readRunResult, reportFileName, reportHtml } from '../../report/index.js';
import type { RunResult } from '../../report/index.js';

function readRun(directory: string): RunResult {
  if (!existsSync(directory) || !statSync(directory).isDirectory()) throw dataError(`${directory} is not an artifact directory`);
  try {
    return readRunResult(directory);
  } catch (error) {
    if (isArtifactError(error)) throw dataError(error.message);
    throw error;
  }
}

export const verb: Verb = {
  summary: "write a run's self-contained report.html: report <artifact-dir>",
  usage: '  report <artifact-dir> [--out FILE]   (default: <artifact-dir>/report.html)',
  async run(argv) {
    const args = parseFlags(argv, { out: { type: 'string' } }, true);
    const [directory, ...extra] = args.positionals;
    if (directory === undefined || extra.length > 0) throw usageError('report takes one artifact directory');
    const run = readRun(directory);
    const out = stringFlag(args, 'out') ?? join(directory, reportFileName);
    writeFileSync(out, reportHtml(run));
    process.stdout.write(`${out}\n`);
    return exitCode.ok;
  },
};
