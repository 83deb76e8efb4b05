// The entry of `faultline check` alone, without the other verbs: bin/faultline.mjs runs it compiled
// (dist/) when dist is fresh, so a check starts in tens of milliseconds instead of loading TypeScript.
// Errors map to exit codes exactly as in main.ts.
import { CliError, exitCode } from './exit.js';
import { verb } from './verbs/check.js';

export async function checkMain(argv: string[]): Promise<number> {
  try {
    return await verb.run(argv);
  } catch (error) {
    if (error instanceof CliError) {
      process.stderr.write(`faultline check: ${error.message}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`faultline check: internal error: ${message}\n`);
    return exitCode.internal;
  }
}
