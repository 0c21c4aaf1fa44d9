/**
 * Cross-origin rules of the HTTP paths (web/cors-policy.ts): an origin is echoed with credentials
 * only when the path's `allowed_origins` lists it; long-poll and SSE refuse other origins with a
 * JSON 403 and serve requests without an Origin and from their own origin; static files stay
 * readable by any origin (`*`), never with credentials.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import { LOCAL_ENDPOINT, tempDir, workerConfig } from '../helpers.js';

const OPEN = JSON.stringify({ protocols: ['wamp.2.json'] });

describe('CORS of long-poll, static and sse paths', () => {
  let node: InterchangeNode;
  let base: string;
  let own: string;

  beforeAll(async () => {
    const cbdir = await tempDir();
    await writeFile(join(cbdir, 'index.html'), '<p>public</p>');
    node = await InterchangeNode.start({
      cbdir,
      config: workerConfig([
        {
          type: 'web',
          endpoint: LOCAL_ENDPOINT,
          paths: {
            '/': { type: 'static', directory: '.', options: { allow_cross_origin: true } },
            lp: { type: 'longpoll' },
            lpcors: { type: 'longpoll', options: { allowed_origins: ['https://app.example.com'] } },
            events: { type: 'sse', realm: 'realm1' },
            eventscors: {
              type: 'sse',
              realm: 'realm1',
              options: { allowed_origins: ['https://app.example.com'] },
            },
            files: { type: 'static', directory: '.', options: { allowed_origins: ['https://app.example.com'] } },
            value: { type: 'json', value: { a: 1 }, options: { allowed_origins: ['https://app.example.com'] } },
          },
        },
      ]),
    });
    base = node.addresses[0]!.url;
    own = base.replace(/\/$/, '');
  });

  afterAll(async () => {
    await node?.stop({ timeoutMs: 500 });
  });

  const open = (path: string, headers: Record<string, string>) =>
    fetch(`${base}${path}/open`, { method: 'POST', headers, body: OPEN });

  it('long-poll: a foreign origin gets 403 and no CORS headers without allowed_origins', async () => {
    const res = await open('lp', { origin: 'https://evil.example.net' });
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(await res.json()).toEqual({ error: 'origin not allowed: https://evil.example.net' });
    const nullOrigin = await open('lp', { origin: 'null' });
    expect(nullOrigin.status).toBe(403);
  });

  it('long-poll: no Origin (curl, servers) and the own origin are served', async () => {
    const plain = await open('lp', {});
    expect(plain.status).toBe(200);
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();
    const same = await open('lp', { origin: own });
    expect(same.status).toBe(200);
  });

  it('long-poll: an origin of allowed_origins is echoed with credentials, preflight included', async () => {
    const preflight = await fetch(`${base}lpcors/open`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type');
    const res = await open('lpcors', { origin: 'https://app.example.com' });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(res.headers.get('vary')).toBe('Origin');
    expect((await open('lpcors', { origin: 'https://other.example.com' })).status).toBe(403);
  });

  it('static: readable by any origin with *, never with credentials', async () => {
    const res = await fetch(`${base}`, { headers: { origin: 'https://evil.example.net' } });
    expect(await res.text()).toBe('<p>public</p>');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('static and json: an origin of allowed_origins is echoed with credentials, others get *', async () => {
    for (const path of ['files/', 'value']) {
      const listed = await fetch(`${base}${path}`, { headers: { origin: 'https://app.example.com' } });
      expect(listed.status, path).toBe(200);
      expect(listed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
      expect(listed.headers.get('access-control-allow-credentials')).toBe('true');
      const other = await fetch(`${base}${path}`, { headers: { origin: 'https://evil.example.net' } });
      expect(other.status, path).toBe(200);
      expect(other.headers.get('access-control-allow-credentials')).toBeNull();
    }
    // json's allow_cross_origin defaults to true: * for the others; static's to false: nothing.
    expect(
      (await fetch(`${base}value`, { headers: { origin: 'https://evil.example.net' } })).headers.get(
        'access-control-allow-origin',
      ),
    ).toBe('*');
    expect(
      (await fetch(`${base}files/`, { headers: { origin: 'https://evil.example.net' } })).headers.get(
        'access-control-allow-origin',
      ),
    ).toBeNull();
  });

  it('sse: an origin of allowed_origins opens a stream, with credentials', async () => {
    const controller = new AbortController();
    const res = await fetch(`${base}eventscors?topic=com.x`, {
      headers: { origin: 'https://app.example.com' },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    controller.abort();
  });

  it('sse: a foreign origin gets 403 before any session opens', async () => {
    const res = await fetch(`${base}events?topic=com.x`, { headers: { origin: 'https://evil.example.net' } });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  });
});
