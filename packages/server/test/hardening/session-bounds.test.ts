/**
 * Subscriptions and registrations per session are bounded (the realm's `limits`, issue 12):
 * past the bound a SUBSCRIBE or REGISTER gets an ERROR naming it, and the session goes on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import { LOCAL_ENDPOINT, tempDir, workerConfig } from '../helpers.js';
import { RawSocketTestClient, type Target } from '../support/rawsocket-client.js';
import { recordingLogger } from '../support/recording.js';

describe('subscriptions and registrations per session', () => {
  let node: InterchangeNode;
  let tcp: Target;
  const log = recordingLogger();

  beforeAll(async () => {
    const config = workerConfig([{ type: 'rawsocket', endpoint: LOCAL_ENDPOINT }], {
      realms: [{ name: 'realm1', limits: { subscriptions_per_session: 3, registrations_per_session: 2 } }],
    });
    node = await InterchangeNode.start({ config, cbdir: await tempDir(), logger: log.logger });
    tcp = { port: node.addresses[0]!.port };
  });

  afterAll(async () => {
    await node.stop({ timeoutMs: 500 });
  });

  it('refuses the subscription past the bound, not a repeated one', async () => {
    const client = await RawSocketTestClient.connected(tcp);
    await client.join();
    for (let i = 1; i <= 3; i++) {
      client.sendJson([32, i, {}, `com.example.t${i}`]);
      expect((await client.nextJson())[0]).toBe(33);
    }
    client.sendJson([32, 4, {}, 'com.example.t4']);
    expect((await client.nextJson()).slice(0, 5)).toEqual([
      8,
      32,
      4,
      {},
      'interchange.error.subscriptions_limit_reached',
    ]);
    client.sendJson([32, 5, {}, 'com.example.t1']);
    expect((await client.nextJson())[0]).toBe(33);
    const entry = await log.waitFor((e) => e.obj.limit === 'limits.subscriptions_per_session');
    expect(entry.obj.peer).toMatch(/^tcp4:127\.0\.0\.1:\d+$/);
    client.close();
  });

  it('refuses the registration past the bound', async () => {
    const client = await RawSocketTestClient.connected(tcp);
    await client.join();
    for (let i = 1; i <= 2; i++) {
      client.sendJson([64, i, {}, `com.example.p${i}`]);
      expect((await client.nextJson())[0]).toBe(65);
    }
    client.sendJson([64, 3, {}, 'com.example.p3']);
    expect((await client.nextJson()).slice(0, 5)).toEqual([
      8,
      64,
      3,
      {},
      'interchange.error.registrations_limit_reached',
    ]);
    client.close();
  });
});
