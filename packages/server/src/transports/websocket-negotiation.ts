/**
 * WebSocket subprotocol negotiation (spec: basic profile "WebSocket Transport"; RFC 6455 section
 * 4.2.2). WAMP requires the subprotocol: a handshake that offers none we speak is refused with
 * HTTP 400 and a JSON body naming what we accept, never silently downgraded to a default.
 */
import { type SerializerName, SUBPROTOCOLS } from '@interchange/protocol';
import type { ErrorBody } from '../web/http-responses.js';

/** The serializers a WebSocket service offers when its config names none. */
export const DEFAULT_SERIALIZERS: readonly SerializerName[] = ['json', 'msgpack', 'cbor'];

/**
 * The subprotocols a service accepts: each configured serializer, plain and `.batched`, in the
 * protocol package's order of preference.
 *
 * @example
 * acceptedSubprotocols(['json']); // ['wamp.2.json', 'wamp.2.json.batched']
 */
export function acceptedSubprotocols(serializers: readonly SerializerName[] = DEFAULT_SERIALIZERS): string[] {
  return SUBPROTOCOLS.filter((subprotocol) => serializers.some((name) => subprotocol.startsWith(`wamp.2.${name}`)));
}

/** Splits a `Sec-WebSocket-Protocol` header (possibly repeated) into tokens. */
export function parseOfferedSubprotocols(header: string | string[] | undefined): string[] {
  if (header === undefined) return [];
  const text = Array.isArray(header) ? header.join(',') : header;
  return text
    .split(',')
    .map((token) => token.trim())
    .filter((token) => token.length > 0);
}

/** The outcome of {@link negotiateSubprotocol}. */
export type Negotiation = { ok: true; subprotocol: string } | { ok: false; body: ErrorBody };

/**
 * Picks the subprotocol of a handshake: the first of the client's offers (the client lists them
 * in its order of preference, RFC 6455 section 1.9) that the service accepts.
 */
export function negotiateSubprotocol(offered: readonly string[], accepted: readonly string[]): Negotiation {
  const subprotocol = offered.find((token) => accepted.includes(token));
  if (subprotocol !== undefined) return { ok: true, subprotocol };
  const error =
    offered.length === 0
      ? 'no WebSocket subprotocol offered; WAMP requires one (Sec-WebSocket-Protocol)'
      : `none of the offered WebSocket subprotocols is supported: ${offered.join(', ')}`;
  return { ok: false, body: { error, supported: [...accepted] } };
}
