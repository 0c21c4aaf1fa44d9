/**
 * Two WebSocket answers RFC 6455 asks for (issue 12): a close frame whose reason is not UTF-8
 * fails the connection with 1007 (not 1000), and a 426 names the versions the server speaks.
 */
import { once } from 'node:events';
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import { LOCAL_ENDPOINT, tempDir, workerConfig } from '../helpers.js';

describe('WebSocket edges', () => {
  let node: InterchangeNode;
  let port: number;

  beforeAll(async () => {
    node = await InterchangeNode.start({
      config: workerConfig([{ type: 'websocket', endpoint: LOCAL_ENDPOINT }]),
      cbdir: await tempDir(),
    });
    port = node.addresses[0]!.port;
  });

  afterAll(async () => {
    await node.stop({ timeoutMs: 500 });
  });

  it('answers a close frame with an invalid UTF-8 reason with 1007', async () => {
    const socket = connect({ host: '127.0.0.1', port });
    await once(socket, 'connect');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.write(
      'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: MDEyMzQ1Njc4OWFiY2RlZg==\r\nSec-WebSocket-Version: 13\r\n' +
        'Sec-WebSocket-Protocol: wamp.2.json\r\n\r\n',
    );
    const payload = Buffer.from([0x03, 0xe8, 0xff, 0xfe]); // 1000, then bytes that are never UTF-8
    const mask = Buffer.from([9, 8, 7, 6]);
    const masked = Buffer.from(payload.map((byte, i) => byte ^ (mask[i % 4] as number)));
    socket.write(Buffer.concat([Buffer.from([0x88, 0x80 | payload.length]), mask, masked]));
    await once(socket, 'close');
    const received = Buffer.concat(chunks);
    const frame = received.subarray(received.indexOf('\r\n\r\n') + 4);
    expect(frame[0]).toBe(0x88);
    expect(frame.readUInt16BE(2)).toBe(1007);
  });

  it('answers an unsupported Sec-WebSocket-Version with 426 and the versions it speaks', async () => {
    const response = await new Promise<{ status: number; version: string | string[] | undefined }>(
      (resolve, reject) => {
        const req = request({
          host: '127.0.0.1',
          port,
          path: '/',
          headers: {
            connection: 'Upgrade',
            upgrade: 'websocket',
            'sec-websocket-version': '7',
            'sec-websocket-key': 'MDEyMzQ1Njc4OWFiY2RlZg==',
            'sec-websocket-protocol': 'wamp.2.json',
          },
        });
        req.on('response', (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, version: res.headers['sec-websocket-version'] });
        });
        req.on('error', reject);
        req.end();
      },
    );
    expect(response.status).toBe(426);
    expect(response.version).toMatch(/\b13\b/);
  });
});
