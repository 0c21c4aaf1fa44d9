/**
 * The WAMP a bench relay speaks (targets/net-relay.mjs, targets/ws-relay.mjs): enough to run
 * every scenario and nothing more, no validation, no features. HELLO, GOODBYE, REGISTER, CALL
 * -> INVOCATION, YIELD -> RESULT, SUBSCRIBE, and PUBLISH -> EVENT with one frame per serializer
 * per publication, shared by every subscriber. The relays differ only in how they read and write
 * WebSocket frames.
 *
 * A connection has `serializer`, `binary`, `send(array)`, `push(frame)`, and the fields
 * {@link newRelayState} gives it.
 */
import { encodePayload } from './wire.mjs';

/** The per-connection fields the routing keeps. */
export function newRelayState() {
  return { calls: new Map(), nextInvocation: 1, subscriptions: [] };
}

/** The tables of one relay process. `frameOf(payload, binary)` builds an outgoing frame. */
export function relayRouter(frameOf) {
  const registrations = new Map(); // procedure -> { conn, id }
  const topics = new Map(); // topic -> { id, subscribers: conn[] }
  let nextGlobalId = 1;

  function receive(conn, m) {
    switch (m[0]) {
      case 1: // HELLO
        conn.send([2, nextGlobalId++, { roles: { broker: {}, dealer: {} } }]);
        break;
      case 6: // GOODBYE
        conn.send([6, {}, 'wamp.close.goodbye_and_out']);
        break;
      case 64: {
        // REGISTER
        const id = nextGlobalId++;
        registrations.set(m[3], { conn, id });
        conn.send([65, m[1], id]);
        break;
      }
      case 48: {
        // CALL -> INVOCATION
        const registration = registrations.get(m[3]);
        if (registration === undefined) {
          conn.send([8, 48, m[1], {}, 'wamp.error.no_such_procedure']);
          break;
        }
        const callee = registration.conn;
        const invocation = callee.state.nextInvocation++;
        callee.state.calls.set(invocation, { caller: conn, requestId: m[1] });
        const message = [68, invocation, registration.id, {}];
        for (let i = 4; i < m.length; i++) message.push(m[i]);
        callee.send(message);
        break;
      }
      case 70: {
        // YIELD -> RESULT
        const call = conn.state.calls.get(m[1]);
        if (call === undefined) break;
        conn.state.calls.delete(m[1]);
        const message = [50, call.requestId, {}];
        for (let i = 3; i < m.length; i++) message.push(m[i]);
        call.caller.send(message);
        break;
      }
      case 32: {
        // SUBSCRIBE
        let topic = topics.get(m[3]);
        if (topic === undefined) {
          topic = { id: nextGlobalId++, subscribers: [] };
          topics.set(m[3], topic);
        }
        topic.subscribers.push(conn);
        conn.state.subscriptions.push(topic);
        conn.send([33, m[1], topic.id]);
        break;
      }
      case 16: {
        // PUBLISH -> EVENT
        const topic = topics.get(m[3]);
        if (topic === undefined) break;
        const event = [36, topic.id, nextGlobalId++, {}];
        for (let i = 4; i < m.length; i++) event.push(m[i]);
        const frames = {};
        const subscribers = topic.subscribers;
        for (let i = 0; i < subscribers.length; i++) {
          const subscriber = subscribers[i];
          if (subscriber === conn) continue;
          const s = subscriber.serializer;
          frames[s] ??= frameOf(encodePayload(s, event), subscriber.binary);
          subscriber.push(frames[s]);
        }
        break;
      }
      default:
        break;
    }
  }

  function closed(conn) {
    for (const topic of conn.state.subscriptions) {
      const i = topic.subscribers.indexOf(conn);
      if (i >= 0) topic.subscribers.splice(i, 1);
    }
    for (const [procedure, registration] of registrations)
      if (registration.conn === conn) registrations.delete(procedure);
  }

  return { receive, closed };
}
