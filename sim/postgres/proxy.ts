import { createConnection, createServer, type Socket } from 'node:net';
import type { FaultDecision } from '../faults.js';

/** A TCP proxy in front of the sim's PostgreSQL server, where connection faults apply. */
export interface PgProxy {
  port: number;
  /** Round trips seen so far: server answers that follow a client message (all connections). */
  readonly turns: number;
  stop(): Promise<void>;
}

/**
 * Forward 127.0.0.1:<random port> to `target`. `decide` runs once per connection:
 * `refuse` (and throttle/error5xx/accessDenied) resets the connection, `hang` accepts and never
 * answers, `malformed` answers garbage, and a delay holds back every server→client chunk, which adds
 * about `delayMs` to every round trip.
 */
export async function startPgProxy(
  target: { host: string; port: number },
  decide: () => FaultDecision,
): Promise<PgProxy> {
  const sockets = new Set<Socket>();
  let turns = 0;
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const server = createServer((client) => {
    track(client);
    const { delayMs, failure } = decide();
    if (failure === 'hang') return;
    if (failure === 'malformed') {
      client.end('Z\u0000garbage');
      return;
    }
    if (failure) {
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection(target);
    track(upstream);
    client.pipe(upstream);
    let clientSpokeLast = false;
    client.on('data', () => {
      clientSpokeLast = true;
    });
    upstream.on('data', () => {
      if (clientSpokeLast) turns += 1;
      clientSpokeLast = false;
    });
    if (delayMs > 0) {
      // Equal delays fire in scheduling order, so chunks stay ordered.
      upstream.on('data', (chunk: Buffer) => setTimeout(() => client.write(chunk), delayMs));
      upstream.on('end', () => setTimeout(() => client.end(), delayMs));
    } else {
      upstream.pipe(client);
    }
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('proxy has no TCP address');
  return {
    port: address.port,
    get turns() {
      return turns;
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
