/**
 * Crossbar's `cookie` block on a WebSocket path: the cookie's name, length, lifetime and
 * attributes as configured, and the `file` store, with which a cookie that authenticated still
 * authenticates after the node restarts. A browser-like `ws` client keeps the cookie.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ApplicationError, connect, type WebSocketConstructor } from '@interchange/client';
import { InterchangeNode } from '@interchange/server';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { routerConfig } from '../support/config-node.js';

const cbdirs: string[] = [];
afterAll(async () => {
  for (const dir of cbdirs) await rm(dir, { recursive: true, force: true });
});

function config(cookie: Record<string, unknown>): Record<string, unknown> {
  return routerConfig(
    [
      {
        name: 'realm1',
        roles: [
          { name: 'user', permissions: [{ uri: '', match: 'prefix', allow: { call: true } }] },
          { name: 'anonymous', permissions: [] },
        ],
      },
    ],
    [
      {
        type: 'web',
        endpoint: { type: 'tcp', port: 0, interface: '127.0.0.1' },
        paths: {
          ws: {
            type: 'websocket',
            cookie,
            auth: {
              ticket: { type: 'static', principals: { joe: { ticket: 'cookie-ticket', role: 'user' } } },
              cookie: {},
            },
          },
          // No auth block: anonymous, and the tracking cookie is the authid (Crossbar).
          track: { type: 'websocket', cookie },
        },
      },
    ],
  );
}

/** A `ws` WebSocket that sends the jar's cookie and keeps the one the server sets, as a browser does. */
function browserLike(jar: { cookie?: string; setCookie?: string }): WebSocketConstructor {
  class CookieWebSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, jar.cookie === undefined ? {} : { headers: { Cookie: jar.cookie } });
      this.once('upgrade', (response: IncomingMessage) => {
        const set = response.headers['set-cookie']?.[0];
        if (set === undefined) return;
        jar.setCookie = set;
        jar.cookie = set.split(';')[0] ?? set;
      });
    }
  }
  return CookieWebSocket as unknown as WebSocketConstructor;
}

async function start(cbdir: string, cookie: Record<string, unknown>): Promise<{ node: InterchangeNode; url: string }> {
  const node = await InterchangeNode.start({ config: config(cookie), cbdir });
  return { node, url: `ws://127.0.0.1:${node.addresses[0]?.port}/ws` };
}

describe('cookie config on a WebSocket path', () => {
  it('sets the cookie as configured: name, length, max_age, same_site, http_strict', async () => {
    const cbdir = await mkdtemp(join(tmpdir(), 'interchange-cookie-config-'));
    cbdirs.push(cbdir);
    const { node, url } = await start(cbdir, {
      name: 'session_id',
      length: 40,
      max_age: 3600,
      same_site: 'Strict',
      http_strict: false,
      secure: true,
      store: { type: 'memory' },
    });
    try {
      const jar: { cookie?: string; setCookie?: string } = {};
      const session = await connect({
        url,
        realm: 'realm1',
        authmethods: ['ticket'],
        authid: 'joe',
        auth: { ticket: 'cookie-ticket' },
        WebSocket: browserLike(jar),
      });
      await session.leave();
      expect(jar.setCookie).toMatch(/^session_id=[A-Za-z0-9_-]{40}; Max-Age=3600; Path=\/; SameSite=Strict; Secure$/);
    } finally {
      await node.stop({ timeoutMs: 300 });
    }
  });

  it('file store: a cookie that authenticated still authenticates after a restart; purge_on_startup forgets it', async () => {
    const cbdir = await mkdtemp(join(tmpdir(), 'interchange-cookie-file-'));
    cbdirs.push(cbdir);
    const cookie = { store: { type: 'file', filename: 'cookies.dat' } };
    const jar: { cookie?: string } = {};

    const first = await start(cbdir, cookie);
    try {
      const session = await connect({
        url: first.url,
        realm: 'realm1',
        authmethods: ['ticket'],
        authid: 'joe',
        auth: { ticket: 'cookie-ticket' },
        WebSocket: browserLike(jar),
      });
      await session.leave();
    } finally {
      await first.node.stop({ timeoutMs: 300 });
    }
    expect(jar.cookie).toMatch(/^cbtid=/);
    // Written by the time the node has stopped, with nothing but the identity the cookie stands for.
    const stored = JSON.parse(await readFile(join(cbdir, 'cookies.dat'), 'utf8')) as { cookies: unknown[] };
    expect(stored.cookies).toEqual([
      [
        jar.cookie?.slice('cbtid='.length),
        expect.objectContaining({ authid: 'joe', realm: 'realm1' }),
        expect.any(Number),
      ],
    ]);

    const second = await start(cbdir, cookie);
    try {
      const session = await connect({
        url: second.url,
        realm: 'realm1',
        authmethods: ['cookie'],
        WebSocket: browserLike(jar),
      });
      expect(session.details).toMatchObject({ authid: 'joe', authrole: 'user', authprovider: 'cookie' });
      await session.leave();
    } finally {
      await second.node.stop({ timeoutMs: 300 });
    }

    const purged = await start(cbdir, { store: { ...cookie.store, purge_on_startup: true } });
    try {
      const error = await connect({
        url: purged.url,
        realm: 'realm1',
        authmethods: ['cookie'],
        WebSocket: browserLike({ ...jar }),
      }).catch((e: unknown) => e);
      expect((error as ApplicationError).uri).toBe('wamp.error.no_auth_method');
    } finally {
      await purged.node.stop({ timeoutMs: 300 });
    }
  });

  it('without an auth block, an anonymous session is known by its tracking cookie (authid), as in Crossbar', async () => {
    const cbdir = await mkdtemp(join(tmpdir(), 'interchange-cookie-track-'));
    cbdirs.push(cbdir);
    const { node, url } = await start(cbdir, { name: 'tracker' });
    try {
      const jar: { cookie?: string } = {};
      const trackUrl = url.replace(/\/ws$/, '/track');
      const first = await connect({ url: trackUrl, realm: 'realm1', WebSocket: browserLike(jar) });
      const id = jar.cookie?.slice('tracker='.length);
      expect(first.details).toMatchObject({ authid: id, authrole: 'anonymous' });
      await first.leave();
      const again = await connect({ url: trackUrl, realm: 'realm1', WebSocket: browserLike(jar) });
      expect(again.details?.authid).toBe(id);
      await again.leave();
    } finally {
      await node.stop({ timeoutMs: 300 });
    }
  });
});
