/**
 * `wap` paths (Crossbar's WAMP Application Pages) end to end: a node started from a config in
 * Crossbar's format (test/fixtures/wap-cbdir), whose routes call an Autobahn|Python component
 * (pages/greeter.py) and procedures a JS session registers, render the results with the
 * fixture's templates, and answer Crossbar's status codes for errors.
 */
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type Session } from '@interchange/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate-config.js';
import { InterchangeNode } from '../../src/node.js';
import { httpRequest, type RawResponse, tempDir } from '../helpers.js';
import { recordingLogger } from '../support/recording.js';

const CBDIR = fileURLToPath(new URL('../fixtures/wap-cbdir/.crossbar', import.meta.url));
const LOCAL = { interface: '127.0.0.1', port: 0 };

async function fixtureConfig(): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(CBDIR, 'config.json'), 'utf8')) as Record<string, unknown>;
}

/** Sends a request with a body. */
async function send(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array } = {},
): Promise<RawResponse> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: options.method ?? 'GET',
    headers: options.headers ?? {},
    ...(options.body === undefined ? {} : { body: options.body as BodyInit }),
    redirect: 'manual',
  });
  const headers: Record<string, string> = {};
  response.headers.forEach((v, name) => {
    headers[name] = v;
  });
  return { status: response.status, headers, body: await response.text() };
}

describe('a wap path', () => {
  let node: InterchangeNode;
  let port: number;
  let backend: Session;
  const log = recordingLogger();
  /** Keyword arguments each JS procedure was called with. */
  const calls: { procedure: string; args: unknown[]; kwargs: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    node = await InterchangeNode.start({
      config: await fixtureConfig(),
      cbdir: CBDIR,
      logger: log.logger,
      overrides: LOCAL,
    });
    port = node.addresses[0]?.port as number;
    backend = await connect({ url: node.addresses[0]?.websocketUrls[0] as string, realm: 'shop' });
    await backend.register('com.shop.item', ({ args, kwargs }) => {
      calls.push({ procedure: 'com.shop.item', args, kwargs });
      return { item_id: kwargs.item_id, view: kwargs.view, title: 'Teapot <deluxe>', price: 9.5, in_stock: true };
    });
    await backend.register('com.shop.order', ({ args, kwargs }) => {
      calls.push({ procedure: 'com.shop.order', args, kwargs });
      const data = kwargs.data as Uint8Array;
      const fields = Object.fromEntries(new URLSearchParams(Buffer.from(data).toString('utf8')));
      return { fields, content_type: kwargs.data_type, size: data.length };
    });
    await backend.register('com.shop.list', () => [1, 2, 3]);
    await backend.register('com.shop.admin.stock', () => {
      calls.push({ procedure: 'com.shop.admin.stock', args: [], kwargs: {} });
      return { title: 'secret' };
    });
    // The Python component registers once its process has started: wait until its page answers.
    for (;;) {
      const page = await send(port, '/shop/hello/ready', { headers: { accept: 'application/json' } });
      if (page.status === 200) break;
      expect(JSON.parse(page.body)).toEqual({ error: 'wamp.error.no_such_procedure' });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }, 30_000);

  afterAll(async () => {
    await backend?.leave();
    await node?.stop();
  });

  it('renders the result of an Autobahn|Python procedure, called with the path variable, through an extended template', async () => {
    const page = await send(port, '/shop/hello/Bob');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<title>Greeting for Bob</title>');
    expect(page.body).toContain('<h1>Hello, Bob!</h1>');
    // The call is made by the path's session, with its authrole.
    expect(page.body).toContain('<p>called as pages</p>');
    expect(page.body).toContain('<ul><li>1:python</li><li>2:autobahn</li></ul>');
    // Python's None is Jinja2's none.
    expect(page.body).toContain('<p>no extra</p>');
  });

  it('passes query arguments as keyword arguments and escapes every value', async () => {
    const page = await send(port, '/shop/hello/%3Cb%3EAnn%3C%2Fb%3E?lang=de');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<h1>Hallo, &lt;b&gt;Ann&lt;/b&gt;!</h1>');
    expect(page.body).not.toContain('<b>Ann');
  });

  it('calls a JS procedure with converted path variables and query arguments, and renders it with an include', async () => {
    calls.length = 0;
    const page = await send(port, '/shop/item/42/full?colour=red&colour=blue');
    expect(page.status).toBe(200);
    expect(calls).toEqual([
      { procedure: 'com.shop.item', args: [], kwargs: { item_id: 42, view: 'full', colour: 'red' } },
    ]);
    expect(page.body).toContain('<h1>Item 42 (full)</h1>');
    expect(page.body).toContain('<p>TEAPOT &lt;DELUXE&gt; costs 9.5</p>');
    expect(page.body).toContain('<footer>Teapot &lt;deluxe&gt; in stock: yes</footer>');
  });

  it('answers the result as JSON to a client that accepts only JSON', async () => {
    const page = await send(port, '/shop/item/7/short', { headers: { accept: 'application/json' } });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(page.body)).toEqual({
      item_id: 7,
      view: 'short',
      title: 'Teapot <deluxe>',
      price: 9.5,
      in_stock: true,
    });
  });

  it('passes a POST body as data and data_type', async () => {
    calls.length = 0;
    const body = 'name=Eve&qty=2&item=teapot';
    const page = await send(port, '/shop/order', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    expect(page.status).toBe(200);
    expect(page.body).toBe(
      `<p>Order for Eve: 2 x teapot (application/x-www-form-urlencoded, ${body.length} bytes)</p>`,
    );
    expect(calls[0]?.kwargs.data_type).toBe('application/x-www-form-urlencoded');
  });

  it('refuses a POST body over the limit with 413, before calling', async () => {
    calls.length = 0;
    const page = await send(port, '/shop/order', { method: 'POST', body: Buffer.alloc(1024 * 1024 + 1, 0x61) });
    expect(page.status).toBe(413);
    expect(page.body).toContain('Request body longer than 1048576 bytes');
    expect(calls).toEqual([]);
  });

  it('renders a route without a call with no data', async () => {
    const page = await send(port, '/shop/about');
    expect(page.status).toBe(200);
    expect(page.body).toBe('<p>About the shop</p>');
  });

  it('redirects the path of a rule ending in "/" without it, as Werkzeug', async () => {
    const page = await send(port, '/shop/catalog?page=2');
    expect(page.status).toBe(308);
    expect(page.headers.location).toBe('/shop/catalog/?page=2');
    expect((await send(port, '/shop/catalog/?page=2')).body).toBe('<p>About the shop</p>');
  });

  it("answers a procedure's error with 500 and its URI, as a page or as JSON", async () => {
    const page = await send(port, '/shop/hello/nobody');
    expect(page.status).toBe(500);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<pre>com.shop.error.unknown_customer</pre>');
    const json = await send(port, '/shop/hello/nobody', { headers: { accept: 'application/json' } });
    expect(json.status).toBe(500);
    expect(JSON.parse(json.body)).toEqual({ error: 'com.shop.error.unknown_customer' });
  });

  it("applies the path role's permissions: a denied call is 500 not_authorized and never reaches the callee", async () => {
    calls.length = 0;
    const page = await send(port, '/shop/stock');
    expect(page.status).toBe(500);
    expect(page.body).toContain('<pre>wamp.error.not_authorized</pre>');
    expect(calls).toEqual([]);
  });

  it('answers 500 when the result is not a dictionary', async () => {
    const page = await send(port, '/shop/list');
    expect(page.status).toBe(500);
    expect(page.body).toContain('the result is a list, not a dictionary');
  });

  it('refuses unsafe attribute access in the sandbox with 500, logged once', async () => {
    const before = log.entries.length;
    const page = await send(port, '/shop/broken/1/x');
    expect(page.status).toBe(500);
    expect(page.body).toContain('access to attribute &#34;constructor&#34; is unsafe (sandbox)');
    expect(page.body).not.toContain(String(process.pid));
    const logged = log.entries.slice(before).filter((e) => e.obj.template === 'broken.html');
    expect(logged).toHaveLength(1);
    expect(logged[0]?.level).toBe('warn');
  });

  it('answers 404 for a path no route matches, also when a converter refuses the value', async () => {
    for (const path of ['/shop/nothing', '/shop/item/abc/full', '/shop/hello/a/b', '/shop', '/shop/%E0%A4%A']) {
      const page = await send(port, path);
      expect(page.status, path).toBe(404);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.body).toContain('not found');
    }
  });

  it('answers 405 with Allow for a method the route does not take', async () => {
    const post = await send(port, '/shop/hello/Bob', { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET');
    const put = await httpRequest(port, '/shop/about', { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.allow).toBe('GET, POST');
  });
});

describe('wap paths in check and at start', () => {
  /** A cbdir with a templates folder and a config whose wap path has `routes`. */
  async function cbdirWith(
    routes: unknown[],
    templates: Record<string, string>,
  ): Promise<{
    cbdir: string;
    config: Record<string, unknown>;
  }> {
    const root = await tempDir();
    const cbdir = join(root, '.crossbar');
    await mkdir(join(root, 'templates'), { recursive: true });
    await mkdir(cbdir);
    for (const [name, text] of Object.entries(templates)) await writeFile(join(root, 'templates', name), text);
    await writeFile(join(root, 'secret.html'), 'secret');
    const config = {
      version: 2,
      workers: [
        {
          type: 'router',
          realms: [
            {
              name: 'realm1',
              roles: [
                {
                  name: 'anonymous',
                  permissions: [
                    { uri: '', match: 'prefix', allow: { call: true, register: true, publish: true, subscribe: true } },
                  ],
                },
              ],
            },
          ],
          transports: [
            {
              type: 'web',
              endpoint: { type: 'tcp', port: 0, interface: '127.0.0.1' },
              paths: {
                pages: {
                  type: 'wap',
                  templates: '../templates',
                  routes,
                  wamp: { realm: 'realm1', authrole: 'anonymous' },
                },
              },
            },
          ],
        },
      ],
    };
    return { cbdir, config };
  }

  const route = (path: string, render: string) => ({ path, method: 'GET', call: 'com.example.x', render });

  it('check reports each template that is missing, broken or outside the folder, and each bad rule', async () => {
    const { cbdir, config } = await cbdirWith(
      [
        route('/a', 'ok.html'),
        route('/b', 'missing.html'),
        route('/c', '../secret.html'),
        route('/d', 'broken.html'),
        route('/e', 'link.html'),
        route('/f/<wat:x>', 'ok.html'),
        { path: '/g', method: 'DELETE', render: 'ok.html' },
      ],
      { 'ok.html': '{{ x }}', 'broken.html': '{% if %}' },
    );
    await symlink(join(cbdir, '..', 'secret.html'), join(cbdir, '..', 'templates', 'link.html'));
    const result = await validateConfig(config, { cbdir });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const at = (key: string) => result.issues.filter((i) => i.path === `workers[0].transports[0].paths.pages.${key}`);
    expect(at('routes[0].render')).toEqual([]);
    expect(at('routes[1].render')[0]?.message).toContain('template not found: missing.html');
    expect(at('routes[2].render')[0]?.message).toContain('template not found: ../secret.html');
    expect(at('routes[3].render')[0]?.message).toMatch(/broken\.html/);
    expect(at('routes[4].render')[0]?.message).toContain('template not found: link.html');
    expect(at('routes[5].path')[0]?.message).toContain('unknown converter "wat"');
    expect(at('routes[6].method')[0]?.message).toContain('"GET", "POST"');
  });

  it('check reports a missing templates folder, and the package form as unsupported', async () => {
    const { cbdir, config } = await cbdirWith([route('/a', 'ok.html')], {});
    const paths = (config.workers as { transports: { paths: Record<string, Record<string, unknown>> }[] }[])[0]
      ?.transports[0]?.paths as Record<string, Record<string, unknown>>;
    (paths.pages as Record<string, unknown>).templates = '../nowhere';
    paths.pkg = { ...paths.pages, templates: { package: 'myapp', resource: 'templates' } };
    const result = await validateConfig(config, { cbdir });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const missing = result.issues.find((i) => i.path === 'workers[0].transports[0].paths.pages.templates');
    expect(missing?.message).toContain('templates folder not found');
    const pkg = result.issues.find((i) => i.path === 'workers[0].transports[0].paths.pkg.templates');
    expect(pkg?.kind).toBe('unsupported');
    expect(pkg?.message).toContain('point "templates" at the folder of the templates');
  });

  it('check reports a realm or authrole that does not exist', async () => {
    const { cbdir, config } = await cbdirWith([route('/a', 'ok.html')], { 'ok.html': '' });
    const paths = (config.workers as { transports: { paths: Record<string, Record<string, unknown>> }[] }[])[0]
      ?.transports[0]?.paths as Record<string, Record<string, unknown>>;
    (paths.pages as Record<string, unknown>).wamp = { realm: 'realm1', authrole: 'ghost' };
    const result = await validateConfig(config, { cbdir });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => `${i.path}: ${i.message}`)).toContain(
      'workers[0].transports[0].paths.pages.wamp.authrole: no role "ghost" in realm "realm1"',
    );
  });

  it('a template that cannot be loaded fails the start, naming the route', async () => {
    const { cbdir, config } = await cbdirWith([route('/a', 'missing.html')], {});
    await expect(InterchangeNode.start({ config, cbdir })).rejects.toThrow(
      'workers[0].transports[0].paths.pages.routes[0].render: template not found: missing.html',
    );
  });

  it('a call from the wap session to a procedure nobody registered is 500 no_such_procedure', async () => {
    const { cbdir, config } = await cbdirWith([route('/a', 'ok.html')], { 'ok.html': '{{ x }}' });
    const node = await InterchangeNode.start({ config, cbdir });
    try {
      const page = await send(node.addresses[0]?.port as number, '/pages/a', {
        headers: { accept: 'application/json' },
      });
      expect(page.status).toBe(500);
      expect(JSON.parse(page.body)).toEqual({ error: 'wamp.error.no_such_procedure' });
    } finally {
      await node.stop();
    }
  });
});
