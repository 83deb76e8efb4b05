// Output paths are checked before any work: a directory that cannot be made or written, or a file
// whose folder cannot be written, is one line and exit 64, not a stack trace after the last run.
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { usageError } from './exit.js';

/** Trees the lab never writes into: the kernel's, where a write can block or mean something else. */
const refusedRoots = ['/proc', '/sys', '/dev'];

function refuse(flag: string, path: string, why: string): never {
  throw usageError(`${flag} ${path}: ${why}`);
}

function checkRoot(flag: string, path: string): string {
  const absolute = resolve(path);
  const root = refusedRoots.find((each) => absolute === each || absolute.startsWith(`${each}/`));
  if (root !== undefined) refuse(flag, path, `faultline does not write under ${root}`);
  return absolute;
}

/** Makes the directory (and its parents) if it is missing, and checks it can be written. */
export function writableDirectory(flag: string, path: string): string {
  const absolute = checkRoot(flag, path);
  try {
    mkdirSync(absolute, { recursive: true });
    if (!statSync(absolute).isDirectory()) refuse(flag, path, 'is not a directory');
    accessSync(absolute, constants.W_OK);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'usage') throw error;
    refuse(flag, path, `cannot be written (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return absolute;
}

/** Checks that the file can be written where it is named: its folder exists or can be made, and is writable. */
export function writableFile(flag: string, path: string): string {
  const absolute = checkRoot(flag, path);
  writableDirectory(flag, dirname(absolute));
  try {
    if (statSync(absolute).isDirectory()) refuse(flag, path, 'is a directory');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'usage') throw error;
  }
  return absolute;
}
