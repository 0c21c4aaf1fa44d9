/**
 * The votes demo in a real browser: the node serves the page and runs the Node backend
 * component; Playwright drives Debian's Chromium with two pages. A vote in one page must show
 * up in the other, and a reset must clear both. A screenshot is kept in test-artifacts/.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { InterchangeNode } from '@interchange/server';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const cbdir = fileURLToPath(new URL('../.interchange/', import.meta.url));
const artifacts = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));

/** The demo's own config, moved to 127.0.0.1 and a free port. */
async function loadDemoConfig(file = 'config.json'): Promise<Record<string, unknown>> {
  const config = JSON.parse(await readFile(`${cbdir}${file}`, 'utf8'));
  for (const transport of config.workers[0].transports) {
    transport.endpoint = { ...transport.endpoint, port: 0, interface: '127.0.0.1' };
  }
  return config;
}

async function openVotesPage(browser: Browser, baseUrl: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(baseUrl);
  await page.locator('#status[data-state="connected"]').waitFor();
  return page;
}

function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

describe('votes demo in Chromium, backend in the node', () => {
  let node: InterchangeNode;
  let browser: Browser;
  let baseUrl: string;

  beforeAll(async () => {
    node = await InterchangeNode.start({ config: await loadDemoConfig(), cbdir });
    baseUrl = `http://127.0.0.1:${node.addresses[0]?.port}/`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await node?.stop();
  });

  it('shows a vote cast in one page in the other page, and resets both', async () => {
    const voter = await openVotesPage(browser, baseUrl);
    const watcher = await openVotesPage(browser, baseUrl);

    for (const flavor of ['banana', 'chocolate', 'lemon']) {
      await expect.poll(() => watcher.textContent(`#votes-${flavor}`)).toBe('0');
    }

    await voter.click('#vote-banana');
    await voter.click('#vote-banana');
    await voter.click('#vote-lemon');

    await expect.poll(() => watcher.textContent('#votes-banana')).toBe('2');
    await expect.poll(() => watcher.textContent('#votes-lemon')).toBe('1');
    await expect.poll(() => watcher.textContent('#votes-chocolate')).toBe('0');
    await expect.poll(() => voter.textContent('#votes-banana')).toBe('2');

    await mkdir(artifacts, { recursive: true });
    await watcher.screenshot({ path: `${artifacts}votes-demo.png`, fullPage: true });

    await watcher.click('#reset');
    await expect.poll(() => voter.textContent('#votes-banana')).toBe('0');
    await expect.poll(() => voter.textContent('#votes-lemon')).toBe('0');
  });

  it('serves the backend-in-a-tab page of the seed', async () => {
    const response = await fetch(`${baseUrl}backend.html`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  });
});

describe('votes demo in Chromium, backend in a browser tab (as in the seed)', () => {
  let node: InterchangeNode;
  let browser: Browser;
  let baseUrl: string;

  beforeAll(async () => {
    node = await InterchangeNode.start({ config: await loadDemoConfig('config-browser-backend.json'), cbdir });
    baseUrl = `http://127.0.0.1:${node.addresses[0]?.port}/`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await node?.stop();
  });

  it('routes votes from one page through the backend tab to another page', async () => {
    const backendTab = await browser.newPage();
    await backendTab.goto(`${baseUrl}backend.html`);
    await backendTab.locator('#status[data-state="connected"]').waitFor();

    const voter = await openVotesPage(browser, baseUrl);
    const watcher = await openVotesPage(browser, baseUrl);
    await voter.click('#vote-chocolate');
    await expect.poll(() => watcher.textContent('#votes-chocolate')).toBe('1');
    await expect.poll(() => backendTab.textContent('#log')).toContain('vote for chocolate (1)');
  });
});
