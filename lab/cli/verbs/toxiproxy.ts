// `faultline toxiproxy`: the embedded, seeded Toxiproxy server on its own, for any language's
// Toxiproxy client. Try: `npx faultline toxiproxy --port 8474 --seed 7`, then `curl 127.0.0.1:8474/proxies`.
import { randomInt } from 'node:crypto';
import { ConfigError, parseListen } from '../../systems/bank/index.js';
import { EmbeddedToxiproxyServer } from '../../proxy/index.js';
import { integerFlag, parseFlags, stringFlag } from '../args.js';
import { exitCode, usageError } from '../exit.js';
import type { Verb } from '../verb.js';

const defaultPort = 8474;
const portMax = 65_535;
const seedMax = 2 ** 31 - 1;

const options = {
  host: { type: 'string' },
  port: { type: 'string' },
  seed: { type: 'string' },
} as const;

async function run(argv: string[]): Promise<number> {
  const args = parseFlags(argv, options);
  const { host, port } = listenAddress(stringFlag(args, 'host') ?? '127.0.0.1', integerFlag(args, 'port', 0, portMax) ?? defaultPort);
  // Without --seed the server picks one and prints it, so a session can still be replayed.
  const seed = stringFlag(args, 'seed') ?? String(randomInt(seedMax));
  const server = await EmbeddedToxiproxyServer.start({ seed, host, port }).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw usageError(`address ${host}:${port} is in use`);
    throw error;
  });
  process.stdout.write(`faultline toxiproxy: listening on ${server.url} (seed ${seed}; Toxiproxy 2.12 API; GET /faultline/decisions)\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  return exitCode.ok;
}

/** The same check as `faultline node --listen`: loopback only, a port in range. */
function listenAddress(host: string, port: number): { host: string; port: number } {
  try {
    return parseListen(`${host}:${port}`);
  } catch (error) {
    if (error instanceof ConfigError) throw usageError(error.message.replace('--listen', '--host and --port'));
    throw error;
  }
}

export const verb: Verb = {
  summary: 'run the embedded, seeded Toxiproxy server on its own',
  usage: [
    `  --host H  --port P   where its API listens (default 127.0.0.1:${defaultPort})`,
    '  --seed S             the seed of its toxicity decisions (default: random, printed)',
  ].join('\n'),
  run,
};
