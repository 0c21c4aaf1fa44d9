/**
 * The web path services other than the publisher and caller: webhook, redirect, nodeinfo, and the
 * static service's options.
 */
import { createHmac } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect, type Event } from '@interchange/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import { ensureNodeKey } from '../../src/node-key.js';
import { LOCAL_ENDPOINT, tempDir, workerConfig } from '../helpers.js';
import { EventInbox, post } from '../support/http.js';

const GITHUB_SECRET = 'it is a secret to everybody';

describe('web path services', () => {
  let node: InterchangeNode;
  let base: string;
  let publicKey: string;
  const hooks = new EventInbox();

  beforeAll(async () => {
    const cbdir = await tempDir();
    await mkdir(join(cbdir, 'app'));
    await writeFile(join(cbdir, 'app', 'main.html'), '<h1>app</h1>');
    await writeFile(join(cbdir, 'app', 'style.css'), 'h1 {}');
    publicKey = (await ensureNodeKey(cbdir)).key.publicKey;
    const config = workerConfig(
      [
        {
          type: 'web',
          endpoint: LOCAL_ENDPOINT,
          paths: {
            ws: { type: 'websocket' },
            hook: { type: 'webhook', realm: 'realm1', role: 'hooks', options: { topic: 'com.github.push' } },
            github: {
              type: 'webhook',
              realm: 'realm1',
              role: 'hooks',
              options: { topic: 'com.github.push', github_secret: GITHUB_SECRET, success_response: 'thanks' },
            },
            wrong: { type: 'webhook', realm: 'realm1', role: 'hooks', options: { topic: 'com.other.topic' } },
            old: { type: 'redirect', url: 'https://example.com/new' },
            info: { type: 'nodeinfo' },
            app: {
              type: 'static',
              directory: 'app',
              options: {
                index_file: 'main.html',
                default_file: 'main.html',
                cache_timeout: 600,
                allow_cross_origin: true,
              },
            },
          },
        },
      ],
      {
        realms: [
          {
            name: 'realm1',
            roles: [
              {
                name: 'anonymous',
                permissions: [{ uri: '', match: 'prefix', allow: { subscribe: true, publish: true } }],
              },
              { name: 'hooks', permissions: [{ uri: 'com.github.', match: 'prefix', allow: { publish: true } }] },
            ],
          },
        ],
      },
    );
    node = await InterchangeNode.start({ config, cbdir });
    base = `http://127.0.0.1:${node.addresses[0]!.port}`;
    const subscriber = await connect({ url: node.addresses[0]!.websocketUrls[0]!, realm: 'realm1' });
    await subscriber.subscribe('com.github.push', (event: Event) => hooks.push(event));
  });

  afterAll(async () => {
    await node.stop({ timeoutMs: 300 });
  });

  it('webhook: any POST becomes an event {headers, body}, answered 202', async () => {
    const answer = await post(`${base}/hook`, 'payload=%7B%22zen%22%7D', {
      'content-type': 'application/x-www-form-urlencoded',
      'x-github-event': 'push',
    });
    expect([answer.status, answer.text]).toEqual([202, 'OK']);
    const event = await hooks.next();
    expect(event.args).toHaveLength(1);
    const { headers, body } = event.args[0] as { headers: Record<string, string[]>; body: string };
    expect(body).toBe('payload=%7B%22zen%22%7D');
    expect(headers['Content-Type']).toEqual(['application/x-www-form-urlencoded']);
    expect(headers['X-Github-Event']).toEqual(['push']);
  });

  it('webhook: checks the GitHub signature when a secret is configured', async () => {
    const body = '{"zen": "Design for failure."}';
    const sha256 = `sha256=${createHmac('sha256', GITHUB_SECRET).update(body).digest('hex')}`;
    const sha1 = `sha1=${createHmac('sha1', GITHUB_SECRET).update(body).digest('hex')}`;
    const missing = await post(`${base}/github`, body);
    expect([missing.status, missing.json]).toEqual([
      400,
      { error: 'GitHub signature missing or invalid.', args: [], kwargs: {} },
    ]);
    const wrong = await post(`${base}/github`, body, {
      'content-type': 'application/json',
      'x-hub-signature-256': `sha256=${'0'.repeat(64)}`,
    });
    expect(wrong.status).toBe(400);
    const good = await post(`${base}/github`, body, {
      'content-type': 'application/json',
      'x-hub-signature-256': sha256,
    });
    expect([good.status, good.text]).toEqual([202, 'thanks']);
    expect((await hooks.next()).args[0]).toMatchObject({ body });
    const legacy = await post(`${base}/github`, body, { 'content-type': 'application/json', 'x-hub-signature': sha1 });
    expect(legacy.status).toBe(202);
    expect((await hooks.next()).args[0]).toMatchObject({ body });
  });

  it('webhook: answers 500 with the error response when it may not publish', async () => {
    const answer = await post(`${base}/wrong`, 'x');
    expect([answer.status, answer.text]).toEqual([500, 'NOT OK']);
  });

  it('redirect: GET anywhere below the path answers 302 to the configured URL', async () => {
    for (const path of ['/old', '/old/deeper/page']) {
      const answer = await fetch(`${base}${path}`, { redirect: 'manual' });
      expect(answer.status).toBe(302);
      expect(answer.headers.get('location')).toBe('https://example.com/new');
    }
    expect((await fetch(`${base}/old`, { method: 'POST', redirect: 'manual' })).status).toBe(405);
  });

  it('nodeinfo: an HTML page, or JSON when asked for', async () => {
    const page = await fetch(`${base}/info`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('Interchange');
    expect(html).toContain(publicKey);
    const json = await (await fetch(`${base}/info`, { headers: { accept: 'application/json' } })).json();
    expect(json).toMatchObject({
      title: expect.stringMatching(/^Interchange \d/),
      pid: process.pid,
      workers: 1,
      pubkey: publicKey,
      peer: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
    });
    expect(Date.parse(json.started)).not.toBeNaN();
  });

  it('static: index_file, default_file for unknown paths, caching headers, CORS', async () => {
    const index = await fetch(`${base}/app/`, { headers: { origin: 'https://site.example' } });
    expect([index.status, await index.text()]).toEqual([200, '<h1>app</h1>']);
    expect(index.headers.get('cache-control')).toBe('public, max-age=600');
    expect(Date.parse(index.headers.get('expires') ?? '') - Date.now()).toBeGreaterThan(500_000);
    // allow_cross_origin: readable by any page, without credentials (docs/security.md).
    expect(index.headers.get('access-control-allow-origin')).toBe('*');
    expect(index.headers.get('access-control-allow-credentials')).toBeNull();
    const css = await fetch(`${base}/app/style.css`);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    const fallback = await fetch(`${base}/app/some/client/route`);
    expect([fallback.status, await fallback.text()]).toEqual([200, '<h1>app</h1>']);
  });
});
