/**
 * Pending calls are bounded per caller and per callee (the realm's `limits`), and the ERRORs a
 * caller provoked itself (its callee left with its calls pending) do not disconnect it as a slow
 * consumer (issue 12). Against a real node; callers read normally.
 */
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { InterchangeNode } from '../../src/node.js';
import { LOCAL_ENDPOINT, tempDir, workerConfig } from '../helpers.js';
import { RawSocketTestClient, type Target } from '../support/rawsocket-client.js';
import { recordingLogger } from '../support/recording.js';

/** A WebSocket WAMP session that reads everything it is sent. */
async function wsSession(url: string): Promise<{ ws: WebSocket; messages: unknown[][]; send: (m: unknown[]) => void }> {
  const ws = new WebSocket(url, 'wamp.2.json');
  const messages: unknown[][] = [];
  ws.on('message', (data) => messages.push(JSON.parse(data.toString()) as unknown[]));
  await once(ws, 'open');
  const send = (message: unknown[]) => ws.send(JSON.stringify(message));
  send([1, 'realm1', { roles: { caller: {} } }]);
  await expect.poll(() => messages.length).toBe(1);
  expect(messages.shift()?.[0]).toBe(2);
  return { ws, messages, send };
}

describe('pending calls', () => {
  let node: InterchangeNode;
  let tcp: Target;
  let url: string;
  const log = recordingLogger();

  beforeAll(async () => {
    const config = workerConfig(
      [
        { type: 'rawsocket', endpoint: LOCAL_ENDPOINT },
        { type: 'websocket', endpoint: LOCAL_ENDPOINT, options: { outbound_limit: 65_536 } },
      ],
      { realms: [{ name: 'realm1', limits: { pending_calls_per_session: 2000, pending_calls_per_callee: 2500 } }] },
    );
    node = await InterchangeNode.start({ config, cbdir: await tempDir(), logger: log.logger });
    tcp = { port: node.addresses[0]!.port };
    url = node.addresses[1]!.websocketUrls[0]!;
  });

  afterAll(async () => {
    await node.stop({ timeoutMs: 500 });
  });

  async function silentCallee(procedure: string): Promise<RawSocketTestClient> {
    const callee = await RawSocketTestClient.connected(tcp);
    await callee.join();
    callee.sendJson([64, 1, {}, procedure]);
    expect((await callee.nextJson())[0]).toBe(65);
    return callee;
  }

  it('refuses calls past pending_calls_per_session, logging the caller once with its peer', async () => {
    const callee = await silentCallee('com.example.slow');
    const caller = await wsSession(url);
    for (let i = 1; i <= 2010; i++) caller.send([48, i, {}, 'com.example.slow']);
    await expect.poll(() => caller.messages.length).toBe(10);
    for (const [k, message] of caller.messages.entries())
      expect(message.slice(0, 5)).toEqual([8, 48, 2001 + k, {}, 'interchange.error.pending_calls_limit_reached']);
    const warnings = log.entries.filter((e) => e.obj.limit === 'limits.pending_calls_per_session');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.obj.peer).toMatch(/^tcp4:127\.0\.0\.1:\d+$/);
    caller.ws.close();
    callee.close();
  });

  it('counts a callee at pending_calls_per_callee as busy', async () => {
    const callee = await silentCallee('com.example.swamped');
    const [a, b] = [await wsSession(url), await wsSession(url)];
    for (let i = 1; i <= 1500; i++) a.send([48, i, {}, 'com.example.swamped']);
    for (let i = 0; i < 1500; i++) expect((await callee.nextJson())[0]).toBe(68);
    for (let i = 1; i <= 1010; i++) b.send([48, i, {}, 'com.example.swamped']);
    await expect.poll(() => b.messages.length).toBe(10);
    expect(b.messages.every((m) => m[4] === 'crossbar.error.max_concurrency_reached')).toBe(true);
    expect(log.entries.some((e) => e.obj.limit === 'limits.pending_calls_per_callee')).toBe(true);
    for (const session of [a, b]) session.ws.close();
    callee.close();
  });

  it('sends every ERROR of a departed callee to a caller that reads, past its outbound_limit, without disconnecting it', async () => {
    const callee = await silentCallee('com.example.doomed');
    const caller = await wsSession(url);
    const calls = 1500;
    for (let i = 1; i <= calls; i++) caller.send([48, i, {}, 'com.example.doomed']);
    // Wait until the callee has all its invocations: then its calls are all pending.
    for (let i = 0; i < calls; i++) expect((await callee.nextJson())[0]).toBe(68);
    callee.close();
    // 1,500 ERRORs (about 100 KB) in one turn, over the 64 KiB outbound_limit.
    await expect.poll(() => caller.messages.length, { timeout: 5000 }).toBe(calls);
    expect(caller.messages.every((m) => m[0] === 8 && m[4] === 'wamp.error.canceled')).toBe(true);
    expect(caller.ws.readyState).toBe(WebSocket.OPEN);
    expect(log.entries.some((e) => e.msg === 'slow consumer: disconnecting')).toBe(false);
    // And the caller is still served.
    caller.send([48, 9999, {}, 'wamp.session.count']);
    await expect.poll(() => caller.messages.at(-1)?.[0]).toBe(50);
    caller.ws.close();
  });
});
