// `faultline merge DIR...`: the explore directories of shards (explore --shard I/N) as one summary
// and one index, the same as one explore over the union of their seeds.
import { parseFlags, stringFlag } from '../args.js';
import { usageError } from '../exit.js';
import type { Verb } from '../verb.js';
import { writableDirectory } from '../output-paths.js';
import { fleetCall, printSession } from '../fleet-flags.js';
import { mergeResults, readResultsFile, writeSession } from '../../fleet/index.js';

export const verb: Verb = {
  summary: "merge shards' results into one summary and index: merge DIR...",
  usage: '  DIR...            explore directories (artifacts/explore-s<seed>...), each with results.json\n  --artifacts DIR   where the merged index goes (default artifacts)  --json',
  async run(argv) {
    const args = parseFlags(argv, { artifacts: { type: 'string' }, json: { type: 'boolean' } }, true);
    if (args.positionals.length === 0) throw usageError('usage: faultline merge DIR... (explore directories with results.json)');
    const root = stringFlag(args, 'artifacts') ?? 'artifacts';
    writableDirectory('--artifacts', root);
    return fleetCall(() => {
      const files = args.positionals.map((directory) => ({ file: readResultsFile(directory), directory: directory.replace(/\/(index\.html|results\.json)$/, '') }));
      const { merged, locations } = mergeResults(files);
      const output = writeSession(root, merged, (name) => locations.get(name) ?? name);
      return printSession(args.values.json === true, { seed: merged.spec.rootSeed, strategy: merged.spec.strategy, merged: files.length }, output.summary, output.index);
    });
  },
};
