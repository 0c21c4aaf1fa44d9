/**
 * A node of several processes (`start --workers N`, or router workers that each run as a process)
 * is stopped as a whole when code in one of them calls the controller's `crossbar.shutdown`
 * (components/node-controller-api.ts): that worker process tells the primary over the cluster
 * IPC channel before it stops, and the primary stops the others and exits with code 0, where an
 * unannounced worker exit fails the node.
 */

const SHUTDOWN = 'interchange:node-shutdown';

/** In a worker process: asks the primary to stop the whole node. */
export function requestNodeShutdown(): void {
  process.send?.({ type: SHUTDOWN });
}

/** In the primary: whether a worker's message is that request. */
export function isNodeShutdownRequest(message: unknown): boolean {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === SHUTDOWN;
}
