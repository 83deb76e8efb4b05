// The `faultline node` flag values: what parses, and what is refused with a reason.
import { describe, expect, it } from 'vitest';
import { parseNodeArgs } from '../../cli/index.js';
import { ConfigError, dedupWindowMsDefault, outboxBytesMaxDefault, outboxRowsMaxDefault, parseAccounts, parseListen, parsePeers } from './config.js';

describe('node config', () => {
  it('listens on the IPv4 loopback only', () => {
    expect(parseListen('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseListen('localhost:7001')).toEqual({ host: '127.0.0.1', port: 7001 });
    for (const text of ['0.0.0.0:7001', '10.0.0.1:7001', '127.0.0.1', '127.0.0.1:70000', ':7001']) {
      expect(() => parseListen(text), text).toThrow(ConfigError);
    }
  });

  it('reads peers as id=host:port and refuses itself, repeats and junk', () => {
    expect(parsePeers('b2=127.0.0.1:7002,b3=127.0.0.1:7003', 'b1')).toEqual([
      { id: 'b2', address: '127.0.0.1:7002' }, { id: 'b3', address: '127.0.0.1:7003' },
    ]);
    expect(parsePeers('', 'b1')).toEqual([]);
    for (const text of ['b1=127.0.0.1:7001', 'b2=127.0.0.1:1,b2=127.0.0.1:2', 'b2:7002', 'B2=127.0.0.1:7002', 'b2=127.0.0.1:0']) {
      expect(() => parsePeers(text, 'b1'), text).toThrow(ConfigError);
    }
  });

  it('reads accounts as whole cents and refuses the rest', () => {
    expect(parseAccounts('a1=100,a2=0')).toEqual([{ account: 'a1', balance: 100 }, { account: 'a2', balance: 0 }]);
    for (const text of ['a1=-1', 'a1=1.5', 'a1', 'a1=1,a1=2', '=5']) {
      expect(() => parseAccounts(text), text).toThrow(ConfigError);
    }
  });

  it('takes the propagation limits as whole numbers in range, with defaults', () => {
    const base = ['--id', 'b1', '--listen', '127.0.0.1:0', '--strategy', 'lock', '--data-dir', '/tmp/unused'];
    expect(parseNodeArgs(base)).toMatchObject({ config: { dedupWindowMs: dedupWindowMsDefault, outboxRowsMax: outboxRowsMaxDefault, outboxBytesMax: outboxBytesMaxDefault } });
    expect(parseNodeArgs([...base, '--dedup-window-ms', '60000', '--outbox-max', '3', '--outbox-bytes-max', '150']))
      .toMatchObject({ config: { dedupWindowMs: 60_000, outboxRowsMax: 3, outboxBytesMax: 150 } });
    for (const flags of [['--dedup-window-ms', '10'], ['--outbox-max', '0'], ['--outbox-bytes-max', 'lots']]) {
      expect(() => parseNodeArgs([...base, ...flags]), flags.join(' ')).toThrow(/must be from|whole number/);
    }
  });

  it('syncs SQLite as normal unless told full, and refuses anything else', () => {
    const base = ['--id', 'b1', '--listen', '127.0.0.1:0', '--strategy', 'lock', '--data-dir', '/tmp/unused'];
    expect(parseNodeArgs(base)).toMatchObject({ config: { synchronous: 'normal' }, peersFromStdin: false });
    expect(parseNodeArgs([...base, '--synchronous', 'full'])).toMatchObject({ config: { synchronous: 'full' } });
    expect(() => parseNodeArgs([...base, '--synchronous', 'off'])).toThrow(/synchronous/);
  });
});
