// `npm run build` (and `prepare`, which `npm ci` and `npm pack` run): compiles the package to dist/
// with declarations. tsc writes into dist.next/, which then replaces dist/ in one rename, so a
// faultline started during a build never finds half a dist (bin/faultline.mjs falls back to the
// sources while dist/ is missing). Try: `npm run build && ls dist/lab/cli`.
import { execFileSync } from 'node:child_process';
import { renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const next = `${root}dist.next`;
// typescript's exports map names no bin/, so its bin is found beside its package.json.
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');

rmSync(next, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', `${root}tsconfig.build.json`, '--outDir', next], { stdio: 'inherit' });
rmSync(`${root}dist`, { recursive: true, force: true });
renameSync(next, `${root}dist`);
