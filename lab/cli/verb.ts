// What every verb module exports as `verb`: main.ts loads a verb's module only when it is called.
export interface Verb {
  summary: string;
  /** The verb's flags, one per line, printed by `faultline <verb> --help`. */
  usage?: string;
  run(argv: string[]): Promise<number>;
}
