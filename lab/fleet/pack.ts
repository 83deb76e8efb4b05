// Packs a failure's artifact directories into one string that travels in a job's result, and unpacks
// them under another artifacts root. gzip over a JSON map of files: no archive format to trust, and
// the names are checked so that a packed result cannot write outside the directories it names.
import { gunzipSync, gzipSync } from 'node:zlib';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { claimDirectory } from '../report/index.js';
import { FleetError } from './errors.js';

interface Packed {
  /** Directory name -> file name -> base64 content. */
  directories: Record<string, Record<string, string>>;
}

const namePattern = /^[A-Za-z0-9._-]+$/;

function filesOf(directory: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    if (entry.isFile()) files[entry.name] = readFileSync(join(directory, entry.name)).toString('base64');
  }
  return files;
}

/** The directories' regular files (artifact directories are flat), gzipped and base64-encoded. */
export function packDirectories(directories: readonly string[]): string {
  const packed: Packed = { directories: {} };
  for (const directory of directories) packed.directories[basename(directory)] = filesOf(directory);
  return gzipSync(JSON.stringify(packed)).toString('base64');
}

function parsePacked(text: string): Packed {
  try {
    const value = JSON.parse(gunzipSync(Buffer.from(text, 'base64')).toString('utf8')) as Packed;
    if (typeof value.directories !== 'object' || value.directories === null) throw new Error('no directories');
    return value;
  } catch (error) {
    throw new FleetError('bad-results', `packed artifacts do not unpack: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Unpacks into new directories under `root` (a name taken already gets `-2`, as writeArtifacts does);
 * returns each packed directory's name mapped to the directory it now is.
 */
export function unpackDirectories(text: string, root: string): Map<string, string> {
  const placed = new Map<string, string>();
  for (const [name, files] of Object.entries(parsePacked(text).directories)) {
    if (!namePattern.test(name) || name === '.' || name === '..') throw new FleetError('bad-results', `packed artifacts name a directory '${name}'`);
    mkdirSync(root, { recursive: true });
    const directory = claimDirectory(root, name);
    for (const [file, content] of Object.entries(files)) {
      if (!namePattern.test(file) || file === '.' || file === '..') throw new FleetError('bad-results', `packed artifacts name a file '${file}'`);
      writeFileSync(join(directory, file), Buffer.from(content, 'base64'));
    }
    placed.set(name, directory);
  }
  return placed;
}
