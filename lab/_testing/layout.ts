// The layout's import rules, checked over the source tree: a folder is reached from outside only
// through its index.ts, test helpers (_testing/) only from tests and benchmarks, models/ imports
// nothing of ours, lab/plan only models' types, and no two folders import each other, however indirectly.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** The folders whose files the rules read. */
export const checkedRoots = ['models', 'lab', 'properties', 'bench', 'scenarios', 'proto'] as const;

const importPattern = /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'"]*?\s+from\s+)?['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

interface Edge {
  from: string;
  to: string;
  typeOnly: boolean;
}

function sourceFiles(root: string, folder: string): string[] {
  const entries = (() => {
    try {
      return readdirSync(join(root, folder), { withFileTypes: true });
    } catch {
      return [];
    }
  })();
  return entries.flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(root, path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path.split(sep).join('/')] : [];
  });
}

/** The folder a file belongs to, as the rules see it: lab/<room>, lab/systems/<system>, or the top folder. */
export function unitOf(file: string): string {
  const parts = file.split('/');
  if (parts[0] === 'lab' && parts[1] === 'systems' && parts.length > 3) return `lab/systems/${parts[2]}`;
  if (parts[0] === 'lab' && parts.length > 2) return `lab/${parts[1]}`;
  return parts[0] === 'lab' ? 'lab' : (parts[0] as string);
}

function isTestFile(file: string): boolean {
  return file.endsWith('.test.ts') || file.includes('/_testing/') || file.startsWith('bench/') || file.includes('/fixtures/');
}

function edgesOf(root: string, file: string): Edge[] {
  const text = readFileSync(join(root, file), 'utf8');
  const edges: Edge[] = [];
  for (const match of text.matchAll(importPattern)) {
    const specifier = match[3] ?? match[4];
    if (specifier === undefined) continue;
    const target = relative(root, resolve(root, dirname(file), specifier)).split(sep).join('/').replace(/\.js$/, '.ts');
    edges.push({ from: file, to: target, typeOnly: match[2] !== undefined });
  }
  return edges;
}

function deepImportProblem(edge: Edge): string | undefined {
  const from = unitOf(edge.from);
  const to = unitOf(edge.to);
  if (from === to || to === 'lab' && edge.to !== 'lab/index.ts') return from === to ? undefined : `${edge.from}: imports ${edge.to}, not a folder's index.ts`;
  if (edge.to.includes('/_testing/') || edge.to.includes('/fixtures/')) {
    return isTestFile(edge.from) ? undefined : `${edge.from}: imports the test helper ${edge.to} from code that ships`;
  }
  if (edge.to !== `${to}/index.ts`) return `${edge.from}: deep import of ${edge.to} (import ${to}/index.ts instead)`;
  // A test may use what stands above its folder (a plan test generates plans); the floors bind shipping code.
  if (isTestFile(edge.from)) return undefined;
  if (from === 'models') return `${edge.from}: models/ imports ${edge.to}; models imports nothing outside models/`;
  if (from === 'lab/plan' && !(to === 'models' && edge.typeOnly)) return `${edge.from}: lab/plan imports ${edge.to}; the vocabulary imports only models' types`;
  return undefined;
}

/** Cycles between folders, over the imports of code that ships (tests and helpers left out). */
function folderCycles(edges: readonly Edge[]): string[] {
  const graph = new Map<string, Set<string>>();
  for (const edge of edges) {
    if (isTestFile(edge.from)) continue;
    const from = unitOf(edge.from);
    const to = unitOf(edge.to);
    if (from === to) continue;
    if (!graph.has(from)) graph.set(from, new Set());
    graph.get(from)?.add(to);
  }
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const walk = (unit: string, trail: string[]): void => {
    state.set(unit, 'open');
    for (const next of [...(graph.get(unit) ?? [])].sort()) {
      if (state.get(next) === 'open') cycles.push(`import cycle between folders: ${[...trail.slice(trail.indexOf(next)), next].join(' -> ')}`);
      else if (state.get(next) === undefined) walk(next, [...trail, next]);
    }
    state.set(unit, 'done');
  };
  for (const unit of [...graph.keys()].sort()) if (state.get(unit) === undefined) walk(unit, [unit]);
  return cycles;
}

/** Every broken rule in the tree at `root`, one sentence each; none for a tree that keeps them. */
export function layoutProblems(root: string): string[] {
  const files = checkedRoots.flatMap((folder) => sourceFiles(root, folder)).filter((file) => !file.startsWith('proto/gen/'));
  const edges = files.flatMap((file) => edgesOf(root, file));
  const deep = edges.map(deepImportProblem).filter((problem): problem is string => problem !== undefined);
  return [...deep, ...folderCycles(edges)];
}
