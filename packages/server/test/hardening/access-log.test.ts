/**
 * The access log does not write long-poll transport IDs (issue 12): whoever knows one can send
 * and receive as its session, so it is a bearer token like the bridge's signatures.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import { LOCAL_ENDPOINT, tempDir, workerConfig } from '../helpers.js';
import { recordingLogger } from '../support/recording.js';

describe('access log', () => {
  let node: InterchangeNode;
  let base: string;
  const log = recordingLogger();

  beforeAll(async () => {
    node = await InterchangeNode.start({
      config: workerConfig([
        { type: 'web', endpoint: LOCAL_ENDPOINT, options: { access_log: true }, paths: { lp: { type: 'longpoll' } } },
      ]),
      cbdir: await tempDir(),
      logger: log.logger,
    });
    base = node.addresses[0]!.longpollUrls[0]!;
  });

  afterAll(async () => {
    await node.stop({ timeoutMs: 500 });
  });

  it('writes <transport> for the ID in long-poll paths', async () => {
    const opened = await fetch(`${base}/open`, {
      method: 'POST',
      body: JSON.stringify({ protocols: ['wamp.2.json'] }),
    });
    const { transport } = (await opened.json()) as { transport: string };
    await fetch(`${base}/${transport}/send`, {
      method: 'POST',
      body: JSON.stringify([1, 'realm1', { roles: { caller: {} } }]),
    });
    await log.waitFor((e) => e.msg === 'http request' && String(e.obj.url).endsWith('/send'));
    const urls = log.entries.filter((e) => e.msg === 'http request').map((e) => String(e.obj.url));
    expect(urls).toContain('/lp/open');
    expect(urls).toContain('/lp/<transport>/send');
    expect(JSON.stringify(log.entries)).not.toContain(transport);
  });
});
