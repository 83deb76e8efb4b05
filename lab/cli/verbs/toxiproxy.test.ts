// `faultline toxiproxy` checks where it listens as `faultline node` does: a port in use or a host off
// loopback is one line and exit 64, not a stack trace.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { captureOutput } from '../_testing/capture-output.js';
import { exitCode } from '../exit.js';
import { main } from '../main.js';

const output = captureOutput();

describe('faultline toxiproxy on bad addresses', () => {
  it('says a port in use in one line, exit 64', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      expect(await main(['toxiproxy', '--port', String(port)])).toBe(exitCode.usage);
      expect(output.stderr.trim().split('\n')).toEqual([`faultline toxiproxy: address 127.0.0.1:${port} is in use`]);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('refuses a host off loopback in one line, exit 64', async () => {
    expect(await main(['toxiproxy', '--host', '0.0.0.0', '--port', '0'])).toBe(exitCode.usage);
    expect(output.stderr.trim().split('\n')).toHaveLength(1);
    expect(output.stderr).toMatch(/127\.0\.0\.1:PORT or localhost:PORT/);
  });
});
