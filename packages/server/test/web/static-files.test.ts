import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebPathConfig } from '../../src/config/config-schema.js';
import { silentLogger } from '../../src/logger.js';
import { HttpListener } from '../../src/web/http-listener.js';
import { createWebRoutes } from '../../src/web/web-routes.js';
import { httpRequest, LOCAL_ENDPOINT, tempDir } from '../helpers.js';

let listener: HttpListener;
let port: number;

beforeAll(async () => {
  const root = await tempDir();
  const web = join(root, 'web');
  await mkdir(join(web, 'sub'), { recursive: true });
  await mkdir(join(web, 'bare'));
  await writeFile(join(root, 'secret.txt'), 'TOP SECRET');
  await writeFile(join(web, 'index.html'), '<h1>home</h1>');
  await writeFile(join(web, 'app.js'), 'console.log(1);');
  await writeFile(join(web, 'style.css'), 'body{}');
  await writeFile(join(web, 'data.json'), '{"a":1}');
  await writeFile(join(web, 'pixel.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  await writeFile(join(web, 'blob.xyz'), 'x');
  await writeFile(join(web, 'notes.md'), '# notes');
  await writeFile(join(web, 'sub', 'index.html'), '<h1>sub</h1>');
  await writeFile(join(web, 'bare', 'file.txt'), 'bare file');
  await symlink(join(root, 'secret.txt'), join(web, 'escape.txt'));
  await mkdir(join(root, 'assets'));
  await writeFile(join(root, 'assets', 'a.txt'), 'asset a');

  const paths: Record<string, WebPathConfig> = {
    '/': { type: 'static', directory: 'web', options: { mime_types: { '.md': 'text/x-notes' } } },
    assets: { type: 'static', directory: 'assets', options: { enable_directory_listing: true, cache_timeout: 60 } },
  };
  const routes = createWebRoutes({
    paths,
    cbdir: root,
    createWebSocketService: () => {
      throw new Error('no websocket paths here');
    },
    logger: silentLogger,
  });
  listener = await HttpListener.listen({ ...LOCAL_ENDPOINT }, routes, silentLogger);
  port = listener.address.port;
});

afterAll(async () => {
  await listener.close();
});

describe('static paths', () => {
  it('serves index.html for the root directory', async () => {
    const res = await httpRequest(port, '/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toBe('<h1>home</h1>');
  });

  it.each([
    ['/app.js', 'text/javascript; charset=utf-8'],
    ['/style.css', 'text/css; charset=utf-8'],
    ['/data.json', 'application/json; charset=utf-8'],
    ['/pixel.png', 'image/png'],
    ['/blob.xyz', 'application/octet-stream'],
    ['/notes.md', 'text/x-notes'],
  ])('serves %s as %s', async (path, type) => {
    const res = await httpRequest(port, path);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(type);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('redirects a directory without its slash, then serves its index', async () => {
    const redirect = await httpRequest(port, '/sub?x=1');
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe('/sub/?x=1');
    const res = await httpRequest(port, '/sub/');
    expect(res.body).toBe('<h1>sub</h1>');
  });

  it('answers a missing file with 404 and a JSON body', async () => {
    const res = await httpRequest(port, '/missing.txt');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(res.body)).toEqual({ error: 'not found', path: '/missing.txt' });
  });

  it('answers a directory without index (listing off) with 404 JSON', async () => {
    const res = await httpRequest(port, '/bare/');
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'not found' });
  });

  it.each([
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/sub/..%2f..%2fsecret.txt',
    '/sub/%2e%2e%5c..%5csecret.txt',
    '/escape.txt',
  ])('never serves a file outside the directory: %s', async (path) => {
    const res = await httpRequest(port, path);
    expect([403, 404]).toContain(res.status);
    expect(res.body).not.toContain('TOP SECRET');
    expect(JSON.parse(res.body)).toHaveProperty('error');
  });

  it('refuses a malformed percent-encoding with 400 JSON', async () => {
    const res = await httpRequest(port, '/%E0%A4%A');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({ error: 'malformed URL path' });
  });

  it('answers HEAD without a body and other methods with 405', async () => {
    const head = await httpRequest(port, '/app.js', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('15');
    expect(head.body).toBe('');
    const post = await httpRequest(port, '/app.js', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('answers If-Modified-Since with 304', async () => {
    const first = await httpRequest(port, '/app.js');
    const again = await httpRequest(port, '/app.js', {
      headers: { 'if-modified-since': String(first.headers['last-modified']) },
    });
    expect(again.status).toBe(304);
  });

  it('serves a path mounted below the root, with its cache timeout', async () => {
    const res = await httpRequest(port, '/assets/a.txt');
    expect(res.body).toBe('asset a');
    expect(res.headers['cache-control']).toBe('public, max-age=60');
    expect((await httpRequest(port, '/assets')).headers.location).toBe('/assets/');
  });

  it('lists a directory when enable_directory_listing is set', async () => {
    const res = await httpRequest(port, '/assets/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('<a href="a.txt">a.txt</a>');
  });
});

describe('web transport without a root path', () => {
  it('answers unknown paths with 404 JSON', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'files'));
    const routes = createWebRoutes({
      paths: { files: { type: 'static', directory: 'files' } },
      cbdir: root,
      createWebSocketService: () => {
        throw new Error('unused');
      },
      logger: silentLogger,
    });
    const only = await HttpListener.listen({ ...LOCAL_ENDPOINT }, routes, silentLogger);
    try {
      const res = await httpRequest(only.address.port, '/elsewhere/x');
      expect(res.status).toBe(404);
      expect(JSON.parse(res.body)).toEqual({ error: 'not found', path: '/elsewhere/x' });
    } finally {
      await only.close();
    }
  });
});

describe('access_log', () => {
  it('logs each request with method, url and status', async () => {
    const root = await tempDir();
    const entries: Record<string, unknown>[] = [];
    const logger = {
      ...silentLogger,
      info: (obj: Record<string, unknown>, msg?: string) => entries.push({ ...obj, msg }),
    };
    const routes = createWebRoutes({
      paths: { '/': { type: 'static', directory: '.' } },
      cbdir: root,
      createWebSocketService: () => {
        throw new Error('unused');
      },
      accessLog: true,
      logger,
    });
    const logged = await HttpListener.listen({ ...LOCAL_ENDPOINT }, routes, silentLogger);
    try {
      await httpRequest(logged.address.port, '/nothing-here');
      expect(entries).toEqual([
        expect.objectContaining({ msg: 'http request', method: 'GET', url: '/nothing-here', status: 404 }),
      ]);
    } finally {
      await logged.close();
    }
  });
});
