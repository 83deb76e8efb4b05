// Where the package's own files are (bin/, proto/*.proto, scenarios/, the browser scripts, .tools/),
// whether this module runs from its TypeScript source or compiled under dist/: the nearest folder
// above it that holds a package.json. Try: `packagePath('proto', 'bank.proto')`.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(start: string): string {
  for (let folder = start; ; folder = dirname(folder)) {
    if (existsSync(join(folder, 'package.json'))) return folder;
    if (dirname(folder) === folder) throw new Error(`no package.json above ${start}`);
  }
}

export const packageRoot = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

/** A file of the package, by its path from the package root. */
export function packagePath(...parts: string[]): string {
  return join(packageRoot, ...parts);
}
