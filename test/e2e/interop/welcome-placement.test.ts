/**
 * Crossbar's custom WELCOME attributes, read by Autobahn|Python: `x_cb_node`, `x_cb_worker`,
 * `x_cb_peer` and `x_cb_pid` in `SessionDetails.authextra` and as WELCOME's `x_` attributes.
 * One process with two router workers (one named, one given Crossbar's default name), first on
 * its own, then as two nodes of a cluster on a real nats-server.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { InterchangeNode } from '@interchange/server';
import { afterAll, describe, expect, it } from 'vitest';
import { startNats } from '../cluster/cluster-support.js';
import { type ConfigNode, LOCAL_ENDPOINT, openRealm, startConfigNode } from '../support/config-node.js';

const run = promisify(execFile);
const script = fileURLToPath(new URL('./welcome_placement_client.py', import.meta.url));

interface Observed {
  authextra: Record<string, unknown>;
  custom: Record<string, unknown>;
  session: number;
}

async function joinWithPython(url: string): Promise<Observed> {
  const { stdout } = await run('/usr/bin/python3', [script, url, 'realm1'], { timeout: 30_000 });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Observed;
}

function twoWorkers(extra: Record<string, unknown> = {}) {
  const transport = { type: 'websocket', endpoint: LOCAL_ENDPOINT };
  return {
    version: 2,
    controller: { id: 'node-x' },
    workers: [
      { type: 'router', id: 'edge', realms: [openRealm()], transports: [transport] },
      { type: 'router', realms: [openRealm()], transports: [transport] },
    ],
    ...extra,
  };
}

function urlOf(node: InterchangeNode, worker: number): string {
  const address = node.addresses.find((a) => a.worker === worker);
  if (address === undefined) throw new Error(`no transport of worker ${worker}`);
  return `ws://127.0.0.1:${address.port}/`;
}

/** What both places of the details say, checked to be the same; the peer is the client's socket. */
function placementOf(observed: Observed): Record<string, unknown> {
  const keys = ['x_cb_node', 'x_cb_worker', 'x_cb_peer', 'x_cb_pid'];
  const inAuthextra = Object.fromEntries(keys.map((k) => [k, observed.authextra[k]]));
  expect(observed.custom).toEqual(inAuthextra);
  expect(inAuthextra.x_cb_peer).toMatch(/^tcp4:127\.0\.0\.1:\d+$/);
  return inAuthextra;
}

const started: ConfigNode[] = [];
const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const node of started) await node.stop();
  for (const stop of stops) await stop();
});

describe('WELCOME tells Autobahn|Python where the session landed, as Crossbar does', () => {
  it('a node without a cluster: the controller id, each worker by its id or Crossbar default, the pid', async () => {
    const node = await startConfigNode(twoWorkers(), { prefix: 'placement' });
    started.push(node);
    const first = placementOf(await joinWithPython(urlOf(node.node, 0)));
    const second = placementOf(await joinWithPython(urlOf(node.node, 1)));
    expect(first).toMatchObject({ x_cb_node: 'node-x', x_cb_worker: 'edge', x_cb_pid: process.pid });
    expect(second).toMatchObject({ x_cb_node: 'node-x', x_cb_worker: 'worker001', x_cb_pid: process.pid });
  });

  it('cluster members: each router worker names its own cluster node', async () => {
    const nats = await startNats();
    stops.push(() => nats.stop());
    const cluster = { type: 'nats', servers: [nats.url], node: 'alpha' };
    const node = await startConfigNode(twoWorkers({ cluster }), { prefix: 'placement-cluster' });
    started.push(node);
    const first = placementOf(await joinWithPython(urlOf(node.node, 0)));
    const second = placementOf(await joinWithPython(urlOf(node.node, 1)));
    expect(first).toMatchObject({ x_cb_node: 'alpha-edge', x_cb_worker: 'edge', x_cb_pid: process.pid });
    expect(second).toMatchObject({ x_cb_node: 'alpha-1', x_cb_worker: 'worker001', x_cb_pid: process.pid });
  });
});
