// The files `faultline check` reads: FILE... and DIR (with --recursive, its subfolders too), and one
// history file read into events, with binary and unreadable files told apart from malformed ones.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { detectFormat, isHistoryError, parseHistory } from '../../models/index.js';
import type { FormatChoice, History, HistoryFormat } from '../../models/index.js';
import { CliError, dataError, usageError } from './exit.js';

/** What a folder's history files are called; other files in it (plan.json, report.html) are left alone. */
export const historyExtensions: readonly string[] = ['.jsonl', '.edn', '.log', '.txt'];
/** Files of a run's artifacts that are not histories though their extension says so. */
const notHistories: ReadonlySet<string> = new Set(['trace.jsonl']);
/** How much of a file is looked at for NUL bytes, the mark of a binary file. */
const binaryProbeBytes = 8192;

export interface Input {
  file: string;
  /** Set when the path could not be listed or read as a history. */
  error?: CliError;
}

function listFolder(folder: string, recursive: boolean): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) {
      if (recursive) found.push(...listFolder(path, recursive));
    } else if (historyExtensions.includes(extname(entry.name)) && !notHistories.has(entry.name)) {
      found.push(path);
    }
  }
  return found;
}

/** Expands FILE... and DIR into files, in the order given (a folder's files by name). */
export function expandInputs(paths: readonly string[], recursive: boolean): Input[] {
  const inputs: Input[] = [];
  for (const path of paths) {
    let isFolder: boolean;
    try {
      isFolder = statSync(path).isDirectory();
    } catch (error) {
      inputs.push({ file: path, error: usageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`) });
      continue;
    }
    if (!isFolder) {
      inputs.push({ file: path });
      continue;
    }
    const files = listFolder(path, recursive);
    if (files.length === 0) {
      const hint = recursive ? '' : ' (add --recursive to look in its subfolders)';
      inputs.push({ file: path, error: dataError(`${path}: no history files (${historyExtensions.join(', ')}) in this folder${hint}`) });
    }
    inputs.push(...files.map((file) => ({ file })));
  }
  return inputs;
}

/** Reads one history; throws CliError: usage (64) when it cannot be read, data (65) when it is not a history. */
export function readHistoryFile(file: string, format: FormatChoice): { history: History; format: HistoryFormat } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw usageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  if (bytes.subarray(0, binaryProbeBytes).includes(0)) throw dataError(`${file}: a binary file, not a history`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw dataError(`${file}: not UTF-8 text, so not a history`);
  }
  let parsed: { history: History; format: HistoryFormat };
  try {
    const resolved = format === 'auto' ? detectFormat(text) : format;
    parsed = { history: parseHistory(text, resolved), format: resolved };
  } catch (error) {
    if (isHistoryError(error)) throw dataError(`${file}: ${error.message}`);
    throw error;
  }
  if (parsed.history.length === 0 && !holdsRecords(text, parsed.format)) throw dataError(`${file}: ${nothingToCheck(text, parsed.format)}`);
  return parsed;
}

/**
 * Whether the text held records though no event was kept: then every record was the nemesis's (the
 * readers refuse anything else that is not an event), a history in which no client ran, which Knossos
 * decides valid (its data has one). An empty file, or one in which nothing is in the format, is bad
 * data instead: a Porcupine etcd log skips lines that are not Jepsen's, so garbage read as one would
 * otherwise check ok.
 */
function holdsRecords(text: string, format: HistoryFormat): boolean {
  if (format === 'porcupine-etcd') return text.includes('jepsen.util');
  if (format === 'jsonl') return text.trim() !== '';
  return text.includes('{');
}

function nothingToCheck(text: string, format: HistoryFormat): string {
  if (text.trim() === '') return 'an empty file: no operations to check';
  if (format === 'porcupine-etcd') return "no line reads 'INFO jepsen.util - PROCESS :TYPE :F VALUE', so nothing in it is a Porcupine etcd log";
  return `no operations to check (read as ${format}: nothing in it but comments or an empty list)`;
}
