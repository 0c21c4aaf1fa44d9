/**
 * Fuzz target: what the long-poll transport makes of a request (packages/server/src/transports/
 * longpoll-service.ts and longpoll-transport.ts): the path below the base URL
 * (parseLongPollPath), the body of an `open` request (parseLongPollOpenRequest, then the
 * protocol chosen from the offer), and the body of a `send` request (the frame cache picked for
 * the first frame, as answerInKind does, then the serializer's decode).
 *
 * The first byte picks which of the three and, for `send`, the protocol; the rest is the path or
 * the body. Asserted: each answers or throws a ProtocolViolationError (the service turns it into
 * a 400 or an ABORT); a path is accepted only in one of its four shapes with a token transport ID;
 * an open offer yields a protocol only from those accepted.
 */
import {
  chooseLongPollProtocol,
  LONGPOLL_OPERATIONS,
  LONGPOLL_PROTOCOLS,
  ProtocolViolationError,
  parseLongPollOpenRequest,
  parseLongPollPath,
} from '@interchange/protocol';
import { FrameCachePool } from '../../packages/server/dist/transports/frame-cache.js';
import { check, expectOnly } from './invariants.mjs';

const TOKEN = /^[A-Za-z0-9_-]{1,64}$/;
const caches = new FrameCachePool();

function path(text) {
  const target = parseLongPollPath(text);
  if (target === undefined) return;
  switch (target.kind) {
    case 'root':
    case 'open':
      return;
    case 'operation':
      check(LONGPOLL_OPERATIONS.includes(target.operation), `operation ${target.operation} accepted`);
      check(TOKEN.test(target.transport), `transport ID ${JSON.stringify(target.transport)} accepted`);
      return;
    case 'transport':
      check(TOKEN.test(target.transport), `transport ID ${JSON.stringify(target.transport)} accepted`);
      return;
    default:
      check(false, `unknown target kind ${target.kind}`);
  }
}

function open(text) {
  let protocols;
  try {
    protocols = parseLongPollOpenRequest(text).protocols;
  } catch (error) {
    expectOnly(error, ProtocolViolationError);
    return;
  }
  check(Array.isArray(protocols) && protocols.every((p) => typeof p === 'string'), 'protocols is a list of strings');
  const chosen = chooseLongPollProtocol(protocols, LONGPOLL_PROTOCOLS);
  check(chosen === undefined || LONGPOLL_PROTOCOLS.includes(chosen), `protocol ${chosen} chosen`);
  if (chosen !== undefined) check(caches.forSubprotocol(chosen) !== undefined, `no frame cache for ${chosen}`);
}

function send(protocol, body) {
  const cache = caches.answerInKind(caches.forSubprotocol(protocol), body);
  check(cache.serializer.subprotocol === protocol, `answered in ${cache.serializer.subprotocol}, not ${protocol}`);
  try {
    const messages = cache.serializer.decode(body);
    check(messages.length > 0, 'a body decodes to at least one message');
  } catch (error) {
    expectOnly(error, ProtocolViolationError);
  }
}

export function fuzz(data) {
  const first = data[0] ?? 0;
  const rest = Buffer.from(data.subarray(1));
  switch (first % 3) {
    case 0:
      return path(rest.toString('latin1'));
    case 1:
      return open(rest.toString('utf8'));
    default:
      return send(LONGPOLL_PROTOCOLS[(first >> 2) % LONGPOLL_PROTOCOLS.length], rest);
  }
}
