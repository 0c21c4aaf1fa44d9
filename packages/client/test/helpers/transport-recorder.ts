/**
 * Transport handlers that keep what a transport reports (messages, protocol errors, closes),
 * for the transport unit tests to assert on.
 */
import type { WampMessage } from '@interchange/protocol';
import type { TransportCloseInfo, TransportHandlers } from '../../src/index.js';

export function recorder(): TransportHandlers & {
  messages: WampMessage[];
  errors: Error[];
  closes: TransportCloseInfo[];
} {
  const messages: WampMessage[] = [];
  const errors: Error[] = [];
  const closes: TransportCloseInfo[] = [];
  return {
    messages,
    errors,
    closes,
    onMessage: (m) => void messages.push(m),
    onProtocolError: (e) => void errors.push(e),
    onClose: (i) => void closes.push(i),
  };
}
