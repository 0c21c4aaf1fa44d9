/**
 * The votes page recovers by itself (issue 14): in Chromium, it keeps working after the node is
 * stopped and started again on the same port (its events arrive again without a reload, so the
 * subscriptions were restored), and it leaves "no backend yet" once a backend registers.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { InterchangeNode } from '@interchange/server';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const cbdir = fileURLToPath(new URL('../.interchange/', import.meta.url));

/** The demo's own config, moved to 127.0.0.1 and `port` (0: a free one). */
async function loadDemoConfig(file: string, port: number): Promise<Record<string, unknown>> {
  const config = JSON.parse(await readFile(`${cbdir}${file}`, 'utf8'));
  for (const transport of config.workers[0].transports) {
    transport.endpoint = { ...transport.endpoint, port, interface: '127.0.0.1' };
  }
  return config;
}

async function waitForState(page: Page, state: string): Promise<void> {
  await page.locator(`#status[data-state="${state}"]`).waitFor({ timeout: 20_000 });
}

describe('votes page in Chromium, when the node restarts or the backend is missing', () => {
  let browser: Browser;
  let node: InterchangeNode | undefined;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await node?.stop();
  });

  it('reconnects after the node restarts, and its votes and events work again', async () => {
    node = await InterchangeNode.start({ config: await loadDemoConfig('config.json', 0), cbdir });
    const port = node.addresses[0]?.port as number;
    const baseUrl = `http://127.0.0.1:${port}/`;
    const voter = await browser.newPage();
    const watcher = await browser.newPage();
    for (const page of [voter, watcher]) {
      await page.goto(baseUrl);
      await waitForState(page, 'connected');
    }
    await voter.click('#vote-banana');
    await expect.poll(() => watcher.textContent('#votes-banana')).toBe('1');

    // A graceful stop: every session gets GOODBYE wamp.close.system_shutdown.
    await node.stop();
    node = undefined;
    await waitForState(watcher, 'closed');
    expect(await watcher.textContent('#status')).toContain('retrying');
    expect(await voter.isDisabled('#vote-banana')).toBe(true);

    node = await InterchangeNode.start({ config: await loadDemoConfig('config.json', port), cbdir });
    await waitForState(voter, 'connected');
    await waitForState(watcher, 'connected');
    // The restarted backend counts from zero, and the pages show its standings.
    await expect.poll(() => watcher.textContent('#votes-banana')).toBe('0');
    await voter.click('#vote-lemon');
    await voter.click('#vote-lemon');
    // Seen through the restored subscription to on_vote: the watcher did not vote.
    await expect.poll(() => watcher.textContent('#votes-lemon')).toBe('2');
    await watcher.click('#reset');
    await expect.poll(() => voter.textContent('#votes-lemon')).toBe('0');
    await voter.close();
    await watcher.close();
    await node.stop();
    node = undefined;
  });

  it('waits for a backend, and works once one registers', async () => {
    node = await InterchangeNode.start({ config: await loadDemoConfig('config-browser-backend.json', 0), cbdir });
    const baseUrl = `http://127.0.0.1:${node.addresses[0]?.port}/`;
    const page = await browser.newPage();
    await page.goto(baseUrl);
    await waitForState(page, 'waiting');
    expect(await page.textContent('#status')).toContain('no backend yet');
    expect(await page.isDisabled('#vote-banana')).toBe(true);

    const backendTab = await browser.newPage();
    await backendTab.goto(`${baseUrl}backend.html`);
    await waitForState(backendTab, 'connected');
    await waitForState(page, 'connected');
    await page.click('#vote-chocolate');
    await expect.poll(() => page.textContent('#votes-chocolate')).toBe('1');
    await page.close();
    await backendTab.close();
    await node.stop();
    node = undefined;
  });
});
