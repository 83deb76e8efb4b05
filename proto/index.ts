// proto: its one public face; other folders import from here.
export * from './gen/bank.js';
