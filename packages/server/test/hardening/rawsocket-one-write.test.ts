/**
 * A RawSocket handshake and a bad frame in one TCP write (issue 12): the decoder failed on the
 * frame before the handshake was answered, and the client got no answer at all. Now the
 * handshake is answered, then the bad frame is the session's protocol violation (ABORT).
 */
import { once } from 'node:events';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import { LOCAL_ENDPOINT, tempDir, workerConfig } from '../helpers.js';

describe('RawSocket handshake and a bad frame in one write', () => {
  let node: InterchangeNode;
  let port: number;

  beforeAll(async () => {
    node = await InterchangeNode.start({
      config: workerConfig([{ type: 'rawsocket', endpoint: LOCAL_ENDPOINT }]),
      cbdir: await tempDir(),
    });
    port = node.addresses[0]!.port;
  });

  afterAll(async () => {
    await node.stop({ timeoutMs: 500 });
  });

  it('answers the handshake, then ABORTs for the frame', async () => {
    const socket = connect({ host: '127.0.0.1', port });
    await once(socket, 'connect');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => {});
    // Handshake (JSON, 16 MiB), then a frame of reserved type 7.
    socket.write(Buffer.from([0x7f, 0xf1, 0, 0, 0x07, 0, 0, 1, 0x20]));
    await once(socket, 'close');
    const received = Buffer.concat(chunks);
    // The handshake accepted: magic octet, our length exponent and the JSON serializer.
    expect(received[0]).toBe(0x7f);
    expect((received[1] as number) & 0x0f).toBe(1);
    const frame = received.subarray(4);
    expect(frame[0]).toBe(0); // a WAMP message
    const abort = JSON.parse(frame.subarray(4, 4 + frame.readUIntBE(1, 3)).toString()) as unknown[];
    expect(abort[0]).toBe(3);
    expect(abort[2]).toBe('wamp.error.protocol_violation');
  });
});
