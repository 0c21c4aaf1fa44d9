/**
 * Cookie authentication over real WebSockets: the transport sets a `cbtid` cookie on the opening
 * handshake; once a connection with it authenticated by ticket, a later connection presenting the
 * cookie and offering `cookie` joins as the same principal without a challenge.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ApplicationError, connect, type WebSocketConstructor } from '@interchange/client';
import { InterchangeNode } from '@interchange/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { routerConfig } from '../support/config-node.js';

let node: InterchangeNode;
let cbdir: string;
let url: string;

beforeAll(async () => {
  cbdir = await mkdtemp(join(tmpdir(), 'interchange-cookie-'));
  const config = routerConfig(
    [
      {
        name: 'realm1',
        roles: [{ name: 'user', permissions: [{ uri: '', match: 'prefix', allow: { call: true } }] }],
      },
    ],
    [
      {
        type: 'web',
        endpoint: { type: 'tcp', port: 0, interface: '127.0.0.1' },
        paths: {
          ws: {
            type: 'websocket',
            auth: {
              ticket: { type: 'static', principals: { joe: { ticket: 'cookie-ticket', role: 'user' } } },
              cookie: {},
            },
          },
        },
      },
    ],
  );
  node = await InterchangeNode.start({ config, cbdir });
  url = `ws://127.0.0.1:${node.addresses[0]?.port}/ws`;
});

afterAll(async () => {
  await node?.stop({ timeoutMs: 300 });
  await rm(cbdir, { recursive: true, force: true });
});

/** A `ws` WebSocket sending `cookie` (when given) and keeping the cookie the server sets, as a browser does. */
function browserLike(jar: { cookie?: string }): WebSocketConstructor {
  class CookieWebSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, jar.cookie === undefined ? {} : { headers: { Cookie: jar.cookie } });
      this.once('upgrade', (response: IncomingMessage) => {
        const set = response.headers['set-cookie']?.[0];
        if (set !== undefined) jar.cookie = set.split(';')[0] ?? set;
      });
    }
  }
  return CookieWebSocket as unknown as WebSocketConstructor;
}

describe('cookie authentication', () => {
  it('sets a cookie, records the ticket authentication with it, and lets the cookie authenticate later', async () => {
    const jar: { cookie?: string } = {};
    const first = await connect({
      url,
      realm: 'realm1',
      authmethods: ['cookie', 'ticket'],
      authid: 'joe',
      auth: { ticket: 'cookie-ticket' },
      WebSocket: browserLike(jar),
    });
    expect(first.details).toMatchObject({ authid: 'joe', authmethod: 'ticket', authprovider: 'static' });
    expect(jar.cookie).toMatch(/^cbtid=[A-Za-z0-9_-]+$/);
    await first.leave();

    const issued = jar.cookie;
    const second = await connect({ url, realm: 'realm1', authmethods: ['cookie'], WebSocket: browserLike(jar) });
    expect(second.details).toMatchObject({
      authid: 'joe',
      authrole: 'user',
      authmethod: 'ticket',
      authprovider: 'cookie',
    });
    // A known cookie is not replaced.
    expect(jar.cookie).toBe(issued);
    await second.leave();
  });

  it('does not authenticate a connection without an authenticated cookie', async () => {
    const error = await connect({ url, realm: 'realm1', authmethods: ['cookie'], WebSocket: browserLike({}) }).catch(
      (e: unknown) => e,
    );
    expect((error as ApplicationError).uri).toBe('wamp.error.no_auth_method');
    const forged = await connect({
      url,
      realm: 'realm1',
      authmethods: ['cookie'],
      WebSocket: browserLike({ cookie: 'cbtid=forged' }),
    }).catch((e: unknown) => e);
    expect((forged as ApplicationError).uri).toBe('wamp.error.no_auth_method');
  });
});
