/**
 * Raw clients of the soak suite, below any WAMP library: a WebSocket opened by hand over TCP
 * (so that it can stop reading, send broken frames, or vanish mid-call), RawSocket frames, and
 * long-poll requests with bodies no client would send.
 */
import { once } from 'node:events';
import { connect } from 'node:net';

/** A masked client frame (RFC 6455 section 5.2). */
export function wsFrame(opcode, payload, fin = true) {
  const body = Buffer.from(payload);
  const mask = Buffer.from([0x11, 0x22, 0x33, 0x44]);
  let header;
  if (body.length < 126) header = Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | body.length]);
  else if (body.length < 65_536) {
    header = Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | 126, 0, 0]);
    header.writeUInt16BE(body.length, 2);
  } else {
    header = Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | 127, 0, 0, 0, 0, 0, 0, 0, 0]);
    header.writeUInt32BE(body.length, 6);
  }
  return Buffer.concat([header, mask, Buffer.from(body.map((b, i) => b ^ mask[i % 4]))]);
}

/** A WAMP JSON message as a text frame. */
export const wsJson = (message) => wsFrame(0x1, JSON.stringify(message));

/** Opens a TCP connection; errors are expected (the node drops misbehaving peers) and ignored. */
export async function tcp(port) {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  await once(socket, 'connect');
  return socket;
}

/** A TCP connection that has done the WebSocket opening handshake for `wamp.2.json` on `path`. */
export async function rawWebSocket(port, path = '/ws') {
  const socket = await tcp(port);
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: wamp.2.json\r\n\r\n',
  );
  let received = Buffer.alloc(0);
  await new Promise((resolve, reject) => {
    const onData = (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.includes('\r\n\r\n')) {
        socket.off('data', onData);
        if (!received.toString('latin1').startsWith('HTTP/1.1 101')) reject(new Error('no 101'));
        else resolve();
      }
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error('closed during the handshake')));
  });
  return socket;
}

/** The text payloads of the small unmasked server frames in `bytes` (enough to spot WAMP replies). */
export function serverTexts(bytes) {
  const texts = [];
  let at = 0;
  while (at + 2 <= bytes.length) {
    let length = bytes[at + 1] & 0x7f;
    let header = 2;
    if (length === 126) {
      if (at + 4 > bytes.length) break;
      length = bytes.readUInt16BE(at + 2);
      header = 4;
    } else if (length === 127) break;
    if (at + header + length > bytes.length) break;
    if ((bytes[at] & 0x0f) === 0x1) texts.push(bytes.subarray(at + header, at + header + length).toString());
    at += header + length;
  }
  return texts;
}

/** A RawSocket frame: type (0 message, 1 ping, 2 pong) and a 3-octet length. */
export function rsFrame(type, payload) {
  const body = Buffer.from(payload);
  const header = Buffer.from([type, 0, 0, 0]);
  header.writeUIntBE(body.length, 1, 3);
  return Buffer.concat([header, body]);
}

/** A RawSocket handshake asking for JSON (serializer 1) and 2^24-octet messages. */
export const RS_HANDSHAKE_JSON = Buffer.from([0x7f, 0xf1, 0x00, 0x00]);

/** POSTs `body` to `url`; resolves with the status (0 when the connection failed). */
export async function post(url, body) {
  try {
    const response = await fetch(url, { method: 'POST', body, signal: AbortSignal.timeout(10_000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

/** Waits until `socket` is closed, or `ms` passed; resolves with whether it closed. */
export function closedWithin(socket, ms) {
  if (socket.destroyed) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
