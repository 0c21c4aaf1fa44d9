/**
 * A TCP proxy on a free port of 127.0.0.1 that holds back what a client sends to its upstream
 * by a fixed delay (order kept): a cluster node connected to NATS through it has a slow path to
 * NATS, as a node in another data center has. The answers come back at once. Cluster tests use
 * it to widen, deterministically, a window that on one machine lasts a fraction of a
 * millisecond: a client that hears from a node before NATS stored what the node wrote acts on
 * another node while the write is still on its way.
 */
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';

export interface SlowLink {
  /** The proxy's URL, `nats://127.0.0.1:<port>`. */
  readonly url: string;
  close(): Promise<void>;
}

/** Starts a proxy to `upstreamPort` that delays every chunk sent upstream by `delayMs`. */
export async function startSlowLink(upstreamPort: number, delayMs: number): Promise<SlowLink> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = tcpConnect(upstreamPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    // Each chunk leaves `delayMs` after it came, never before the one sent ahead of it.
    let last = 0;
    client.on('data', (chunk: Buffer) => {
      const at = Math.max(Date.now() + delayMs, last);
      last = at;
      setTimeout(() => {
        if (!upstream.destroyed) upstream.write(chunk);
      }, at - Date.now());
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!client.destroyed) client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `nats://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
