/**
 * A listener's bound on its open connections in all (`endpoint.max_connections`,
 * docs/security.md): the per-address bound (connections-per-address.ts) stops one host, this
 * stops many hosts together from taking every file descriptor of the process. Node's own
 * `server.maxConnections` enforces it: past it, a new connection is closed at once, before any TLS
 * or protocol work. The bound is logged once, then again only after the listener has admitted a
 * connection since.
 */
import type { Server } from 'node:net';
import type { Logger } from '../logger.js';

/** Connections a listener may hold open, by default: above what one node serves (BENCHMARKS.md). */
export const DEFAULT_MAX_CONNECTIONS = 100_000;

/** Applies `max` (0: no bound) to `server`; returns a counter of the connections refused. */
export function boundConnections(server: Server, max: number, logger: Logger, where: string): { refused: number } {
  const counter = { refused: 0 };
  if (max <= 0) return counter;
  server.maxConnections = max;
  let logged = false;
  server.on('connection', () => {
    logged = false;
  });
  server.on('drop', (data) => {
    counter.refused++;
    if (logged) return;
    logged = true;
    logger.warn(
      { peer: data?.remoteAddress, listener: where, limit: 'endpoint.max_connections', bound: max },
      'listener at its connection bound; refusing new connections (logged once until one is admitted)',
    );
  });
  return counter;
}
