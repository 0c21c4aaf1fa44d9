/**
 * permessage-deflate (Crossbar's `compression.deflate`): negotiated when configured, with the
 * configured parameters, and never otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { InterchangeNode } from '../../src/node.js';
import { deflateOptions } from '../../src/transports/websocket-service.js';
import { LOCAL_ENDPOINT, tempDir, workerConfig } from '../helpers.js';

/** Opens a WebSocket offering permessage-deflate; resolves with it and the server's extension header. */
function open(url: string): Promise<{ ws: WebSocket; header: string }> {
  const ws = new WebSocket(url, 'wamp.2.json', { perMessageDeflate: {} });
  let header = '';
  ws.once('upgrade', (response) => {
    header = String(response.headers['sec-websocket-extensions'] ?? '');
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, header }));
    ws.once('error', reject);
  });
}

describe('WebSocket compression', () => {
  let node: InterchangeNode;

  beforeAll(async () => {
    const config = workerConfig([
      {
        type: 'websocket',
        endpoint: LOCAL_ENDPOINT,
        options: {
          compression: {
            deflate: { request_no_context_takeover: true, max_window_bits: 12, memory_level: 5, threshold: 0 },
          },
        },
      },
      { type: 'websocket', endpoint: LOCAL_ENDPOINT },
    ]);
    node = await InterchangeNode.start({ config, cbdir: await tempDir() });
  });

  afterAll(async () => {
    await node.stop({ timeoutMs: 200 });
  });

  it('negotiates permessage-deflate with the configured parameters, and messages flow compressed', async () => {
    const { ws, header } = await open(node.addresses[0]!.url);
    expect(ws.extensions).toBe('permessage-deflate');
    expect(header).toContain('permessage-deflate');
    expect(header).toContain('server_max_window_bits=12');
    expect(header).toContain('client_no_context_takeover');
    ws.send(JSON.stringify([1, 'realm1', { roles: { caller: {} }, agent: 'x'.repeat(2000) }]));
    const welcome = await new Promise<unknown[]>((resolve) =>
      ws.once('message', (data) => resolve(JSON.parse(String(data)) as unknown[])),
    );
    expect(welcome[0]).toBe(2);
    ws.close();
  });

  it('does not negotiate compression unless configured', async () => {
    const { ws, header } = await open(node.addresses[1]!.url);
    expect(ws.extensions).toBe('');
    expect(header).toBe('');
    ws.close();
  });

  it("maps Crossbar's option names to permessage-deflate parameters", () => {
    expect(deflateOptions({ type: 'websocket' })).toBe(false);
    expect(
      deflateOptions({
        type: 'websocket',
        options: {
          compression: {
            deflate: {
              request_no_context_takeover: true,
              request_max_window_bits: 10,
              no_context_takeover: true,
              max_window_bits: 11,
              memory_level: 4,
            },
          },
        },
      }),
    ).toEqual({
      clientNoContextTakeover: true,
      clientMaxWindowBits: 10,
      serverNoContextTakeover: true,
      serverMaxWindowBits: 11,
      zlibDeflateOptions: { memLevel: 4 },
    });
  });
});
