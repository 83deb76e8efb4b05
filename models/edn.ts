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

const closers: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', b: '\b', f: '\f' };
const namedCharacters: Record<string, string> = { newline: '\n', space: ' ', tab: '\t', return: '\r', backspace: '\b', formfeed: '\f' };
const integerPattern = /^[+-]?\d+N?$/;
const floatPattern = /^[+-]?\d+(\.\d*)?([eE][+-]?\d+)?M?$/;

// The reader walks character codes, not one-character strings: a Porcupine kv log of 300 KB then reads
// in a few milliseconds instead of tens (its strings are copied a run at a time, not a character).
const newline = 0x0a;
const quote = 0x22;
const backslash = 0x5c;
/** 1 for the ASCII characters that end a token: whitespace, comma, comment, brackets and quote. */
const delimiterCodes = new Uint8Array(128);
for (const character of ' \t\n\r,;()[]{}"') delimiterCodes[character.charCodeAt(0)] = 1;
/** 1 for what skipSpace passes over: whitespace and commas. */
const spaceCodes = new Uint8Array(128);
for (const character of ' \t\r,') spaceCodes[character.charCodeAt(0)] = 1;

/**
 * What every map read inherits: nothing. Maps made from it keep V8's fast layout (an object made with
 * Object.create(null) does not), and a key such as "__proto__" or "constructor" stays a plain own key.
 */
const mapPrototype: object = Object.freeze(Object.create(null) as object);

/** Collections nested deeper than this keep no line: only a history's records (depth 0 or 1) report one. */
const linesDepthMax = 1;

class Reader {
  private position = 0;
  private line: number;
  private depth = 0;
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
    const length = text.length;
    let position = this.position;
    while (position < length) {
      const code = text.charCodeAt(position);
      if (code === newline) {
        this.line += 1;
        position += 1;
      } else if (code < 128 && spaceCodes[code] === 1) {
        position += 1;
      } else if (code === 0x3b) {
        const end = text.indexOf('\n', position);
        position = end === -1 ? length : end;
      } else {
        this.position = position;
        return true;
      }
    }
    this.position = position;
    return false;
  }

  readForm(): EdnValue {
    if (!this.skipSpace()) this.fail('unexpected end of input');
    const character = this.text[this.position] as string;
    if (character === '{' || character === '[' || character === '(') return this.readCollection(character);
    if (character === ')' || character === ']' || character === '}') this.fail(`unexpected '${character}'`);
    if (character === '"') return this.readString();
    if (character === '#') return this.readDispatch();
    if (character === '\\') return this.readCharacter();
    return this.readAtom();
  }

  private readCollection(opener: string, asSet = false): EdnValue {
    const closer = closers[opener] as string;
    const closerCode = closer.charCodeAt(0);
    const startLine = this.line;
    const depth = this.depth;
    this.position += 1;
    this.depth += 1;
    const items: EdnValue[] = [];
    for (;;) {
      if (!this.skipSpace()) this.fail(`'${opener}' opened on line ${startLine} is never closed`);
      if (this.text.charCodeAt(this.position) === closerCode) break;
      items.push(this.readForm());
    }
    this.position += 1;
    this.depth = depth;
    if (opener !== '{' || asSet) {
      if (depth <= linesDepthMax) this.lines.set(items, startLine);
      return items;
    }
    if (items.length % 2 !== 0) this.fail(`the map opened on line ${startLine} has an odd number of forms`);
    const map = Object.create(mapPrototype) as EdnMap;
    for (let item = 0; item < items.length; item += 2) {
      map[mapKey(items[item] as EdnValue)] = items[item + 1] as EdnValue;
    }
    if (depth <= linesDepthMax) this.lines.set(map, startLine);
    return map;
  }

  private readString(): string {
    const text = this.text;
    const startLine = this.line;
    let result = '';
    let position = this.position + 1;
    let runStart = position;
    for (;;) {
      if (position >= text.length) {
        this.position = position;
        this.fail(`the string opened on line ${startLine} is never closed`);
      }
      const code = text.charCodeAt(position);
      if (code === quote) {
        this.position = position + 1;
        return result + text.slice(runStart, position);
      }
      if (code === newline) this.line += 1;
      if (code !== backslash) {
        position += 1;
        continue;
      }
      result += text.slice(runStart, position);
      const escaped = text[position + 1] ?? '';
      position += 2;
      if (escaped === 'u') {
        const hex = text.slice(position, position + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail(`bad unicode escape '\\u${hex}'`);
        result += String.fromCharCode(parseInt(hex, 16));
        position += 4;
      } else if (escaped in escapes) {
        result += escapes[escaped];
      } else {
        this.fail(`unknown escape '\\${escaped}'`);
      }
      runStart = position;
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
    const text = this.text;
    const start = this.position;
    let position = start;
    for (; position < text.length; position += 1) {
      const code = text.charCodeAt(position);
      if (code < 128 && delimiterCodes[code] === 1) break;
    }
    this.position = position;
    return text.slice(start, position);
  }

  private readAtom(): EdnValue {
    const token = this.readToken();
    // Keywords first: they are most of a history's tokens.
    if (token.charCodeAt(0) === 0x3a) {
      if (token.length === 1) this.fail("a lone ':'");
      return token.slice(1);
    }
    if (token === 'nil') return null;
    if (token === 'true') return true;
    if (token === 'false') return false;
    if (integerPattern.test(token)) {
      const integer = Number(token.endsWith('N') ? token.slice(0, -1) : token);
      // A double holds every integer only up to 2^53: beyond, two different values could compare equal.
      if (!Number.isSafeInteger(integer)) throw new HistoryError(this.line, `the integer ${token} is beyond 2^53, where a double no longer holds every integer exactly; faultline refuses it rather than compare rounded values`);
      return integer;
    }
    if (floatPattern.test(token)) return Number(token.endsWith('M') ? token.slice(0, -1) : token);
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
