#!/usr/bin/env node
// The faultline command: loads the TypeScript sources through tsx and hands argv to the CLI.
// Try it: `npx faultline --help`.
import { register } from 'tsx/esm/api';

register();
// A reader that stops early (`faultline check ... | head`) closes the pipe; that is no error of ours.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
const { main } = await import('../lab/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
