/**
 * The replay state of signed HTTP bridge requests in the realm store: a signed publish request
 * accepted by a node (its 200 means its nonce is on disk) is refused when replayed to the node
 * after a SIGKILL and a restart, and to another bridge path with the same key; a new nonce is
 * still accepted. A real node process (`interchange start`, built dist/).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { signBridgeRequest } from '../../src/web/request-signature.js';
import { tempDir, workerConfig } from '../helpers.js';
import { post } from '../support/http.js';
import { type NodeProcess, startNode, writeNodeConfig } from './node-process.js';

const KEY = 'backend1';
const SECRET = 'the-shared-secret';
const SIGNED = { key: KEY, secret: SECRET, timestamp_delta_limit: 300 };

function config(store: Record<string, unknown> | undefined): Record<string, unknown> {
  return workerConfig(
    [
      {
        type: 'web',
        endpoint: { type: 'tcp', port: 0, interface: '127.0.0.1' },
        paths: {
          ws: { type: 'websocket' },
          publish: { type: 'publisher', realm: 'realm1', role: 'anonymous', options: SIGNED },
          notify: { type: 'publisher', realm: 'realm1', role: 'anonymous', options: SIGNED },
        },
      },
    ],
    { realms: [{ name: 'realm1', ...(store === undefined ? {} : { store }) }] },
  );
}

const running: NodeProcess[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((node) => node.kill()));
});

/** Starts the node and answers the base HTTP URL of its web transport. */
async function start(cbdir: string): Promise<{ node: NodeProcess; base: string }> {
  const node = startNode(cbdir);
  running.push(node);
  const ws = new URL(await node.url);
  return { node, base: `http://${ws.host}` };
}

const body = JSON.stringify({ topic: 'com.example.orders', args: [1] });

describe('signed bridge requests with a realm store', () => {
  it('refuses a request replayed after a SIGKILL and restart, and to another path with the same key', async () => {
    const cbdir = join(await tempDir(), 'node');
    await writeNodeConfig(cbdir, config({ type: 'lmdb', path: 'store' }));
    const first = await start(cbdir);
    const captured = new URLSearchParams(signBridgeRequest({ key: KEY, secret: SECRET, seq: 1, body }));
    const accepted = await post(`${first.base}/publish?${captured}`, body);
    expect([accepted.status, accepted.json]).toEqual([200, { id: expect.any(Number) }]);
    // The same request to the other path signed with the same key: the signature does not cover the path.
    const elsewhere = await post(`${first.base}/notify?${captured}`, body);
    expect([elsewhere.status, elsewhere.json]).toMatchObject([
      400,
      { error: expect.stringMatching(/replayed request/) },
    ]);
    await first.node.kill();

    const second = await start(cbdir);
    const replay = await post(`${second.base}/publish?${captured}`, body);
    expect([replay.status, replay.json]).toMatchObject([
      400,
      {
        error: `REST bridge signature was invalid (replayed request: nonce ${captured.get('nonce')} was already used).`,
      },
    ]);
    const fresh = new URLSearchParams(signBridgeRequest({ key: KEY, secret: SECRET, seq: 1, body }));
    expect((await post(`${second.base}/publish?${fresh}`, body)).status).toBe(200);
    // The node logged how many nonces it read back.
    const opened = second.node.log.find((entry) => entry.msg === 'realm store opened');
    expect(opened?.signedRequestNonces).toBe(1);
    expect((await readFile(join(cbdir, 'store', 'data.mdb'))).length).toBeGreaterThan(0);
  }, 60_000);

  it('without a store, forgets the nonces at a restart (memory only, as documented)', async () => {
    const cbdir = join(await tempDir(), 'node');
    await writeNodeConfig(cbdir, config(undefined));
    const first = await start(cbdir);
    const captured = new URLSearchParams(signBridgeRequest({ key: KEY, secret: SECRET, seq: 1, body }));
    expect((await post(`${first.base}/publish?${captured}`, body)).status).toBe(200);
    expect((await post(`${first.base}/publish?${captured}`, body)).status).toBe(400);
    expect((await post(`${first.base}/notify?${captured}`, body)).status).toBe(400);
    await first.node.kill();
    const second = await start(cbdir);
    expect((await post(`${second.base}/publish?${captured}`, body)).status).toBe(200);
  }, 60_000);
});
