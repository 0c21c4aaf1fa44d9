/**
 * Crossbar's logout: a session that says GOODBYE with `wamp.close.logout` ends its cookie's
 * authentication, so the next connection presenting that cookie is challenged again rather than
 * let in by the cookie (Crossbar's `authentication/cookie` example counts on it). Shown with an
 * Autobahn|Python client (interop/cookie_logout_client.py) that keeps the cookie as a browser does; and
 * the cookie's other open connections (other tabs) are closed, shown with plain WebSockets.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type ConfigNode, LOCAL_ENDPOINT, routerConfig, startConfigNode } from '../support/config-node.js';

const run = promisify(execFile);

/** A WAMP-over-JSON WebSocket as a browser tab opens it, sending `cookie`; resolves with it and the Set-Cookie it got. */
async function tab(
  url: string,
  cookie?: string,
): Promise<{ ws: WebSocket; setCookie?: string; next: () => Promise<unknown[]> }> {
  const ws = new WebSocket(url, ['wamp.2.json'], cookie === undefined ? {} : { headers: { Cookie: cookie } });
  const queue: unknown[][] = [];
  const waiting: ((m: unknown[]) => void)[] = [];
  ws.on('message', (data) => {
    const message = JSON.parse(String(data)) as unknown[];
    const waiter = waiting.shift();
    if (waiter === undefined) queue.push(message);
    else waiter(message);
  });
  let setCookie: string | undefined;
  ws.once('upgrade', (response) => {
    setCookie = response.headers['set-cookie']?.[0]?.split(';')[0];
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const next = () =>
    new Promise<unknown[]>((resolve) =>
      queue.length > 0 ? resolve(queue.shift() as unknown[]) : waiting.push(resolve),
    );
  return { ws, ...(setCookie === undefined ? {} : { setCookie }), next };
}
const script = fileURLToPath(new URL('./cookie_logout_client.py', import.meta.url));

describe('wamp.close.logout', () => {
  let node: ConfigNode;

  beforeAll(async () => {
    const realm = {
      name: 'realm1',
      roles: [{ name: 'user', permissions: [{ uri: '', match: 'prefix', allow: { call: true } }] }],
    };
    const auth = {
      ticket: { type: 'static', principals: { joe: { ticket: 'secret-ticket', role: 'user' } } },
      cookie: {},
    };
    node = await startConfigNode(
      routerConfig([realm], [{ type: 'web', endpoint: LOCAL_ENDPOINT, paths: { ws: { type: 'websocket', auth } } }]),
      { prefix: 'cookie-logout' },
    );
  });

  afterAll(async () => {
    await node?.stop();
  });

  it('makes the next connection with the same cookie authenticate again (Autobahn|Python)', async () => {
    const url = `ws://127.0.0.1:${node.port}/ws`;
    const { stdout } = await run('/usr/bin/python3', [script, url], { timeout: 30_000 });
    const runs = JSON.parse(stdout.trim().split('\n').pop() ?? '[]');
    expect(runs).toEqual([
      { offered: ['ticket'], challenged: true, authmethod: 'ticket', authprovider: 'static' },
      // The cookie of the first connection lets the second in without a challenge ...
      { offered: ['cookie', 'ticket'], challenged: false, authmethod: 'ticket', authprovider: 'cookie' },
      // ... which logs out: the same cookie no longer does, the ticket is asked for again.
      { offered: ['cookie', 'ticket'], challenged: true, authmethod: 'ticket', authprovider: 'static' },
      // And that authentication is remembered by the cookie again.
      { offered: ['cookie', 'ticket'], challenged: false, authmethod: 'ticket', authprovider: 'cookie' },
    ]);
  });

  it("closes the cookie's other open connections (other tabs), as Crossbar does", async () => {
    const url = `ws://127.0.0.1:${node.port}/ws`;
    const login = await tab(url);
    login.ws.send(JSON.stringify([1, 'realm1', { roles: { caller: {} }, authmethods: ['ticket'], authid: 'joe' }]));
    expect((await login.next())[0]).toBe(4); // CHALLENGE
    login.ws.send(JSON.stringify([5, 'secret-ticket', {}]));
    expect((await login.next())[0]).toBe(2); // WELCOME
    const cookie = login.setCookie;
    expect(cookie).toMatch(/^cbtid=/);
    const hello = JSON.stringify([1, 'realm1', { roles: { caller: {} }, authmethods: ['cookie'] }]);
    const other = await tab(url, cookie);
    other.ws.send(hello);
    expect((await other.next())[2]).toMatchObject({ authprovider: 'cookie' });
    const otherClosed = new Promise<number>((resolve) => other.ws.once('close', resolve));
    const leaving = await tab(url, cookie);
    leaving.ws.send(hello);
    expect((await leaving.next())[2]).toMatchObject({ authprovider: 'cookie' });
    leaving.ws.send(JSON.stringify([6, {}, 'wamp.close.logout']));
    expect((await leaving.next())[0]).toBe(6); // its own GOODBYE is answered
    expect(await otherClosed).toBe(1000);
    login.ws.close();
  });
});
