import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A twin's server listening on loopback. */
export interface LocalListener {
  port: number;
  /** Stop accepting and destroy every connection, hung requests and unfinished TLS handshakes included. */
  close(): Promise<void>;
}

/**
 * Listen on 127.0.0.1 at a free port and track every TCP connection from the start (`closeAllConnections`
 * alone misses a TLS connection whose handshake the server has not finished yet).
 */
export async function listenLocal(server: Server): Promise<LocalListener> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await closed;
    },
  };
}
