/**
 * Retained events are bounded per realm (docs/security.md, `limits.retained_topics` and
 * `limits.retained_bytes`): a session publishing `retain: true` to ever new topics once took the
 * node down. Mounted against a real node on 127.0.0.1 while a bystander keeps being served.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import { LOCAL_ENDPOINT, tempDir, workerConfig } from '../helpers.js';
import { RawSocketTestClient, type Target } from '../support/rawsocket-client.js';
import { recordingLogger } from '../support/recording.js';

const FLOOD_TOPICS = 3000;

describe('retained events bounded per realm', () => {
  let node: InterchangeNode;
  let tcp: Target;
  const log = recordingLogger();

  beforeAll(async () => {
    const config = workerConfig([{ type: 'rawsocket', endpoint: LOCAL_ENDPOINT }], {
      realms: [
        { name: 'realm1', limits: { retained_topics: 100 } },
        { name: 'realm2', limits: { retained_bytes: 64 * 1024 } },
      ],
    });
    node = await InterchangeNode.start({ config, cbdir: await tempDir(), logger: log.logger });
    tcp = { port: node.addresses[0]!.port };
  });

  afterAll(async () => {
    await node.stop({ timeoutMs: 500 });
  });

  /** Subscribes to `prefix` with `get_retained` and collects the retained events until a marker event. */
  async function retainedUnder(prefix: string, realm = 'realm1'): Promise<string[]> {
    const reader = await RawSocketTestClient.connected(tcp);
    await reader.join(realm);
    reader.sendJson([32, 1, { match: 'prefix', get_retained: true }, prefix]);
    expect((await reader.nextJson())[0]).toBe(33);
    // The retained events follow SUBSCRIBED in the same turn; a call to a missing procedure
    // answers after them, so its ERROR marks their end.
    reader.sendJson([48, 2, {}, 'com.example.nobody']);
    const topics: string[] = [];
    for (;;) {
      const message = await reader.nextJson();
      if (message[0] === 8) break;
      expect(message[0]).toBe(36);
      topics.push((message[3] as { topic: string }).topic);
    }
    reader.close();
    return topics;
  }

  it('keeps the newest topics up to retained_topics, after the publisher left, serving a bystander throughout', async () => {
    const bystander = await RawSocketTestClient.connected(tcp);
    await bystander.join();
    bystander.sendJson([32, 1, {}, 'com.example.bystander']);
    const subscribed = await bystander.nextJson();
    expect(subscribed[0]).toBe(33);

    const attacker = await RawSocketTestClient.connected(tcp);
    await attacker.join();
    for (let i = 1; i <= FLOOD_TOPICS; i++) {
      attacker.sendJson([16, i, { acknowledge: true, retain: true }, `com.flood.t${i}`, ['x'.repeat(200)]]);
      if (i % 500 === 0) {
        for (let k = i - 499; k <= i; k++) expect(await attacker.nextJson()).toEqual([17, k, expect.any(Number)]);
        // The bystander publishes to itself (exclude_me false) and gets its event back.
        bystander.sendJson([16, i, { exclude_me: false }, 'com.example.bystander', [i]]);
        const event = await bystander.nextJson();
        expect(event[0]).toBe(36);
        expect(event[4]).toEqual([i]);
      }
    }
    attacker.close();

    const topics = await retainedUnder('com.flood.');
    expect(topics).toHaveLength(100);
    // The least recently retained went: what is left are the newest hundred.
    expect(new Set(topics)).toEqual(
      new Set(Array.from({ length: 100 }, (_, k) => `com.flood.t${FLOOD_TOPICS - 99 + k}`)),
    );

    const warnings = log.entries.filter((e) => e.obj.limit === 'limits.retained_topics');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.level).toBe('warn');
    expect(warnings[0]!.obj.peer).toMatch(/^tcp4:127\.0\.0\.1:\d+$/);
    bystander.close();
  });

  it('counts bytes: keeps what fits in retained_bytes and refuses one event larger than all of it', async () => {
    const publisher = await RawSocketTestClient.connected(tcp);
    await publisher.join('realm2');
    for (let i = 1; i <= 10; i++) {
      publisher.sendJson([16, i, { acknowledge: true, retain: true }, `com.big.t${i}`, ['y'.repeat(8 * 1024)]]);
      expect((await publisher.nextJson())[0]).toBe(17);
    }
    // 8 K characters count 16 KiB: three fit in 64 KiB beside their overhead, four do not.
    const kept = await retainedUnder('com.big.', 'realm2');
    expect(kept).toEqual(['com.big.t8', 'com.big.t9', 'com.big.t10']);

    // Larger than the bound alone: still delivered and acknowledged, not retained.
    publisher.sendJson([16, 11, { acknowledge: true, retain: true }, 'com.big.huge', ['z'.repeat(40 * 1024)]]);
    expect((await publisher.nextJson())[0]).toBe(17);
    expect(await retainedUnder('com.big.huge', 'realm2')).toEqual([]);
    const refused = await log.waitFor((e) => e.obj.limit === 'limits.retained_bytes');
    expect(refused.obj.topic).toBe('com.big.huge');
    publisher.close();
  });
});
