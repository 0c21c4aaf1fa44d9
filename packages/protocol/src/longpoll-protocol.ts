/**
 * WAMP-over-Longpoll (spec: advanced profile "HTTP Longpoll Transport"), sans-IO: the JSON of
 * the `open` request and its answer, the choice of protocol, and the URL layout below a
 * long-poll base URL (`/open`, `/<transport>/send`, `/<transport>/receive`, `/<transport>/close`).
 * The bodies of `send` and `receive` are frames of the agreed serializer, batched forms included.
 */
import { ProtocolViolationError } from './errors.js';

/** The protocols a long-poll transport may agree on (spec: "Opening a Session"). */
export const LONGPOLL_PROTOCOLS = [
  'wamp.2.json.batched',
  'wamp.2.json',
  'wamp.2.msgpack.batched',
  'wamp.2.msgpack',
  'wamp.2.cbor.batched',
  'wamp.2.cbor',
] as const;

/** The operations on an open transport, each a path segment after the transport ID. */
export const LONGPOLL_OPERATIONS = ['send', 'receive', 'close'] as const;
/** One of {@link LONGPOLL_OPERATIONS}. */
export type LongPollOperation = (typeof LONGPOLL_OPERATIONS)[number];

/** The body of a POST to `<base>/open`. */
export interface LongPollOpenRequest {
  /** Protocols the client speaks, in its order of preference. */
  protocols: string[];
}

/** The answer to `open`: the new transport's ID and the protocol chosen. */
export interface LongPollOpenResponse {
  transport: string;
  protocol: string;
}

/**
 * Parses the body of an `open` request.
 * @throws ProtocolViolationError when it is not a JSON object with a list of strings `protocols`.
 * @example
 * parseLongPollOpenRequest('{"protocols": ["wamp.2.json"]}'); // { protocols: ['wamp.2.json'] }
 */
export function parseLongPollOpenRequest(body: string): LongPollOpenRequest {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (cause) {
    throw new ProtocolViolationError('long-poll open request body is not valid JSON', { field: 'body', cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProtocolViolationError('long-poll open request body must be a JSON object', { field: 'body' });
  }
  const protocols = (value as { protocols?: unknown }).protocols;
  if (!Array.isArray(protocols) || !protocols.every((p): p is string => typeof p === 'string')) {
    throw new ProtocolViolationError("long-poll open request needs 'protocols', a list of strings", {
      field: 'protocols',
    });
  }
  return { protocols };
}

/**
 * The protocol to speak: the client's first offer that the server accepts, or `undefined` when
 * there is none (the server then fails the request).
 */
export function chooseLongPollProtocol(offered: readonly string[], accepted: readonly string[]): string | undefined {
  return offered.find((protocol) => accepted.includes(protocol));
}

/** Encodes the answer to `open`. */
export function encodeLongPollOpenResponse(response: LongPollOpenResponse): string {
  return JSON.stringify({ transport: response.transport, protocol: response.protocol });
}

/**
 * Parses the answer to `open` (client side).
 * @throws ProtocolViolationError when it lacks `transport` or `protocol`.
 */
export function parseLongPollOpenResponse(body: string): LongPollOpenResponse {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (cause) {
    throw new ProtocolViolationError('long-poll open response is not valid JSON', { field: 'body', cause });
  }
  const { transport, protocol } = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (typeof transport !== 'string' || transport === '' || typeof protocol !== 'string') {
    throw new ProtocolViolationError("long-poll open response needs strings 'transport' and 'protocol'", {
      field: 'body',
    });
  }
  return { transport, protocol };
}

/** What a request path below the base URL addresses. */
export type LongPollTarget =
  | { kind: 'root' }
  | { kind: 'open' }
  | { kind: 'transport'; transport: string }
  | { kind: 'operation'; transport: string; operation: LongPollOperation };

/** Transport IDs are tokens of URL-safe characters. */
const TRANSPORT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Parses the part of a request path below the long-poll base URL (`''`, `/open`,
 * `/<transport>`, `/<transport>/<operation>`, a trailing slash allowed); `undefined` for any
 * other path.
 *
 * @example
 * parseLongPollPath('/kjmd3sBLOUnb3Fyr/send'); // { kind: 'operation', transport: 'kjmd3sBLOUnb3Fyr', operation: 'send' }
 */
export function parseLongPollPath(subPath: string): LongPollTarget | undefined {
  const segments = subPath.split('/').filter((s, i, all) => !(s === '' && (i === 0 || i === all.length - 1)));
  if (segments.length === 0) return { kind: 'root' };
  const [first, second] = segments;
  if (segments.length === 1 && first === 'open') return { kind: 'open' };
  if (first === undefined || !TRANSPORT_ID.test(first)) return undefined;
  if (segments.length === 1) return { kind: 'transport', transport: first };
  if (segments.length === 2 && (LONGPOLL_OPERATIONS as readonly string[]).includes(second as string)) {
    return { kind: 'operation', transport: first, operation: second as LongPollOperation };
  }
  return undefined;
}

/**
 * The URLs of an open transport, for clients.
 * @example
 * longPollUrls('http://h/lp', 'abc').send; // 'http://h/lp/abc/send'
 */
export function longPollUrls(baseUrl: string, transport: string): Record<LongPollOperation, string> {
  const base = `${baseUrl.replace(/\/+$/, '')}/${encodeURIComponent(transport)}`;
  return { send: `${base}/send`, receive: `${base}/receive`, close: `${base}/close` };
}
