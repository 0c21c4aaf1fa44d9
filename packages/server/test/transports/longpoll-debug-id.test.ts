/**
 * `debug_transport_id`: every `open` gets the fixed ID, as in Crossbar, whose curl example
 * (`make subscribe`, then `make publish` in another terminal) opens a subscriber and then a
 * publisher under the same ID while the subscriber waits in `receive` for the event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import { LOCAL_ENDPOINT, tempDir, workerConfig } from '../helpers.js';

const ID = 'kjmd3sBLOUnb3Fyr';

describe('long-poll debug_transport_id', () => {
  let node: InterchangeNode;
  let lp: string;

  beforeAll(async () => {
    const config = workerConfig([
      {
        type: 'web',
        endpoint: LOCAL_ENDPOINT,
        paths: { lp: { type: 'longpoll', options: { debug: true, debug_transport_id: ID, session_timeout: 0 } } },
      },
    ]);
    node = await InterchangeNode.start({ config, cbdir: await tempDir() });
    lp = node.addresses[0]!.longpollUrls[0]!;
  });

  afterAll(async () => {
    await node.stop({ timeoutMs: 300 });
  });

  const post = (path: string, body = '') =>
    fetch(`${lp}/${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });

  async function openAndJoin(): Promise<void> {
    const opened = (await (await post('open', '{"protocols": ["wamp.2.json"]}')).json()) as { transport: string };
    expect(opened.transport).toBe(ID);
    expect((await post(`${ID}/send`, '[1, "realm1", {"roles": {"subscriber": {}, "publisher": {}}}]')).status).toBe(
      204,
    );
    const welcome = (await (await post(`${ID}/receive`)).json()) as unknown[];
    expect(welcome[0]).toBe(2);
  }

  it('gives the fixed ID to a second open, and the first transport still gets the event it waits for', async () => {
    // make subscribe
    await openAndJoin();
    await post(`${ID}/send`, '[32, 1, {}, "com.myapp.topic1"]');
    const subscribed = (await (await post(`${ID}/receive`)).json()) as unknown[];
    expect(subscribed.slice(0, 2)).toEqual([33, 1]);
    const waiting = post(`${ID}/receive`);

    // make publish, while the subscriber waits
    await openAndJoin();
    expect((await post(`${ID}/send`, '[16, 1, {}, "com.myapp.topic1", ["Hello, world!", 23, 666]]')).status).toBe(204);
    expect((await post(`${ID}/close`)).status).toBe(204);

    const event = (await (await waiting).json()) as unknown[];
    expect(event[0]).toBe(36);
    expect(event[1]).toBe(subscribed[2]);
    expect(event[4]).toEqual(['Hello, world!', 23, 666]);
  });

  it('ends a displaced transport that holds no receive at once, and its session with it', async () => {
    await openAndJoin();
    await openAndJoin();
    // Only the new session is left in the realm.
    await post(`${ID}/send`, '[48, 7, {}, "wamp.session.count"]');
    const result = (await (await post(`${ID}/receive`)).json()) as unknown[];
    expect(result[0]).toBe(50);
    expect(result[1]).toBe(7);
    expect(result[3]).toEqual([1]);
    await post(`${ID}/close`);
  });
});
