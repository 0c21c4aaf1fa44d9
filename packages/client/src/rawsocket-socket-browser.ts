/**
 * The browser's stand-in for `rawsocket-socket.ts` (swapped in by the package's `browser` field):
 * browsers cannot open TCP or Unix sockets, so RawSocket is unavailable and asking for it fails
 * with a `TransportError` that says what to use instead. It has no `node:*` import at all.
 */
import { TransportError } from '@interchange/protocol';
import { RAWSOCKET_UNAVAILABLE, type RawSocketConnector } from './rawsocket-target.js';

/** Always false in a browser. */
export function rawSocketAvailable(): boolean {
  return false;
}

/** Rejects: browsers have no TCP or Unix sockets. */
export const connectNodeSocket: RawSocketConnector = async () => {
  throw new TransportError(RAWSOCKET_UNAVAILABLE);
};
