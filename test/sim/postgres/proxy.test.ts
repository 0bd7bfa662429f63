import { createConnection, createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultDecision } from '../../../sim/faults.js';
import { startPgProxy, type PgProxy } from '../../../sim/postgres/proxy.js';

let echo: Server;
let echoPort: number;
let decision: FaultDecision = { delayMs: 0 };
let proxy: PgProxy;

beforeAll(async () => {
  echo = createServer((s) => s.pipe(s));
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  echoPort = (echo.address() as { port: number }).port;
  proxy = await startPgProxy({ host: '127.0.0.1', port: echoPort }, () => decision);
});
afterAll(async () => {
  await proxy.stop();
  await new Promise((resolve) => echo.close(resolve));
});

/** Send `text` through the proxy; resolve with what came back before `waitMs`, or the socket error. */
function roundTrip(text: string, waitMs = 2_000): Promise<{ data: string; error?: string; ms: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let data = '';
    const s = createConnection(proxy.port, '127.0.0.1', () => s.write(text));
    const done = (error?: string) => {
      s.destroy();
      resolve({ data, ms: performance.now() - t0, ...(error ? { error } : {}) });
    };
    s.on('data', (d) => {
      data += d.toString();
      if (data.length >= text.length) done();
    });
    s.on('error', (e: NodeJS.ErrnoException) => done(e.code));
    setTimeout(() => done('no answer'), waitMs);
  });
}

describe('Function: startPgProxy', () => {
  it('forwards both ways without a fault', async () => {
    decision = { delayMs: 0 };
    expect(await roundTrip('hello')).toMatchObject({ data: 'hello' });
  });

  it('resets the connection on refuse', async () => {
    decision = { delayMs: 0, failure: 'refuse' };
    expect(await roundTrip('hello')).toMatchObject({ data: '', error: 'ECONNRESET' });
  });

  it('accepts but never answers on hang', async () => {
    decision = { delayMs: 0, failure: 'hang' };
    expect(await roundTrip('hello', 300)).toMatchObject({ data: '', error: 'no answer' });
  });

  it('holds back server data by the latency, in order', async () => {
    decision = { delayMs: 120 };
    const r = await roundTrip('abcdefgh');
    expect(r.data).toBe('abcdefgh');
    expect(r.ms).toBeGreaterThanOrEqual(110);
  });
});
