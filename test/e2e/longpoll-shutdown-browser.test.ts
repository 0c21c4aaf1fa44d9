/**
 * Stopping a node with long-poll sessions of Autobahn|JS in Chromium (its own browser build). A
 * client that is gone (browser closed without a goodbye) cannot fetch the router's GOODBYE, so
 * the stop does not wait the grace period for its reply; a client that is still polling gets the
 * GOODBYE (`wamp.close.system_shutdown`) and its reply is awaited as before.
 *
 * The grace period is 30 s and each test's own timeout 20 s: a stop that waited for the gone
 * client could not finish inside the test.
 */
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { type ConfigNode, LOCAL_ENDPOINT, openRealm, routerConfig, startConfigNode } from './support/config-node.js';

const AUTOBAHN = fileURLToPath(new URL('../../node_modules/autobahn-browser/autobahn.min.js', import.meta.url));
const GRACE_MS = 30_000;
const TEST_TIMEOUT_MS = 20_000;

/** Joins over long-poll and keeps polling; `window.closeInfo` gets the close reason Autobahn reports. */
const PAGE = `<!doctype html><html><body><script src="autobahn.min.js"></script><script>
window.closeInfo = null;
window.join = (url) => new Promise((resolve, reject) => {
  const connection = new autobahn.Connection({ realm: 'realm1', max_retries: 0, transports: [{ type: 'longpoll', url }] });
  connection.onopen = (session) => resolve(session.id);
  connection.onclose = (reason, details) => {
    window.closeInfo = { reason, wamp: details.reason ?? null };
    reject(new Error('closed: ' + reason));
    return true;
  };
  connection.open();
});
</script></body></html>`;

type Page = Awaited<ReturnType<Browser['newPage']>>;

async function joinedPage(browser: Browser, node: ConfigNode): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${node.port}/`);
  const id = await page.evaluate(
    (url) => (globalThis as unknown as { join: (u: string) => Promise<number> }).join(url),
    `http://127.0.0.1:${node.port}/lp`,
  );
  expect(id).toEqual(expect.any(Number));
  return page;
}

describe('node stop with long-poll sessions of Autobahn|JS in Chromium', () => {
  let node: ConfigNode | undefined;
  const browsers: Browser[] = [];

  async function start(): Promise<ConfigNode> {
    node = await startConfigNode(
      routerConfig(
        [openRealm()],
        [
          {
            type: 'web',
            endpoint: LOCAL_ENDPOINT,
            paths: {
              '/': { type: 'static', directory: '.' },
              // A session timeout past the test's own: the inactivity drop does not end the gone client.
              lp: { type: 'longpoll', options: { session_timeout: 120 } },
            },
          },
        ],
      ),
      {
        prefix: 'lp-stop',
        prepare: async (cbdir) => {
          await writeFile(join(cbdir, 'index.html'), PAGE);
          await copyFile(AUTOBAHN, join(cbdir, 'autobahn.min.js'));
        },
      },
    );
    return node;
  }

  async function launch(): Promise<Browser> {
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox'],
    });
    browsers.push(browser);
    return browser;
  }

  afterEach(async () => {
    await Promise.all(browsers.splice(0).map((browser) => browser.close()));
    await node?.stop();
    node = undefined;
  });

  it(
    'does not wait the grace period for a client whose browser was closed without a goodbye',
    async () => {
      const running = await start();
      const gone = await launch();
      await joinedPage(gone, running);
      await gone.close();
      // Resolves once every session has ended; with the gone client awaited it would take 30 s.
      await running.node.stop({ timeoutMs: GRACE_MS });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'still sends GOODBYE to a polling client and awaits its reply, beside a gone one',
    async () => {
      const running = await start();
      const gone = await launch();
      await joinedPage(gone, running);
      await gone.close();
      const polling = await joinedPage(await launch(), running);
      await running.node.stop({ timeoutMs: GRACE_MS });
      const closed = await polling.evaluate(() => (globalThis as unknown as { closeInfo: unknown }).closeInfo);
      expect(closed).toEqual({ reason: 'closed', wamp: 'wamp.close.system_shutdown' });
    },
    TEST_TIMEOUT_MS,
  );
});
