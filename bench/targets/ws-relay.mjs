/**
 * The limit: a bare Node.js + `ws` relay that routes just enough WAMP for the scenarios (HELLO,
 * REGISTER, CALL, YIELD, SUBSCRIBE, PUBLISH, GOODBYE) with no validation, no authorization and no
 * options. Each EVENT is encoded and framed once per serializer and the same bytes go to every
 * subscriber; each socket gets one write per tick (frames collected, joined and written).
 * What it reaches is roughly what Node.js can do on the machine; a router does more per message.
 */
import { WebSocketServer } from 'ws';
import { decodePayload, encodePayload, wsFrame } from '../lib/wire.mjs';
import { controlChannel } from './control.mjs';

const control = controlChannel();

const SERIALIZERS = { 'wamp.2.json': 'json', 'wamp.2.msgpack': 'msgpack', 'wamp.2.cbor': 'cbor' };

/** Connections with frames waiting, flushed together once per tick. */
const dirty = [];
let flushScheduled = false;

function flushAll() {
  flushScheduled = false;
  for (const conn of dirty) conn.flush();
  dirty.length = 0;
}

const registrations = new Map(); // procedure -> { conn, id }
const topics = new Map(); // topic -> { id, subscribers: Set<Connection> }
let nextGlobalId = 1;

class Connection {
  constructor(ws) {
    this.ws = ws;
    this.socket = ws._socket;
    this.serializer = SERIALIZERS[ws.protocol];
    this.binary = this.serializer !== 'json';
    this.out = [];
    this.pending = new Map(); // invocation id -> { caller, requestId }
    this.nextInvocation = 1;
    this.subscriptions = new Set();
    ws.on('message', (data) => this.receive(data));
    ws.on('close', () => this.closed());
  }

  send(array) {
    this.push(wsFrame(encodePayload(this.serializer, array), { binary: this.binary, masked: false }));
  }

  push(frame) {
    if (this.out.length === 0) {
      dirty.push(this);
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flushAll);
      }
    }
    this.out.push(frame);
  }

  flush() {
    const out = this.out;
    this.out = [];
    if (this.socket.destroyed || out.length === 0) return;
    // One write: a joined copy costs less than a writev entry per frame.
    this.socket.write(out.length === 1 ? out[0] : Buffer.concat(out));
  }

  receive(data) {
    const m = decodePayload(this.serializer, data);
    switch (m[0]) {
      case 1: // HELLO
        this.send([2, nextGlobalId++, { roles: { broker: {}, dealer: {} } }]);
        break;
      case 6: // GOODBYE
        this.send([6, {}, 'wamp.close.goodbye_and_out']);
        break;
      case 64: {
        const id = nextGlobalId++;
        registrations.set(m[3], { conn: this, id });
        this.send([65, m[1], id]);
        break;
      }
      case 48: {
        const registration = registrations.get(m[3]);
        if (registration === undefined) {
          this.send([8, 48, m[1], {}, 'wamp.error.no_such_procedure']);
          break;
        }
        const callee = registration.conn;
        const invocation = callee.nextInvocation++;
        callee.pending.set(invocation, { caller: this, requestId: m[1] });
        const message = [68, invocation, registration.id, {}];
        if (m.length > 4) message.push(...m.slice(4));
        callee.send(message);
        break;
      }
      case 70: {
        const pending = this.pending.get(m[1]);
        if (pending === undefined) break;
        this.pending.delete(m[1]);
        const message = [50, pending.requestId, {}];
        if (m.length > 3) message.push(...m.slice(3));
        pending.caller.send(message);
        break;
      }
      case 32: {
        let topic = topics.get(m[3]);
        if (topic === undefined) {
          topic = { id: nextGlobalId++, subscribers: new Set() };
          topics.set(m[3], topic);
        }
        topic.subscribers.add(this);
        this.subscriptions.add(topic);
        this.send([33, m[1], topic.id]);
        break;
      }
      case 16: {
        const topic = topics.get(m[3]);
        if (topic === undefined) break;
        const event = [36, topic.id, nextGlobalId++, {}];
        if (m.length > 4) event.push(...m.slice(4));
        // One frame per serializer per publication, shared by every subscriber.
        const frames = {};
        for (const subscriber of topic.subscribers) {
          if (subscriber === this) continue;
          const s = subscriber.serializer;
          frames[s] ??= wsFrame(encodePayload(s, event), { binary: subscriber.binary, masked: false });
          subscriber.push(frames[s]);
        }
        break;
      }
      default:
        break;
    }
  }

  closed() {
    for (const topic of this.subscriptions) topic.subscribers.delete(this);
    for (const [procedure, registration] of registrations)
      if (registration.conn === this) registrations.delete(procedure);
  }
}

const wss = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  perMessageDeflate: false,
  clientTracking: false,
  handleProtocols: (offered) => [...offered].find((p) => p in SERIALIZERS) ?? false,
});
wss.on('connection', (ws) => new Connection(ws));
wss.on('listening', () => control.ready(wss.address().port));
wss.on('error', (error) => control.fail(error));
