#!/usr/bin/env node
// The faultline command: loads the TypeScript sources through tsx and hands argv to the CLI.
// Try it: `npx faultline --help`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../lab/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
