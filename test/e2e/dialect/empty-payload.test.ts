/**
 * Empty `args` and `kwargs` do not travel on: what a peer sends as `[]` or `{}` reaches the other
 * side without them (spec: basic profile "Empty Arguments and Keyword Arguments": SHOULD avoid
 * sending them; Crossbar strips them), seen on the wire of a real node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawPeer } from '../support/raw-peer.js';
import { startTestNode, type TestNode } from '../support/test-node.js';

describe('empty args and kwargs', () => {
  let node: TestNode;
  let peers: RawPeer[] = [];
  const join = async () => {
    const peer = await RawPeer.join(node.url);
    peers.push(peer);
    return peer;
  };
  beforeAll(async () => {
    node = await startTestNode();
  });
  afterAll(async () => {
    for (const peer of peers) peer.close();
    peers = [];
    await node.stop();
  });

  it('leaves them out of EVENT, INVOCATION, RESULT and ERROR, keeping [] before non-empty kwargs', async () => {
    const subscriber = await join();
    subscriber.send([32, 1, {}, 'com.example.empty']);
    const [, , subscription] = await subscriber.next();
    const callee = await join();
    callee.send([64, 1, {}, 'com.example.echo']);
    const [, , registration] = await callee.next();
    const publisher = await join();

    publisher.send([16, 1, { acknowledge: true }, 'com.example.empty', [], {}]);
    expect((await publisher.next())[0]).toBe(17);
    expect((await subscriber.next()).length).toBe(4);

    publisher.send([48, 2, {}, 'com.example.echo', [], {}]);
    const invocation = await callee.next();
    expect(invocation).toEqual([68, expect.any(Number), registration, {}]);
    callee.send([70, invocation[1], {}, [], {}]);
    expect(await publisher.next()).toEqual([50, 2, {}]);

    publisher.send([48, 3, {}, 'com.example.echo', [1], {}]);
    const second = await callee.next();
    expect(second).toEqual([68, expect.any(Number), registration, {}, [1]]);
    callee.send([70, second[1], {}, [], { color: 'orange' }]);
    expect(await publisher.next()).toEqual([50, 3, {}, [], { color: 'orange' }]);

    publisher.send([48, 4, {}, 'com.example.echo']);
    const third = await callee.next();
    callee.send([8, 68, third[1], {}, 'com.example.failed', [], {}]);
    expect(await publisher.next()).toEqual([8, 48, 4, {}, 'com.example.failed']);
    expect(subscription).toEqual(expect.any(Number));
  });
});
