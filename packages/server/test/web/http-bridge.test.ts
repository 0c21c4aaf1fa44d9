/**
 * The HTTP bridge (publisher, caller) end to end: requests over HTTP, results seen by WAMP
 * clients, and Crossbar's status codes and JSON error bodies for every refusal.
 */
import { connect, type Event, Result, type Session, WampApplicationError } from '@interchange/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import { LOCAL_ENDPOINT, tempDir, workerConfig } from '../helpers.js';
import { type Answer, EventInbox, post } from '../support/http.js';

const ALL = { call: true, register: true, publish: true, subscribe: true };

const config = workerConfig(
  [
    {
      type: 'web',
      endpoint: LOCAL_ENDPOINT,
      paths: {
        ws: { type: 'websocket' },
        publish: { type: 'publisher', realm: 'realm1', role: 'anonymous', options: { debug: true } },
        call: { type: 'caller', realm: 'realm1', role: 'anonymous' },
        corscall: {
          type: 'caller',
          realm: 'realm1',
          role: 'anonymous',
          options: { allowed_origins: ['https://*.example.com'] },
        },
        small: { type: 'publisher', realm: 'realm1', role: 'anonymous', options: { post_body_limit: 64 } },
        denied: { type: 'publisher', realm: 'realm1', role: 'reader' },
        elsewhere: {
          type: 'caller',
          realm: 'realm1',
          role: 'anonymous',
          options: { require_ip: ['10.0.0.0/8', '192.168.1.0/255.255.255.0'] },
        },
        here: {
          type: 'caller',
          realm: 'realm1',
          role: 'anonymous',
          options: { require_ip: ['127.0.0.0/8', '::1'] },
        },
        secure: { type: 'publisher', realm: 'realm1', role: 'anonymous', options: { require_tls: true } },
      },
    },
  ],
  {
    realms: [
      {
        name: 'realm1',
        roles: [
          { name: 'anonymous', permissions: [{ uri: '', match: 'prefix', allow: ALL }] },
          { name: 'reader', permissions: [{ uri: '', match: 'prefix', allow: { subscribe: true } }] },
        ],
      },
    ],
  },
);

/** Crossbar's error body. */
const errorBody = (message: string | RegExp) => ({
  error: typeof message === 'string' ? message : expect.stringMatching(message),
  args: [],
  kwargs: {},
});

describe('HTTP bridge', () => {
  let node: InterchangeNode;
  let base: string;
  let backend: Session;
  let subscriber: Session;
  const inbox = new EventInbox();

  beforeAll(async () => {
    node = await InterchangeNode.start({ config, cbdir: await tempDir() });
    base = `http://127.0.0.1:${node.addresses[0]!.port}`;
    const url = node.addresses[0]!.websocketUrls[0]!;
    backend = await connect({ url, realm: 'realm1' });
    await backend.register('com.example.add', ({ args }) => (args[0] as number) + (args[1] as number));
    await backend.register('com.example.split', ({ kwargs }) => new Result([1, 2], { ...kwargs, seen: true }));
    await backend.register('com.example.fail', () => {
      throw new WampApplicationError('com.example.failed', ['as requested'], { code: 42 });
    });
    await backend.register('com.example.nothing', () => new Result());
    subscriber = await connect({ url, realm: 'realm1' });
    await subscriber.subscribe('com.example.topic', (event: Event) => inbox.push(event));
  });

  afterAll(async () => {
    await node.stop({ timeoutMs: 300 });
  });

  const postJson = (path: string, body: unknown): Promise<Answer> => post(`${base}${path}`, JSON.stringify(body));

  it('publishes: 200 with the publication id; subscribers get args and kwargs', async () => {
    const answer = await postJson('/publish', { topic: 'com.example.topic', args: [{ foo: 'bar' }], kwargs: { n: 1 } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.json).toEqual({ id: expect.any(Number) });
    const event = await inbox.next();
    expect(event.publication).toBe((answer.json as { id: number }).id);
    expect([event.args, event.kwargs]).toEqual([[{ foo: 'bar' }], { n: 1 }]);
  });

  it('passes publish options on (exclude)', async () => {
    expect(
      (
        await postJson('/publish', {
          topic: 'com.example.topic',
          args: ['hidden'],
          options: { exclude: [subscriber.id] },
        })
      ).status,
    ).toBe(200);
    expect((await postJson('/publish', { topic: 'com.example.topic', args: ['shown'] })).status).toBe(200);
    expect((await inbox.next()).args).toEqual(['shown']);
  });

  it('calls: a single result reads {"args": [value]}', async () => {
    const answer = await postJson('/call', { procedure: 'com.example.add', args: [2, 3] });
    expect([answer.status, answer.json]).toEqual([200, { args: [5] }]);
  });

  it('calls: several results and keyword results read {"args", "kwargs"}', async () => {
    const answer = await postJson('/call', { procedure: 'com.example.split', kwargs: { k: 'v' } });
    expect(answer.json).toEqual({ args: [1, 2], kwargs: { k: 'v', seen: true } });
  });

  it('calls: an empty result reads {"args": [null]}', async () => {
    expect((await postJson('/call', { procedure: 'com.example.nothing' })).json).toEqual({ args: [null] });
  });

  it('answers WAMP errors 200 with the error URI, args and kwargs, as Crossbar does', async () => {
    expect(await postJson('/call', { procedure: 'com.example.fail' })).toMatchObject({
      status: 200,
      json: { error: 'com.example.failed', args: ['as requested'], kwargs: { code: 42 } },
    });
    expect(await postJson('/call', { procedure: 'com.example.nowhere' })).toMatchObject({
      status: 200,
      json: { error: 'wamp.error.no_such_procedure', args: expect.any(Array), kwargs: {} },
    });
    expect(await postJson('/denied', { topic: 'com.example.topic', args: [1] })).toMatchObject({
      status: 200,
      json: { error: 'wamp.error.not_authorized', args: expect.any(Array), kwargs: {} },
    });
    expect(await postJson('/publish', { topic: 'not a uri!' })).toMatchObject({
      status: 200,
      json: { error: 'wamp.error.invalid_uri' },
    });
  });

  it.each([
    [
      'malformed JSON',
      '/publish',
      '{"topic": "com.example.topic", ',
      'application/json',
      /^Request body was invalid JSON/,
    ],
    [
      'a JSON list',
      '/publish',
      '["com.example.topic"]',
      'application/json',
      'Request body was valid JSON, but not well formed (must be a dict).',
    ],
    [
      'no topic',
      '/publish',
      '{"args": [1]}',
      'application/json',
      "Request body was valid JSON, but not well formed (missing key 'topic').",
    ],
    [
      'no procedure',
      '/call',
      '{"args": [1]}',
      'application/json',
      "Request body was valid JSON, but not well formed (missing key 'procedure').",
    ],
    [
      'args that are no list',
      '/call',
      '{"procedure": "com.example.add", "args": {"a": 1}}',
      'application/json',
      /'args' must be a list/,
    ],
    [
      'a wrong content type',
      '/publish',
      '{"topic": "com.example.topic"}',
      'text/plain',
      "Non-accepted content type. (must be one of 'application/json', not 'text/plain')",
    ],
    [
      'a charset other than UTF-8',
      '/publish',
      '{"topic": "com.example.topic"}',
      'application/json; charset=latin-1',
      'Non-accepted request encoding, must be UTF-8.',
    ],
  ])('answers %s with 400 and a JSON error body', async (_name, path, body, contentType, message) => {
    const answer = await post(`${base}${path}`, body, { 'content-type': contentType });
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.json).toEqual(errorBody(message));
  });

  it('answers a body that is not UTF-8 with 400', async () => {
    const answer = await post(`${base}/publish`, Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]));
    expect([answer.status, answer.json]).toEqual([400, errorBody('Non-decodable request body, was not UTF-8.')]);
  });

  it('accepts a request without content type, as Crossbar does', async () => {
    // fetch labels a string body text/plain; bytes go without a content type.
    expect((await post(`${base}/publish`, Buffer.from('{"topic": "com.example.topic"}'), {})).status).toBe(200);
    await inbox.next();
  });

  it('answers other methods 405; CORS only for allowed_origins, other origins 403', async () => {
    const get = await fetch(`${base}/publish`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST,PUT,OPTIONS');
    expect(await get.json()).toEqual(
      errorBody('Method not accepted by the REST bridge. (GET not allowed, only POST, PUT)'),
    );
    // Without allowed_origins, a page of another origin is refused: no CORS headers, 403.
    const foreign = await fetch(`${base}/call`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-headers': 'content-type' },
    });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    const foreignPost = await fetch(`${base}/call`, {
      method: 'POST',
      headers: { origin: 'https://evil.example.net', 'content-type': 'text/plain' },
      body: JSON.stringify({ procedure: 'com.example.add', args: [1, 1] }),
    });
    expect(foreignPost.status).toBe(403);
    expect(((await foreignPost.json()) as { error: string }).error).toBe(
      'origin not allowed: https://evil.example.net',
    );
    // The node's own pages need no CORS.
    const own = await fetch(`${base}/call`, {
      method: 'POST',
      headers: { origin: base.replace(/\/$/, ''), 'content-type': 'application/json' },
      body: JSON.stringify({ procedure: 'com.example.add', args: [1, 1] }),
    });
    expect(own.status).toBe(200);
    const preflight = await fetch(`${base}/corscall`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(preflight.headers.get('access-control-allow-methods')).toBe('POST,PUT,OPTIONS');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type');
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    expect(preflight.headers.get('vary')).toBe('Origin');
    const other = await fetch(`${base}/corscall`, { method: 'OPTIONS', headers: { origin: 'https://example.org' } });
    expect(other.status).toBe(403);
    const answer = await postJson('/call', { procedure: 'com.example.add', args: [1, 1] });
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    expect(answer.headers.get('cache-control')).toContain('no-store');
  });

  it('answers a body over post_body_limit with 413', async () => {
    const within = JSON.stringify({ topic: 'com.example.topic' });
    expect((await post(`${base}/small`, within)).status).toBe(200);
    await inbox.next();
    const over = await postJson('/small', { topic: 'com.example.topic', args: ['x'.repeat(100)] });
    expect(over.status).toBe(413);
    expect(over.json).toEqual(errorBody(/^Request too long\. \(\d+ is longer than accepted 64\)$/));
  });

  it('answers a body far over the limit with 413 without reading it', async () => {
    const answer = await post(`${base}/small`, new Uint8Array(3 * 1024 * 1024));
    expect(answer.status).toBe(413);
    expect(answer.json).toEqual(errorBody(/^Request too long/));
  });

  it('refuses clients outside require_ip with 400, and serves those inside', async () => {
    const refused = await postJson('/elsewhere', { procedure: 'com.example.add', args: [1, 2] });
    expect([refused.status, refused.json]).toEqual([400, errorBody('Request denied based on IP address.')]);
    expect((await postJson('/here', { procedure: 'com.example.add', args: [1, 2] })).json).toEqual({ args: [3] });
  });

  it('refuses plain HTTP on a require_tls path with 400', async () => {
    const answer = await postJson('/secure', { topic: 'com.example.topic' });
    expect([answer.status, answer.json]).toEqual([400, errorBody('request denied because not using TLS')]);
  });

  it('keeps WAMP clients and other requests working through all the bad requests', async () => {
    expect(subscriber.isOpen).toBe(true);
    expect(backend.isOpen).toBe(true);
    expect((await postJson('/publish', { topic: 'com.example.topic', args: ['still here'] })).status).toBe(200);
    expect((await inbox.next()).args).toEqual(['still here']);
  });
});
