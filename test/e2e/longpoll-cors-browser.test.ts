/**
 * Cross-origin long-poll in Chromium, with Autobahn|JS's own browser build (which sends its
 * long-poll requests with credentials): a page of another origin is refused by a long-poll path
 * without `allowed_origins`, and joins through one that lists its origin. The page is served at
 * `localhost`, the long-poll paths at `127.0.0.1`: two origins of one node.
 */
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConfigNode, LOCAL_ENDPOINT, routerConfig, startConfigNode } from './support/config-node.js';

const AUTOBAHN = fileURLToPath(new URL('../../node_modules/autobahn-browser/autobahn.min.js', import.meta.url));

const PAGE = `<!doctype html><html><body><script src="autobahn.min.js"></script><script>
window.openOver = (url) => new Promise((resolve) => {
  const connection = new autobahn.Connection({ realm: 'realm1', max_retries: 0, transports: [{ type: 'longpoll', url }] });
  connection.onopen = async (session) => {
    const sum = await session.call('com.cors.add', [2, 3]).catch((e) => String(e));
    connection.close();
    resolve({ joined: true, sum });
  };
  connection.onclose = (reason) => { resolve({ joined: false, reason }); return true; };
  connection.open();
});
</script></body></html>`;

describe('long-poll across origins in Chromium (Autobahn|JS)', () => {
  let node: ConfigNode;
  let browser: Browser;
  let port: number;

  beforeAll(async () => {
    node = await startConfigNode(
      routerConfig(
        [{ name: 'realm1' }],
        [
          {
            type: 'web',
            endpoint: LOCAL_ENDPOINT,
            paths: {
              '/': { type: 'static', directory: '.' },
              lp: { type: 'longpoll' },
              lpcors: { type: 'longpoll', options: { allowed_origins: ['http://localhost:*'] } },
            },
          },
        ],
      ),
      {
        prefix: 'lp-cors',
        prepare: async (cbdir) => {
          await writeFile(join(cbdir, 'index.html'), PAGE);
          await copyFile(AUTOBAHN, join(cbdir, 'autobahn.min.js'));
        },
      },
    );
    port = node.node.addresses[0]?.port as number;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    await node?.stop();
  });

  type Outcome = { joined: boolean; sum?: unknown; reason?: string };

  it('joins through a path whose allowed_origins lists the page, and is refused by one without', async () => {
    const page = await browser.newPage();
    await page.goto(`http://localhost:${port}/`);
    // A page of the long-poll paths' own origin needs no CORS: it registers the procedure.
    const owner = await browser.newPage();
    await owner.goto(`http://127.0.0.1:${port}/`);
    await owner.evaluate(
      (url) =>
        new Promise<void>((resolve) => {
          const w = globalThis as unknown as {
            autobahn: {
              Connection: new (
                o: unknown,
              ) => { onopen: (s: { register: (u: string, f: unknown) => Promise<unknown> }) => void; open(): void };
            };
          };
          const connection = new w.autobahn.Connection({ realm: 'realm1', transports: [{ type: 'longpoll', url }] });
          connection.onopen = (session) => {
            void session.register('com.cors.add', (args: number[]) => args[0]! + args[1]!).then(() => resolve());
          };
          connection.open();
        }),
      `http://127.0.0.1:${port}/lp`,
    );
    const refused = (await page.evaluate(
      (url) => (globalThis as unknown as { openOver: (u: string) => Promise<unknown> }).openOver(url),
      `http://127.0.0.1:${port}/lp`,
    )) as Outcome;
    expect(refused.joined).toBe(false);
    const allowed = (await page.evaluate(
      (url) => (globalThis as unknown as { openOver: (u: string) => Promise<unknown> }).openOver(url),
      `http://127.0.0.1:${port}/lpcors`,
    )) as Outcome;
    expect(allowed).toEqual({ joined: true, sum: 5 });
    await page.close();
    await owner.close();
  });
});
