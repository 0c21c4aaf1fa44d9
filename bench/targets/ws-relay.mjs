/**
 * The limit: a bare Node.js + `ws` relay that routes just enough WAMP for the scenarios (HELLO,
 * REGISTER, CALL, YIELD, SUBSCRIBE, PUBLISH, GOODBYE) with no validation, no authorization and no
 * options. Each EVENT is encoded and framed once per serializer and the same bytes go to every
 * subscriber; each socket gets one write per tick (frames collected, joined and written).
 * What it reaches is roughly what Node.js can do on the machine; a router does more per message.
 */
import { WebSocketServer } from 'ws';
import { newRelayState, relayRouter } from '../lib/relay-routing.mjs';
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

const router = relayRouter((payload, binary) => wsFrame(payload, { binary, masked: false }));

class Connection {
  constructor(ws) {
    this.ws = ws;
    this.socket = ws._socket;
    this.serializer = SERIALIZERS[ws.protocol];
    this.binary = this.serializer !== 'json';
    this.out = [];
    this.state = newRelayState();
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
    router.receive(this, decodePayload(this.serializer, data));
  }

  closed() {
    router.closed(this);
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
