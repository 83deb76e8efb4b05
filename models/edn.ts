// A small EDN reader, enough for Jepsen and Knossos histories: maps, vectors, lists, sets, keywords,
// strings, numbers, nil, booleans, `;` comments, `#_` discards and tagged literals such as
// `#jepsen.history.Op{...}` (the tag is dropped). Keywords and symbols read as plain strings.
import { HistoryError } from './errors.js';

export type EdnValue = null | boolean | number | string | EdnValue[] | EdnMap;
export interface EdnMap {
  [key: string]: EdnValue;
}

export interface EdnForms {
  forms: EdnValue[];
  /** The line where each map, vector, list or set began. */
  lines: Map<object, number>;
}

const delimiters = new Set([' ', '\t', '\n', '\r', ',', ';', '(', ')', '[', ']', '{', '}', '"']);
const closers: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', b: '\b', f: '\f' };
const namedCharacters: Record<string, string> = { newline: '\n', space: ' ', tab: '\t', return: '\r', backspace: '\b', formfeed: '\f' };
const integerPattern = /^[+-]?\d+N?$/;
const floatPattern = /^[+-]?\d+(\.\d*)?([eE][+-]?\d+)?M?$/;

class Reader {
  private position = 0;
  private line: number;
  readonly lines = new Map<object, number>();

  constructor(private readonly text: string, firstLine: number) {
    this.line = firstLine;
  }

  fail(detail: string): never {
    throw new HistoryError(this.line, `malformed EDN: ${detail}`);
  }

  /** Skips whitespace, commas and comments; returns false at the end of the text. */
  skipSpace(): boolean {
    const text = this.text;
    while (this.position < text.length) {
      const character = text[this.position];
      if (character === '\n') {
        this.line += 1;
        this.position += 1;
      } else if (character === ' ' || character === '\t' || character === '\r' || character === ',') {
        this.position += 1;
      } else if (character === ';') {
        while (this.position < text.length && text[this.position] !== '\n') this.position += 1;
      } else {
        return true;
      }
    }
    return false;
  }

  readForm(): EdnValue {
    if (!this.skipSpace()) this.fail('unexpected end of input');
    const character = this.text[this.position] as string;
    if (character in closers) return this.readCollection(character);
    if (character === ')' || character === ']' || character === '}') this.fail(`unexpected '${character}'`);
    if (character === '"') return this.readString();
    if (character === '#') return this.readDispatch();
    if (character === '\\') return this.readCharacter();
    return this.readAtom();
  }

  private readCollection(opener: string, asSet = false): EdnValue {
    const closer = closers[opener] as string;
    const startLine = this.line;
    this.position += 1;
    const items: EdnValue[] = [];
    for (;;) {
      if (!this.skipSpace()) this.fail(`'${opener}' opened on line ${startLine} is never closed`);
      if (this.text[this.position] === closer) break;
      items.push(this.readForm());
    }
    this.position += 1;
    if (opener !== '{' || asSet) {
      this.lines.set(items, startLine);
      return items;
    }
    if (items.length % 2 !== 0) this.fail(`the map opened on line ${startLine} has an odd number of forms`);
    const map: EdnMap = Object.create(null) as EdnMap;
    for (let item = 0; item < items.length; item += 2) {
      map[mapKey(items[item] as EdnValue)] = items[item + 1] as EdnValue;
    }
    this.lines.set(map, startLine);
    return map;
  }

  private readString(): string {
    const startLine = this.line;
    let result = '';
    this.position += 1;
    for (;;) {
      if (this.position >= this.text.length) this.fail(`the string opened on line ${startLine} is never closed`);
      const character = this.text[this.position] as string;
      this.position += 1;
      if (character === '"') return result;
      if (character === '\n') this.line += 1;
      if (character !== '\\') {
        result += character;
        continue;
      }
      const escaped = this.text[this.position] ?? '';
      this.position += 1;
      if (escaped === 'u') {
        const hex = this.text.slice(this.position, this.position + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail(`bad unicode escape '\\u${hex}'`);
        result += String.fromCharCode(parseInt(hex, 16));
        this.position += 4;
      } else if (escaped in escapes) {
        result += escapes[escaped];
      } else {
        this.fail(`unknown escape '\\${escaped}'`);
      }
    }
  }

  private readDispatch(): EdnValue {
    const next = this.text[this.position + 1];
    if (next === '{') {
      this.position += 1;
      return this.readCollection('{', true);
    }
    if (next === '_') {
      this.position += 2;
      this.readForm();
      return this.readForm();
    }
    // A tagged literal: the tag, then the value it tags.
    this.position += 1;
    const tag = this.readToken();
    if (tag === '') this.fail("'#' is followed by nothing readable");
    return this.readForm();
  }

  private readCharacter(): string {
    this.position += 1;
    const token = this.readToken();
    if (token.length === 1) return token;
    const named = namedCharacters[token];
    if (named !== undefined) return named;
    if (/^u[0-9a-fA-F]{4}$/.test(token)) return String.fromCharCode(parseInt(token.slice(1), 16));
    return this.fail(`unknown character '\\${token}'`);
  }

  private readToken(): string {
    const start = this.position;
    while (this.position < this.text.length && !delimiters.has(this.text[this.position] as string)) this.position += 1;
    return this.text.slice(start, this.position);
  }

  private readAtom(): EdnValue {
    const token = this.readToken();
    if (token === 'nil') return null;
    if (token === 'true') return true;
    if (token === 'false') return false;
    if (integerPattern.test(token)) {
      const integer = Number(token.replace(/N$/, ''));
      // A double holds every integer only up to 2^53: beyond, two different values could compare equal.
      if (!Number.isSafeInteger(integer)) throw new HistoryError(this.line, `the integer ${token} is beyond 2^53, where a double no longer holds every integer exactly; faultline refuses it rather than compare rounded values`);
      return integer;
    }
    if (floatPattern.test(token)) return Number(token.replace(/M$/, ''));
    if (token.startsWith(':')) {
      if (token.length === 1) this.fail("a lone ':'");
      return token.slice(1);
    }
    if (token === '') this.fail(`unexpected '${this.text[this.position] ?? ''}'`);
    return token;
  }
}

function mapKey(key: EdnValue): string {
  return typeof key === 'string' ? key : JSON.stringify(key);
}

/** Reads every top-level form of `text`; `firstLine` is the line `text` starts on. */
export function readEdn(text: string, firstLine = 1): EdnForms {
  const reader = new Reader(text, firstLine);
  const forms: EdnValue[] = [];
  while (reader.skipSpace()) forms.push(reader.readForm());
  return { forms, lines: reader.lines };
}

/** Reads exactly one form, as in a value field of a log line. */
export function readEdnValue(text: string, line: number): EdnValue {
  const { forms } = readEdn(text, line);
  if (forms.length !== 1) throw new HistoryError(line, `malformed EDN: expected one value, found ${forms.length} in '${text}'`);
  return forms[0] as EdnValue;
}
