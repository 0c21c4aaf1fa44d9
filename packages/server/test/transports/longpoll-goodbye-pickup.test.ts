/**
 * The router's GOODBYE at node stop reaches a long-poll client that holds no `receive` at that
 * moment but is still polling (between two requests): it fetches the GOODBYE with its next
 * `receive`, and its reply ends the session, as over WebSocket. See longpoll-transport.ts.
 */
import { describe, expect, it } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import { LOCAL_ENDPOINT, tempDir, workerConfig } from '../helpers.js';
import { recordingLogger } from '../support/recording.js';

describe('long-poll GOODBYE at node stop', () => {
  it('is fetched by a client between two receives, whose reply ends the stop', async () => {
    const config = workerConfig([
      { type: 'web', endpoint: LOCAL_ENDPOINT, paths: { lp: { type: 'longpoll', options: { session_timeout: 0 } } } },
    ]);
    const log = recordingLogger();
    const node = await InterchangeNode.start({ config, cbdir: await tempDir(), logger: log.logger });
    const lp = node.addresses[0]!.longpollUrls[0]!;
    const post = (path: string, body = '') =>
      fetch(`${lp}/${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    try {
      const { transport } = (await (await post('open', '{"protocols": ["wamp.2.json"]}')).json()) as {
        transport: string;
      };
      await post(`${transport}/send`, '[1, "realm1", {"roles": {"caller": {}}}]');
      expect(((await (await post(`${transport}/receive`)).json()) as unknown[])[0]).toBe(2);

      // No receive is held when the stop begins; the grace period is far longer than the test may take.
      const stopped = node.stop({ timeoutMs: 30_000 });
      const goodbye = (await (await post(`${transport}/receive`)).json()) as unknown[];
      expect(goodbye[0]).toBe(6);
      expect(goodbye[2]).toBe('wamp.close.system_shutdown');
      expect((await post(`${transport}/send`, '[6, {}, "wamp.close.goodbye_and_out"]')).status).toBe(204);
      await stopped;
      expect(log.entries.some((e) => /client not polling/.test(e.msg ?? ''))).toBe(false);
    } finally {
      await node.stop({ timeoutMs: 300 });
    }
  }, 20_000);
});
