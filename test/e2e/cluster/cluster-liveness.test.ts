/**
 * Node liveness with real node processes started by the CLI from a config with a `cluster`
 * block: a node killed with SIGKILL is noticed within its dead-node timeout (its registrations
 * disappear from the others, calls in flight to it fail for their callers), and a node whose
 * NATS cannot be reached at start says so, does not listen, and joins once NATS is up.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { connect, type Event, type Session } from '@interchange/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, leaveAll } from '../support/advanced-sessions.js';
import { freePort, killNodeProcess, startNodeProcess } from '../support/node-process.js';
import {
  type ClusterNode,
  type NatsServer,
  registeredEverywhere,
  startClusterNode,
  startNats,
  stopChild,
} from './cluster-support.js';

const cli = fileURLToPath(new URL('../../../packages/server/bin/interchange.js', import.meta.url));
const DEAD_NODE_TIMEOUT = 2000;

/** Writes a one-realm node config joined to the cluster on `nats`, listening on `port`. */
async function writeClusterConfig(nats: string, port: number, node: string): Promise<string> {
  const cbdir = await mkdtemp(join(tmpdir(), 'interchange-cluster-'));
  const config = {
    version: 2,
    cluster: { type: 'nats', servers: [nats], node, heartbeat_interval: 200, dead_node_timeout: DEAD_NODE_TIMEOUT },
    workers: [
      {
        type: 'router',
        realms: [{ name: 'realm1' }],
        transports: [{ type: 'websocket', endpoint: { type: 'tcp', port, interface: '127.0.0.1' } }],
      },
    ],
  };
  await writeFile(join(cbdir, 'config.json'), JSON.stringify(config));
  return cbdir;
}

describe('a node killed with SIGKILL', () => {
  let nats: NatsServer;
  let a: ClusterNode;
  let child: ChildProcess | undefined;
  let cbdir = '';
  const sessions: Session[] = [];

  beforeAll(async () => {
    nats = await startNats();
    a = await startClusterNode(nats.url, 'a', { heartbeatMs: 200, deadNodeMs: DEAD_NODE_TIMEOUT });
  });
  afterAll(async () => {
    await leaveAll(sessions);
    if (child !== undefined) await killNodeProcess(child);
    await a?.stop();
    await nats?.stop();
    if (cbdir !== '') await rm(cbdir, { recursive: true, force: true });
  });

  it('loses its registrations on the other nodes, and calls in flight to it fail, within the timeout', async () => {
    const port = await freePort();
    cbdir = await writeClusterConfig(nats.url, port, 'victim');
    child = await startNodeProcess(cbdir, port);
    const callee = await connect({ url: `ws://127.0.0.1:${port}/`, realm: 'realm1' });
    sessions.push(callee);
    let started = 0;
    await callee.register('com.live.hang', () => {
      started++;
      return new Promise(() => undefined);
    });
    await callee.register('com.live.ok', () => 'ok');
    await registeredEverywhere([a], 'com.live.hang', 1);
    await registeredEverywhere([a], 'com.live.ok', 1);

    const caller = await connect({ url: a.url(), realm: 'realm1' });
    sessions.push(caller);
    const wills: Event[] = [];
    await caller.subscribe('com.live.will', (e) => void wills.push(e));
    const destroyed = await callee.meta.addTestament('com.live.will', ['destroyed'], { who: 'callee' });
    const detached = await callee.meta.addTestament('com.live.will', ['detached'], {}, { scope: 'detached' });
    await callee.meta.addTestament('com.live.will', ['flushed'], {}, { scope: 'detached' });
    await callee.meta.flushTestaments('detached');
    const again = await callee.meta.addTestament('com.live.will', ['detached again'], {}, { scope: 'detached' });
    expect((await caller.call('com.live.ok')).args).toEqual(['ok']);
    const pending = caller.call('com.live.hang').catch((e: unknown) => e);
    await eventually(() => started === 1);

    const killedAt = Date.now();
    await killNodeProcess(child);
    const error = await pending;
    const noticedAfter = Date.now() - killedAt;
    expect(error).toMatchObject({ uri: 'wamp.error.canceled' });
    // Within the configured bound (a heartbeat interval of slack for the last one sent).
    expect(noticedAfter).toBeLessThan(DEAD_NODE_TIMEOUT + 1000);
    await registeredEverywhere([a], 'com.live.ok', 0);
    await expect(caller.call('com.live.ok')).rejects.toMatchObject({ uri: 'wamp.error.no_such_procedure' });
    // Its claims on its single procedures went with it: a survivor's session may register them.
    const heir = await connect({ url: a.url(), realm: 'realm1' });
    sessions.push(heir);
    await heir.register('com.live.ok', () => 'heir');
    expect((await caller.call('com.live.ok')).args).toEqual(['heir']);
    // Its session's testaments were published by the surviving node: detached first, under the
    // announced publication IDs, without the flushed one.
    await eventually(() => wills.length === 2);
    expect(wills.map((e) => [e.args[0], e.publication])).toEqual([
      ['detached again', again],
      ['destroyed', destroyed],
    ]);
    expect(wills[1]?.kwargs).toEqual({ who: 'callee' });
    expect(detached).not.toBe(again);
  });
});

describe('NATS unreachable at start', () => {
  it('the node says so, does not listen, retries, and joins once NATS is up', async () => {
    const natsPort = await freePort();
    const port = await freePort();
    const dir = await writeClusterConfig(`nats://127.0.0.1:${natsPort}`, port, 'late');
    const node = spawn(process.execPath, [cli, 'start', '--cbdir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    node.stderr?.resume();
    const messages: string[] = [];
    const lines = createInterface({ input: node.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      try {
        messages.push(String((JSON.parse(line) as { msg?: unknown }).msg));
      } catch {
        messages.push(line);
      }
    });
    let nats: NatsServer | undefined;
    try {
      await eventually(() => messages.some((m) => m.startsWith('cannot reach NATS')), 10_000);
      expect(messages).not.toContain('transport listening');
      nats = await startNats({ port: natsPort });
      await eventually(() => messages.includes('transport listening'), 15_000);
      expect(messages).toContain('joined the cluster');
      expect(messages.indexOf('joined the cluster')).toBeLessThan(messages.indexOf('transport listening'));
    } finally {
      await stopChild(node);
      await nats?.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
