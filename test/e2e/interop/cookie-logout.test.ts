/**
 * Crossbar's logout: a session that says GOODBYE with `wamp.close.logout` ends its cookie's
 * authentication, so the next connection presenting that cookie is challenged again rather than
 * let in by the cookie (Crossbar's `authentication/cookie` example counts on it). Shown with an
 * Autobahn|Python client (interop/cookie_logout_client.py) that keeps the cookie as a browser does.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConfigNode, LOCAL_ENDPOINT, routerConfig, startConfigNode } from '../support/config-node.js';

const run = promisify(execFile);
const script = fileURLToPath(new URL('./cookie_logout_client.py', import.meta.url));

describe('wamp.close.logout with an Autobahn|Python client', () => {
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

  it('makes the next connection with the same cookie authenticate again', async () => {
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
});
