// `faultline dlq --data-dir D [--json]`: lists the dead letters of a node's database, opened
// read-only, so it works on a stopped node and on a running one alike.
// Try it: `npx faultline dlq --data-dir /tmp/b1 --json`.
import { existsSync } from 'node:fs';
import { booleanFlag, parseFlags, stringFlag } from '../args.js';
import { dataError, exitCode, usageError } from '../exit.js';
import type { Verb } from '../verb.js';
import { databasePath, readDeadLetters } from '../../systems/bank/index.js';
import type { DeadLetter } from '../../systems/bank/index.js';

const options = {
  'data-dir': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
} as const;

const usage = 'usage: faultline dlq --data-dir DIR [--json]';

function describe(letter: DeadLetter): string {
  return `${letter.id}\t${letter.key}\tepoch ${letter.epoch}\trequest ${letter.requestId || '-'}\t${letter.reason}`;
}

export const verb: Verb = {
  summary: "list a node's dead letters: dlq --data-dir D",
  async run(argv: string[]): Promise<number> {
    const args = parseFlags(argv, options);
    if (args.values.help === true) {
      process.stdout.write(`${usage}\n`);
      return exitCode.ok;
    }
    const dataDir = stringFlag(args, 'data-dir');
    if (dataDir === undefined || dataDir === '') throw usageError(`--data-dir is required (${usage})`);
    if (!existsSync(databasePath(dataDir))) throw dataError(`no branch database in ${dataDir}`);
    let letters: DeadLetter[];
    try {
      letters = readDeadLetters(dataDir);
    } catch (error) {
      throw dataError(`cannot read ${databasePath(dataDir)}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (booleanFlag(args, 'json')) {
      process.stdout.write(`${JSON.stringify({ dataDir, count: letters.length, deadLetters: letters })}\n`);
    } else if (letters.length === 0) {
      process.stdout.write('no dead letters\n');
    } else {
      process.stdout.write(`${letters.map(describe).join('\n')}\n${letters.length} dead letter(s)\n`);
    }
    return exitCode.ok;
  },
};
