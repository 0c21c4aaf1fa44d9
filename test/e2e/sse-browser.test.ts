/**
 * The `sse` path in Chromium: a page with nothing but `EventSource` receives a topic's events, and
 * a browser that logged in over the WebSocket path (ticket, cookie tracked) opens a stream as that
 * principal through the cookie, where before logging in it was refused.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect, type Session } from '@interchange/client';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALLOW_ALL, type ConfigNode, LOCAL_ENDPOINT, routerConfig, startConfigNode } from './support/config-node.js';

const PAGE = `<!doctype html><html><body><script>
window.got = [];
window.state = 'connecting';
function listen(url, topic) {
  const source = new EventSource(url);
  source.onopen = () => { window.state = 'open'; };
  source.onerror = () => { if (source.readyState === EventSource.CLOSED) window.state = 'refused'; };
  source.addEventListener(topic, (e) => window.got.push({ id: e.lastEventId, data: JSON.parse(e.data) }));
  return source;
}
function login() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket('ws://' + location.host + '/ws', ['wamp.2.json']);
    ws.onopen = () => ws.send(JSON.stringify([1, 'realm1', { roles: { subscriber: {} }, authmethods: ['ticket'], authid: 'joe' }]));
    ws.onmessage = (m) => {
      const msg = JSON.parse(m.data);
      if (msg[0] === 4) ws.send(JSON.stringify([5, 'secret!!!', {}]));
      else if (msg[0] === 2) resolve(msg[1]);
      else reject(new Error(m.data));
    };
  });
}
</script></body></html>`;

describe('sse path in Chromium', () => {
  let node: ConfigNode;
  let browser: Browser;
  let base: string;
  let peer: Session;

  beforeAll(async () => {
    node = await startConfigNode(
      routerConfig(
        [
          {
            name: 'realm1',
            roles: [
              { name: 'anonymous', permissions: [{ uri: 'com.open.', match: 'prefix', allow: ALLOW_ALL }] },
              { name: 'member', permissions: [{ uri: 'com.', match: 'prefix', allow: ALLOW_ALL }] },
            ],
          },
        ],
        [
          {
            type: 'web',
            endpoint: LOCAL_ENDPOINT,
            paths: {
              '/': { type: 'static', directory: '.' },
              ws: {
                type: 'websocket',
                cookie: {},
                auth: {
                  ticket: { type: 'static', principals: { joe: { ticket: 'secret!!!', role: 'member' } } },
                  cookie: {},
                  anonymous: { type: 'static', role: 'anonymous' },
                },
              },
              events: { type: 'sse', realm: 'realm1' },
              members: {
                type: 'sse',
                realm: 'realm1',
                cookie_store: '/ws',
                auth: { cookie: {}, anonymous: { type: 'static', role: 'anonymous' } },
              },
            },
          },
        ],
      ),
      {
        prefix: 'sse',
        prepare: async (cbdir) => {
          await writeFile(join(cbdir, 'index.html'), PAGE);
          const _all = { call: true, register: true, publish: true, subscribe: true };
        },
      },
    );
    base = node.node.addresses[0]?.url as string;
    peer = await connect({ url: node.node.addresses[0]?.websocketUrls[0] as string, realm: 'realm1' });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    await peer?.leave().catch(() => undefined);
    await node?.stop();
  });

  it('delivers a topic to a page with nothing but EventSource', async () => {
    const page = await browser.newPage();
    await page.goto(base);
    await page.evaluate(() => {
      (globalThis as unknown as { listen: (u: string, t: string) => void }).listen(
        '/events?topic=com.open.news',
        'com.open.news',
      );
    });
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as { state: string }).state)).toBe('open');
    const published = await peer.publish('com.open.news', ['hello browser'], { kwargs: { n: 1 }, acknowledge: true });
    await expect
      .poll(() => page.evaluate(() => (globalThis as unknown as { got: unknown[] }).got))
      .toEqual([{ id: String(published?.id), data: { args: ['hello browser'], kwargs: { n: 1 }, details: {} } }]);
    await page.close();
  });

  it('opens a members-only stream with the cookie of a WebSocket login', async () => {
    const page = await browser.newPage();
    await page.goto(base);
    type Page = { listen: (u: string, t: string) => { close(): void }; login: () => Promise<number>; state: string };
    // Before logging in, the cookie-less browser is anonymous, which may not subscribe to com.members.
    await page.evaluate(() => {
      (globalThis as unknown as Page).listen('/members?topic=com.members.news', 'com.members.news');
    });
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as Page).state)).toBe('refused');
    await page.evaluate(() => (globalThis as unknown as Page).login());
    await page.evaluate(() => {
      (globalThis as unknown as Page).state = 'connecting';
      (globalThis as unknown as Page).listen('/members?topic=com.members.news', 'com.members.news');
    });
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as Page).state)).toBe('open');
    const member = await connect({
      url: node.node.addresses[0]?.websocketUrls[0] as string,
      realm: 'realm1',
      auth: { ticket: { authid: 'joe', ticket: 'secret!!!' } },
    });
    await member.publish('com.members.news', ['members only'], { acknowledge: true });
    await expect
      .poll(() => page.evaluate(() => (globalThis as unknown as { got: { data: { args: unknown[] } }[] }).got))
      .toEqual([expect.objectContaining({ data: expect.objectContaining({ args: ['members only'] }) })]);
    await member.leave();
    await page.close();
  });
});
