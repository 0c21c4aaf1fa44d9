/**
 * The page `interchange init` writes, in a real browser (Playwright driving Debian's Chromium),
 * served by a node started from the config `init` wrote: it must connect, call and receive.
 */
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { loadConfig } from '../../src/config/load-config.js';
import { InterchangeNode } from '../../src/node.js';
import { tempDir } from '../helpers.js';

describe('the init starter page', () => {
  it('connects, calls and receives its own event in Chromium', async () => {
    const cwd = await tempDir();
    const quiet = { write: () => true };
    expect(await runCli(['init'], { cwd, stdout: quiet, stderr: quiet })).toBe(0);
    const { config, cbdir } = await loadConfig({ cwd });
    expect(cbdir).toBe(join(cwd, '.interchange'));
    const node = await InterchangeNode.start({ config, cbdir, overrides: { interface: '127.0.0.1', port: 0 } });
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu'],
    });
    try {
      const page = await browser.newPage();
      await page.goto(node.addresses[0]!.url);
      await page.locator('#log li', { hasText: 'com.example.add2(2, 3) = 5' }).waitFor();
      await page.locator('#log li', { hasText: 'event: hello from session' }).waitFor();
      expect(await page.locator('#status').textContent()).toMatch(
        /^connected to ws:\/\/127\.0\.0\.1:\d+\/ws \(session \d+\)$/,
      );
    } finally {
      await browser.close();
      await node.stop({ timeoutMs: 1000 });
    }
  });
});
