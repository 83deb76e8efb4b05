// lab/cli: its one public face; other folders import from here.
export * from './verbs/node.js';
