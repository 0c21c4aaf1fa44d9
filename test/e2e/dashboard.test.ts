/**
 * The `dashboard` path in Chromium: the page joins the realm through the node's WebSocket path,
 * reads the meta API, and shows sessions, subscriptions, registrations and each session's
 * identity, peer and join time, updating as clients come and go. Figures are read through their
 * `data-realm` and `data-metric` attributes. A screenshot is kept in test-artifacts/.
 */
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { connect } from '@interchange/client';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConfigNode, LOCAL_ENDPOINT, openRealm, routerConfig, startConfigNode } from './support/config-node.js';

const artifacts = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

describe('dashboard path in Chromium', () => {
  let node: ConfigNode;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    const config = routerConfig(
      [openRealm()],
      [
        {
          type: 'web',
          endpoint: LOCAL_ENDPOINT,
          paths: {
            ws: { type: 'websocket' },
            dashboard: { type: 'dashboard', realm: 'realm1', websocket: '/ws' },
          },
        },
      ],
    );
    node = await startConfigNode(config, { prefix: 'dashboard' });
    base = node.node.addresses[0]?.url as string;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    await node?.stop();
  });

  it('shows the realm live: sessions with authid, role and peer, subscriptions, registrations', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}dashboard`);
    const figure = (metric: string) => page.textContent(`[data-realm="realm1"][data-metric="${metric}"]`);
    // The page's own session.
    await expect.poll(() => figure('sessions'), { timeout: 10_000 }).toBe('1');

    const client = await connect({ url: `${base.replace('http', 'ws')}ws`, realm: 'realm1' });
    await client.register('com.example.add', ({ args }) => (args[0] as number) + (args[1] as number));
    await client.subscribe('com.example.tick', () => {});
    await expect.poll(() => figure('sessions'), { timeout: 10_000 }).toBe('2');
    await expect.poll(() => figure('registrations'), { timeout: 10_000 }).toBe('1');
    // The meta API lists application subscriptions only: the page's own to wamp.session.* are not among them.
    await expect.poll(() => figure('subscriptions'), { timeout: 10_000 }).toBe('1');
    const rows = page.locator('[data-realm="realm1"][data-metric="session"]');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(2);
    const clientRow = rows.filter({ hasText: String(client.id) });
    expect(await clientRow.textContent()).toMatch(/anonymous.*websocket \(json\)tcp4:127\.0\.0\.1:\d+/);
    // Joined at: shown in local time, the router's ISO-8601 time in the <time> element.
    const joined = await clientRow.locator('[data-metric="joined"] time').getAttribute('datetime');
    expect(joined).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Math.abs(Date.parse(joined as string) - Date.now())).toBeLessThan(60_000);
    expect(await clientRow.locator('[data-metric="authid"]').textContent()).toBe(client.details?.['authid']);
    // A node without a cluster has no cluster nodes to show.
    expect(await page.isHidden('#cluster')).toBe(true);

    // Message rates: traffic makes the chart's rates positive.
    for (let i = 0; i < 20; i++) await client.call('com.example.add', [i, 1]);
    await expect
      .poll(async () => Number(await figure('messages-received-rate')), { timeout: 10_000 })
      .toBeGreaterThan(0);
    expect(Number(await figure('messages-sent-rate'))).toBeGreaterThanOrEqual(0);
    // The chart draws a line once it has two samples.
    await expect
      .poll(async () => (await page.getAttribute('#in', 'points'))?.split(' ').length ?? 0, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(2);

    await mkdir(artifacts, { recursive: true });
    await page.screenshot({ path: `${artifacts}dashboard.png`, fullPage: true });

    await client.leave();
    await expect.poll(() => figure('sessions'), { timeout: 10_000 }).toBe('1');
    await expect.poll(() => figure('registrations'), { timeout: 10_000 }).toBe('0');
    await page.close();
  });

  it('serves the page at the path and the client bundle beside it', async () => {
    const redirect = await fetch(`${base}dashboard`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('/dashboard/');
    const bundle = await fetch(`${base}dashboard/interchange-core.min.js`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await fetch(`${base}dashboard/other`)).status).toBe(404);
    const activity = (await (await fetch(`${base}dashboard/activity`)).json()) as Record<string, unknown>;
    expect(activity).toEqual({ messagesReceived: expect.any(Number), messagesSent: expect.any(Number) });
  });
});
