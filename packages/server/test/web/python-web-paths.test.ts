/**
 * Crossbar's `wsgi` and `resource` path types, served from Python child processes of the node:
 * a fixture cbdir in Crossbar's format (test/fixtures/python-web) with a plain WSGI app
 * (apps/inventory/site.py) at the root and below a nested path, and a Twisted Web resource
 * (apps/stars.py) at nested paths, reached with real HTTP requests.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { processExists } from '../../src/cli/pid-file.js';
import { validateConfig } from '../../src/config/validate-config.js';
import { InterchangeNode } from '../../src/node.js';
import { openAutobahn } from '../support/autobahn-open.js';
import { recordingLogger } from '../support/recording.js';

(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const CBDIR = fileURLToPath(new URL('../fixtures/python-web/.crossbar', import.meta.url));
const LOCAL = { interface: '127.0.0.1', port: 0 };

async function fixtureConfig(): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(`${CBDIR}/config.json`, 'utf8')) as Record<string, unknown>;
}

describe('wsgi and resource paths', () => {
  let node: InterchangeNode;
  let base: string;
  let port: number;
  const log = recordingLogger();

  beforeAll(async () => {
    node = await InterchangeNode.start({
      config: await fixtureConfig(),
      cbdir: CBDIR,
      logger: log.logger,
      overrides: LOCAL,
    });
    port = node.addresses[0]?.port ?? 0;
    base = `http://127.0.0.1:${port}`;
  }, 60_000);
  afterAll(async () => {
    await node?.stop();
  });

  it('passes check', async () => {
    const result = await validateConfig(await fixtureConfig(), { cbdir: CBDIR });
    expect(result.ok).toBe(true);
  });

  it('serves the WSGI app at the root with the environ the client made', async () => {
    const response = await fetch(`${base}/environ?x=1&y=%20`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      SCRIPT_NAME: '',
      PATH_INFO: '/environ',
      QUERY_STRING: 'x=1&y=%20',
      REQUEST_METHOD: 'GET',
      SERVER_NAME: '127.0.0.1',
      SERVER_PORT: String(port),
      REMOTE_ADDR: '127.0.0.1',
      'wsgi.url_scheme': 'http',
      HTTP_HOST: `127.0.0.1:${port}`,
    });
  });

  it('gives an app mounted below the root its prefix as SCRIPT_NAME', async () => {
    const response = await fetch(`${base}/more/inv/environ`);
    expect(await response.json()).toMatchObject({ SCRIPT_NAME: '/more/inv', PATH_INFO: '/environ' });
  });

  it('passes request and response bodies through', async () => {
    const body = 'x'.repeat(200_000);
    const response = await fetch(`${base}/echo`, { method: 'POST', body, headers: { 'content-type': 'text/plain' } });
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(await response.text()).toBe(body);
  });

  it('serves requests concurrently (the barrier in the app needs two at once)', async () => {
    const [a, b] = await Promise.all([fetch(`${base}/meet/a`), fetch(`${base}/meet/b`)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect([await a.json(), await b.json()]).toEqual([{ met: 'a' }, { met: 'b' }]);
  });

  it('answers 500 with a JSON body when the app raises, and logs the traceback', async () => {
    const response = await fetch(`${base}/fail`);
    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ error: 'the WSGI application failed', exception: 'ValueError' });
    await log.waitFor((e) => String(e.msg).includes('ValueError: inventory is out of sync'));
  });

  it('serves a Twisted Web resource made with the path extra, below a nested path', async () => {
    const stars = await fetch(`${base}/more/stars/anything?count=3`);
    expect(stars.status).toBe(200);
    expect(await stars.text()).toBe('### more/stars');
    const plain = await fetch(`${base}/more/plain`);
    expect(await plain.text()).toBe('***** more/plain');
  });

  it('answers 500 with a JSON body when the resource raises', async () => {
    const response = await fetch(`${base}/more/stars/broken`);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: 'the web resource failed', exception: 'RuntimeError' });
  });

  it('keeps the other paths of the transport: Autobahn|JS joins at /ws beside the WSGI app at /', async () => {
    const { session, connection } = await openAutobahn({
      url: `ws://127.0.0.1:${port}/ws`,
      realm: 'realm1',
      max_retries: 0,
    });
    expect(session.isOpen).toBe(true);
    connection.close();
  });

  it('starts the process again when it dies: 502 for the request it was on, 503 meanwhile, then served', async () => {
    const readyLines = () => log.entries.filter((e) => String(e.msg).includes('[wsgi /] Python process ready')).length;
    expect(readyLines()).toBe(1);
    const dying = await fetch(`${base}/exit`);
    expect(dying.status).toBe(502);
    expect(await dying.json()).toMatchObject({ error: 'bad gateway: the backend server failed' });
    await log.waitFor((e) => String(e.msg).includes('[wsgi /] Python process exited with code 3; restarting'));
    if (readyLines() === 1) {
      const meanwhile = await fetch(`${base}/environ`);
      // Unless the restart won the race against this request.
      if (meanwhile.status !== 200) {
        expect(meanwhile.status).toBe(503);
        expect(await meanwhile.json()).toEqual({
          error: 'the Python process of this wsgi path is not running',
          path: '/',
        });
      }
    }
    await log.waitFor(() => readyLines() === 2);
    expect((await fetch(`${base}/environ`)).status).toBe(200);
  }, 30_000);

  it('stops every Python process with the node', async () => {
    const pids = log.entries
      .filter((e) => String(e.msg).includes('Python process ready'))
      .map((e) => e.obj.pid as number);
    expect(pids.length).toBe(5);
    await node.stop();
    for (const pid of pids) expect(processExists(pid)).toBe(false);
  }, 30_000);
});

describe('a wsgi path whose app cannot be loaded', () => {
  it('fails the start, naming the module', async () => {
    const text = JSON.stringify(await fixtureConfig()).replace('"object":"application"', '"object":"no_app"');
    await expect(InterchangeNode.start({ config: JSON.parse(text), cbdir: CBDIR, overrides: LOCAL })).rejects.toThrow(
      /wsgi \/: the Python process exited with code 2: WSGI app object "no_app" not in module "inventory.site"/,
    );
  }, 60_000);

  it('is reported by check when its module is not on the pythonpath', async () => {
    const text = JSON.stringify(await fixtureConfig()).replaceAll('stars.StarResource', 'planets.StarResource');
    const result = await validateConfig(JSON.parse(text), { cbdir: CBDIR });
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.issues).toContainEqual(
      expect.objectContaining({
        path: 'workers[0].transports[0].paths.more.paths.stars.classname',
        message: expect.stringContaining('Python module "planets" not found'),
      }),
    );
  });

  it('refuses minthreads above maxthreads', async () => {
    const text = JSON.stringify(await fixtureConfig()).replace('"maxthreads":4', '"maxthreads":4,"minthreads":9');
    const result = await validateConfig(JSON.parse(text), { cbdir: CBDIR });
    expect(result.ok ? [] : result.issues).toContainEqual(
      expect.objectContaining({ message: 'minthreads (9) must not exceed maxthreads (4)' }),
    );
  });
});
