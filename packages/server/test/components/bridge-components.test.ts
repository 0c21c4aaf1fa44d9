/**
 * The built-in bridge components under Crossbar's class names, against a local HTTP server:
 * the REST callee turns calls into HTTP requests, the message forwarder turns events into POSTs.
 */

import { connect, type Session } from '@interchange/client';
import { ApplicationError } from '@interchange/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { performRestCall, queryParams } from '../../src/components/rest-callee.js';
import { formatIssue } from '../../src/config/config-issues.js';
import { validateConfig } from '../../src/config/validate-config.js';
import { InterchangeNode } from '../../src/node.js';
import { LOCAL_ENDPOINT, tempDir, workerConfig } from '../helpers.js';
import { RecordingServer, recordingLogger } from '../support/recording.js';

describe('bridge components', () => {
  let backend: RecordingServer;
  let node: InterchangeNode;
  let session: Session;
  let slowRequestClosed: Promise<void> | undefined;
  const log = recordingLogger();

  beforeAll(async () => {
    backend = await RecordingServer.start((request, res) => {
      if (request.url.startsWith('/api/someresource/')) {
        res.writeHead(401, {
          'content-type': 'application/json',
          'cache-control': 'no-cache, private',
          'set-cookie': ['a=1', 'b=2'],
        });
        res.end('{"message":"Unauthenticated."}');
      } else if (request.url.startsWith('/api/slow')) {
        // Never answers: the caller's timeout must end the request.
        slowRequestClosed = new Promise((resolve) => res.on('close', () => resolve()));
      } else if (request.url.startsWith('/hooks/strict')) {
        res.writeHead(500);
        res.end('nope');
      } else {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`you sent ${request.method} ${request.url}`);
      }
    });
    const config = workerConfig([{ type: 'websocket', endpoint: LOCAL_ENDPOINT }], {
      components: [
        {
          type: 'class',
          classname: 'crossbar.bridge.rest.RESTCallee',
          realm: 'realm1',
          extra: { procedure: 'webapp.api', baseurl: `${backend.url}/api/` },
        },
        {
          type: 'class',
          classname: 'crossbar.bridge.rest.MessageForwarder',
          realm: 'realm1',
          extra: {
            subscriptions: [
              { topic: 'breaking-news.', match: 'prefix', url: `${backend.url}/hooks/news` },
              { topic: 'user..orders', match: 'wildcard', url: `${backend.url}/hooks/orders`, method: 'PUT' },
              { topic: 'com.example.strict', url: `${backend.url}/hooks/strict` },
            ],
            method: 'POST',
            expectedcode: 200,
            debug: true,
          },
        },
      ],
    });
    node = await InterchangeNode.start({ config, cbdir: await tempDir(), logger: log.logger });
    session = await connect({ url: node.addresses[0]!.url, realm: 'realm1' });
  });

  afterAll(async () => {
    await node.stop({ timeoutMs: 300 });
    await backend.close();
  });

  it('REST callee: makes the request a call describes and returns {code, content, headers}, whatever the status', async () => {
    const result = await session.call('webapp.api', [], {
      kwargs: {
        url: 'someresource/123456/subresource',
        headers: { Accept: ['application/json'], Authorization: ['Basic cnBjOnNlY3JldA=='] },
        method: 'POST',
        params: [{ foo: 'bar' }],
        body: '{"hello": "world"}',
      },
    });
    const request = backend.requests.at(-1)!;
    expect(request).toMatchObject({
      method: 'POST',
      url: '/api/someresource/123456/subresource?foo=bar',
      body: '{"hello": "world"}',
    });
    expect(request.headers).toMatchObject({ accept: 'application/json', authorization: 'Basic cnBjOnNlY3JldA==' });
    expect(result.args).toEqual([
      {
        code: 401,
        content: '{"message":"Unauthenticated."}',
        headers: expect.objectContaining({
          'Content-Type': ['application/json'],
          'Cache-Control': ['no-cache, private'],
          'Set-Cookie': ['a=1', 'b=2'],
        }),
      },
    ]);
  });

  it('REST callee: defaults to GET of the base URL, and takes params as an object', async () => {
    const result = await session.call('webapp.api', [], { kwargs: { params: { q: ['a', 'b'], n: 1 } } });
    expect(result.args[0]).toMatchObject({ code: 200, content: 'you sent GET /api/?q=a&q=b&n=1' });
  });

  it('REST callee: a request that cannot be made is a wamp.error.runtime_error', async () => {
    await expect(performRestCall('http://127.0.0.1:1/', { url: 'unreachable' })).rejects.toThrow(/fetch failed/);
    const failure = await session
      .call('webapp.api', [], { kwargs: { url: `${backend.url}/elsewhere` } })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApplicationError);
    expect((failure as ApplicationError).uri).toBe('wamp.error.runtime_error');
    expect((failure as ApplicationError).args[0]).toMatch(/must be a relative URL under the base URL/);
    expect(backend.requests.some((request) => request.url === '/elsewhere')).toBe(false);
    const bad = await session.call('webapp.api', [], { kwargs: { method: 'GET', body: 'x' } }).catch((e: unknown) => e);
    expect((bad as ApplicationError).args[0]).toMatch(/cannot have a body/);
  });

  it('REST callee: a call that times out aborts its request to the backend', async () => {
    const failure = await session.call('webapp.api', [], { kwargs: { url: 'slow' }, timeout: 200 }).catch((e) => e);
    expect(failure).toMatchObject({ code: 'ERR_WAMP_TIMEOUT', cause: { uri: 'wamp.error.timeout' } });
    await backend.next('/api/slow');
    // The dealer interrupted the invocation, and the bridge dropped the backend request.
    await expect(slowRequestClosed).resolves.toBeUndefined();
  });

  it('message forwarder: POSTs {args, kwargs} of prefix-matched events', async () => {
    await session.publish('breaking-news.politics', [{ foo: 'bar' }], { kwargs: { urgent: true }, acknowledge: true });
    const request = await backend.next('/hooks/');
    expect(request).toMatchObject({ method: 'POST', url: '/hooks/news' });
    expect(request.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request.body)).toEqual({ args: [{ foo: 'bar' }], kwargs: { urgent: true } });
  });

  it('message forwarder: wildcard subscriptions, with a per-subscription method', async () => {
    await session.publish('user.12.orders', [1, 2], { acknowledge: true });
    const request = await backend.next('/hooks/');
    expect(request).toMatchObject({ method: 'PUT', url: '/hooks/orders' });
    expect(JSON.parse(request.body)).toEqual({ args: [1, 2], kwargs: {} });
  });

  it('message forwarder: logs an answer other than the expected code as an error', async () => {
    await session.publish('com.example.strict', ['x'], { acknowledge: true });
    const entry = await log.waitFor((e) => e.level === 'error' && /not the expected 200/.test(e.msg ?? ''));
    expect(entry.obj).toMatchObject({ status: 500, expected: 200, url: `${backend.url}/hooks/strict` });
  });
});

describe('bridge component config', () => {
  it('reports bad extra with key paths', async () => {
    const config = {
      version: 2,
      workers: [
        {
          type: 'router',
          realms: [{ name: 'realm1' }],
          components: [
            {
              type: 'class',
              classname: 'crossbar.bridge.rest.RESTCallee',
              realm: 'realm1',
              extra: { baseurl: 'ftp://x' },
            },
            {
              type: 'class',
              classname: 'crossbar.bridge.rest.MessageForwarder',
              realm: 'realm1',
              extra: { subscriptions: [{ topic: 'a', url: 'x' }] },
            },
          ],
        },
      ],
    };
    const result = await validateConfig(config);
    expect(result.ok ? [] : result.issues.map(formatIssue)).toEqual([
      'workers[0].components[0].extra.procedure: required: expected a non-empty string',
      'workers[0].components[0].extra.baseurl: expected an http or https URL, got "ftp://x"',
      'workers[0].components[1].extra.subscriptions[0].url: expected an http or https URL, got "x"',
    ]);
  });

  it('reads query parameters in every shape callers send them', () => {
    expect(queryParams({ a: 1, b: ['x', 'y'] })).toEqual([
      ['a', '1'],
      ['b', 'x'],
      ['b', 'y'],
    ]);
    expect(queryParams([{ foo: 'bar' }, ['n', 2]])).toEqual([
      ['foo', 'bar'],
      ['n', '2'],
    ]);
    expect(queryParams(undefined)).toEqual([]);
    expect(() => queryParams('a=1')).toThrow(/params must be/);
  });
});
