/**
 * The dashboard of a cluster member, in Chromium: two nodes started from configs with a
 * `cluster` block, joined through a real nats-server; the dashboard of one lists both nodes
 * (from `interchange.cluster.nodes`), with when each was first and last heard of; a role not
 * allowed to call the procedure sees why instead; and the procedure answers a typed client.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type Session } from '@interchange/client';
import { InterchangeNode } from '@interchange/server';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NatsServer, startNats } from './cluster-support.js';

const artifacts = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('dashboard of a cluster member', () => {
  let nats: NatsServer;
  const nodes: InterchangeNode[] = [];
  const cbdirs: string[] = [];
  let browser: Browser;

  /** Starts a node of the cluster with a WebSocket path and a dashboard. */
  async function startMember(node: string): Promise<InterchangeNode> {
    const cbdir = await mkdtemp(join(tmpdir(), 'interchange-cluster-dashboard-'));
    cbdirs.push(cbdir);
    const started = await InterchangeNode.start({
      cbdir,
      config: {
        version: 2,
        cluster: { type: 'nats', servers: [nats.url], node, heartbeat_interval: 200, dead_node_timeout: 2000 },
        workers: [
          {
            type: 'router',
            realms: [
              {
                name: 'realm1',
                roles: [
                  {
                    name: 'anonymous',
                    permissions: [{ uri: '', match: 'prefix', allow: { call: true, subscribe: true } }],
                  },
                  {
                    name: 'guest',
                    permissions: [
                      { uri: 'wamp.', match: 'prefix', allow: { call: true, subscribe: true } },
                      { uri: 'interchange.', match: 'prefix', allow: { call: false } },
                    ],
                  },
                ],
              },
            ],
            transports: [
              {
                type: 'web',
                endpoint: { type: 'tcp', port: 0, interface: '127.0.0.1' },
                paths: {
                  ws: { type: 'websocket' },
                  guest: { type: 'websocket', auth: { anonymous: { type: 'static', role: 'guest' } } },
                  'guest-dashboard': { type: 'dashboard', realm: 'realm1', websocket: '/guest' },
                  dashboard: { type: 'dashboard', realm: 'realm1', websocket: '/ws' },
                },
              },
            ],
          },
        ],
      },
    });
    nodes.push(started);
    return started;
  }

  beforeAll(async () => {
    nats = await startNats();
    await startMember('alpha');
    await startMember('beta');
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    for (const node of nodes) await node.stop();
    await nats?.stop();
    for (const cbdir of cbdirs) await rm(cbdir, { recursive: true, force: true });
  });

  it('lists both nodes of the cluster, this node first, with when each was heard of', async () => {
    const page = await browser.newPage();
    await page.goto(`${nodes[0]?.addresses[0]?.url}dashboard`);
    const count = () => page.textContent('[data-realm="realm1"][data-metric="cluster-node-count"]');
    await expect.poll(count, { timeout: 15_000 }).toBe('2');
    expect(await page.isVisible('#cluster')).toBe(true);
    const rows = page.locator('[data-realm="realm1"][data-metric="cluster-node"]');
    expect(await rows.locator('[data-metric="node"]').allTextContents()).toEqual(['alpha (this node)', 'beta']);
    for (const metric of ['alive-since', 'last-heartbeat']) {
      const times = await rows
        .locator(`[data-metric="${metric}"] time`)
        .evaluateAll((elements) => elements.map((element) => element.getAttribute('datetime')));
      expect(times).toEqual([expect.stringMatching(ISO_TIME), expect.stringMatching(ISO_TIME)]);
    }
    await mkdir(artifacts, { recursive: true });
    await page.screenshot({ path: `${artifacts}dashboard-cluster.png`, fullPage: true });
    await page.close();
  });

  it('says so where the nodes would be when the role may not call interchange.cluster.nodes', async () => {
    const page = await browser.newPage();
    await page.goto(`${nodes[0]?.addresses[0]?.url}guest-dashboard`);
    await expect
      .poll(() => page.textContent('[data-realm="realm1"][data-metric="sessions"]'), { timeout: 15_000 })
      .not.toBe('–');
    await expect
      .poll(() => page.textContent('[data-realm="realm1"][data-metric="cluster-node-count"]'), { timeout: 15_000 })
      .toBe('cannot read: wamp.error.not_authorized');
    expect(await page.isVisible('#cluster')).toBe(true);
    expect(await page.locator('[data-metric="cluster-node"]').count()).toBe(0);
    await page.close();
  });

  it('answers interchange.cluster.nodes to a client on the other node, and refuses arguments', async () => {
    const url = `${nodes[1]?.addresses[0]?.url.replace('http', 'ws')}ws`;
    const client: Session = await connect({ url, realm: 'realm1' });
    try {
      const { args } = await client.call('interchange.cluster.nodes');
      expect(args[0]).toEqual([
        { node: 'beta', self: true, alive_since: expect.stringMatching(ISO_TIME), last_heartbeat: expect.any(String) },
        {
          node: 'alpha',
          self: false,
          alive_since: expect.stringMatching(ISO_TIME),
          last_heartbeat: expect.any(String),
        },
      ]);
      await expect(client.call('interchange.cluster.nodes', ['x'])).rejects.toMatchObject({
        uri: 'wamp.error.invalid_argument',
      });
    } finally {
      await client.leave();
    }
  });
});
