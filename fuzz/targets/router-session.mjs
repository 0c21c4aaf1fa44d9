/**
 * Fuzz target: the router session (packages/router/src/session/router-session.ts and the broker, dealer
 * and meta API behind it) fed decoded messages, as a transport feeds it whatever a peer sends
 * once the decoders have accepted it.
 *
 * The first byte picks the serializer of a batched frame; the rest is the frame. Its messages go,
 * in order, to session A, joined to realm1 with every role. Session B, a bystander on the same
 * realm, has registered `com.fuzz.proc` (it yields what it is invoked with) and subscribed to the
 * prefix `com.fuzz`. Asserted: the router never throws; every message it sends to either session
 * is a valid WAMP message (it survives the codec's own validation); nothing is sent to a closed
 * session; once A's transport closes, B is still served (its call answered, its publication
 * acknowledged) and, once B leaves too, no session is left.
 */
import { createSerializer, messageFromArray, messageToArray, ProtocolViolationError } from '@interchange/protocol';
import { Router } from '@interchange/router';
import { check, expectOnly } from './invariants.mjs';

const SERIALIZERS = ['json', 'msgpack', 'cbor'].map((name) => createSerializer(name, { batched: true }));
const ROLES = { caller: {}, callee: {}, publisher: {}, subscriber: {} };

/** Timers never fire: the target runs no clock, and a session's end must not wait for one. */
const clock = { now: () => 0, setTimeout: () => ({}), clearTimeout: () => {} };

class Peer {
  info = { type: 'memory', serializer: 'json', peer: 'memory:fuzz' };
  sent = [];
  closed = false;
  onSend = () => {};

  send(message) {
    check(!this.closed, `the router sent ${message.type} to a closed session`);
    let array;
    try {
      array = messageToArray(message);
      messageFromArray(JSON.parse(JSON.stringify(array, (_k, v) => (v instanceof Uint8Array ? [...v] : v))));
    } catch (error) {
      // Bytes become arrays of numbers above, which a few fields may refuse: only the encoder
      // failing outright on the router's own message is a finding.
      if (array === undefined) throw error;
      expectOnly(error, ProtocolViolationError);
    }
    this.sent.push(message);
    this.onSend(message);
  }

  close() {
    this.closed = true;
  }
}

/** Lets the router finish what it answers asynchronously (the meta API, authorization). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

export async function fuzz(data) {
  const serializer = SERIALIZERS[(data[0] ?? 0) % SERIALIZERS.length];
  let messages;
  try {
    messages = serializer.decode(Buffer.from(data.subarray(1)));
  } catch (error) {
    expectOnly(error, ProtocolViolationError);
    return;
  }
  const router = new Router({ realms: [{ name: 'realm1' }], clock });
  const bystander = new Peer();
  const b = router.connect(bystander);
  bystander.onSend = (message) => {
    if (message.type === 'INVOCATION') {
      b.receive({ type: 'YIELD', requestId: message.requestId, options: {}, args: message.args ?? [] });
    }
  };
  b.receive({ type: 'HELLO', realm: 'realm1', details: { roles: ROLES } });
  b.receive({ type: 'REGISTER', requestId: 1, options: {}, procedure: 'com.fuzz.proc' });
  b.receive({ type: 'SUBSCRIBE', requestId: 2, options: { match: 'prefix' }, topic: 'com.fuzz' });
  check(bystander.sent.map((m) => m.type).join() === 'WELCOME,REGISTERED,SUBSCRIBED', 'the bystander could not join');

  const peer = new Peer();
  const a = router.connect(peer);
  a.receive({ type: 'HELLO', realm: 'realm1', details: { roles: ROLES } });
  for (const message of messages) {
    if (peer.closed) break;
    a.receive(message);
  }
  await settle();
  a.transportClosed();

  const before = bystander.sent.length;
  b.receive({ type: 'CALL', requestId: 1001, options: {}, procedure: 'com.fuzz.proc', args: ['still here'] });
  b.receive({ type: 'PUBLISH', requestId: 1002, options: { acknowledge: true }, topic: 'com.other', args: [] });
  await settle();
  const replies = bystander.sent.slice(before);
  check(
    replies.some((m) => m.type === 'RESULT' && m.requestId === 1001 && m.args?.[0] === 'still here'),
    `the bystander's call was not answered: ${replies.map((m) => m.type).join()}`,
  );
  check(
    replies.some((m) => m.type === 'PUBLISHED' && m.requestId === 1002),
    "the bystander's publication was not acknowledged",
  );
  b.transportClosed();
  check(router.sessionCount === 0, `${router.sessionCount} sessions left after both closed`);
}
