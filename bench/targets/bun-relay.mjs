/**
 * The same relay as net-relay.mjs on Bun's native WebSocket server (uWebSockets in C++): run by
 * Bun, not Node (the binary comes from the npm package `@oven/bun-linux-x64`, see
 * lib/peers.mjs). Calls are routed callee <-> caller; a publication is encoded once per
 * serializer and handed to uWebSockets' own topic fan-out (`ws.publish`, which skips the
 * publisher), so fan-out measures what uWebSockets does natively. No validation, no features.
 */
import { decodePayload, encodePayload } from '../lib/wire.mjs';
import { controlChannel } from './control.mjs';

const control = controlChannel();

const SERIALIZERS = { 'wamp.2.json': 'json', 'wamp.2.msgpack': 'msgpack', 'wamp.2.cbor': 'cbor' };

const registrations = new Map(); // procedure -> { ws, id }
const topics = new Map(); // topic -> { id, serializers: Map<serializer, subscriber count> }
let nextGlobalId = 1;

/** Encodes `array` for the connection: a string (text frame) for json, bytes for the others. */
function encodeFor(serializer, array) {
  return serializer === 'json' ? JSON.stringify(array) : encodePayload(serializer, array);
}

function send(ws, array) {
  ws.send(encodeFor(ws.data.serializer, array));
}

function receive(ws, data) {
  const state = ws.data;
  const m = typeof data === 'string' ? JSON.parse(data) : decodePayload(state.serializer, data);
  switch (m[0]) {
    case 1: // HELLO
      send(ws, [2, nextGlobalId++, { roles: { broker: {}, dealer: {} } }]);
      break;
    case 6: // GOODBYE
      send(ws, [6, {}, 'wamp.close.goodbye_and_out']);
      break;
    case 64: {
      const id = nextGlobalId++;
      registrations.set(m[3], { ws, id });
      send(ws, [65, m[1], id]);
      break;
    }
    case 48: {
      const registration = registrations.get(m[3]);
      if (registration === undefined) {
        send(ws, [8, 48, m[1], {}, 'wamp.error.no_such_procedure']);
        break;
      }
      const callee = registration.ws;
      const invocation = callee.data.nextInvocation++;
      callee.data.calls.set(invocation, { caller: ws, requestId: m[1] });
      const message = [68, invocation, registration.id, {}];
      if (m.length > 4) message.push(...m.slice(4));
      send(callee, message);
      break;
    }
    case 70: {
      const call = state.calls.get(m[1]);
      if (call === undefined) break;
      state.calls.delete(m[1]);
      const message = [50, call.requestId, {}];
      if (m.length > 3) message.push(...m.slice(3));
      send(call.caller, message);
      break;
    }
    case 32: {
      let topic = topics.get(m[3]);
      if (topic === undefined) {
        topic = { id: nextGlobalId++, serializers: new Map() };
        topics.set(m[3], topic);
      }
      topic.serializers.set(state.serializer, (topic.serializers.get(state.serializer) ?? 0) + 1);
      state.subscriptions.push([m[3], topic]);
      ws.subscribe(`${state.serializer} ${m[3]}`);
      send(ws, [33, m[1], topic.id]);
      break;
    }
    case 16: {
      const topic = topics.get(m[3]);
      if (topic === undefined) break;
      const event = [36, topic.id, nextGlobalId++, {}];
      if (m.length > 4) event.push(...m.slice(4));
      for (const serializer of topic.serializers.keys())
        ws.publish(`${serializer} ${m[3]}`, encodeFor(serializer, event));
      break;
    }
    default:
      break;
  }
}

const server = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  fetch(request, server) {
    const offered = (request.headers.get('sec-websocket-protocol') ?? '').split(',').map((p) => p.trim());
    const protocol = offered.find((p) => p in SERIALIZERS);
    if (protocol === undefined) return new Response('no WAMP subprotocol offered', { status: 400 });
    const data = { serializer: SERIALIZERS[protocol], calls: new Map(), nextInvocation: 1, subscriptions: [] };
    if (server.upgrade(request, { data, headers: { 'Sec-WebSocket-Protocol': protocol } })) return undefined;
    return new Response('upgrade failed', { status: 400 });
  },
  websocket: {
    perMessageDeflate: false,
    // The bench bounds what is outstanding itself; no backpressure limit of Bun's own in the way.
    backpressureLimit: 2 ** 31 - 1,
    closeOnBackpressureLimit: false,
    message: receive,
    close(ws) {
      for (const [, topic] of ws.data.subscriptions) {
        const left = (topic.serializers.get(ws.data.serializer) ?? 1) - 1;
        if (left > 0) topic.serializers.set(ws.data.serializer, left);
        else topic.serializers.delete(ws.data.serializer);
      }
      for (const [procedure, registration] of registrations)
        if (registration.ws === ws) registrations.delete(procedure);
    },
  },
});
control.ready(server.port);
