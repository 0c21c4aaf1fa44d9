/**
 * The `sse` path: `curl -N` reads a topic's events published by Autobahn|JS, `Last-Event-ID`
 * resumes from the realm's event history, refusals are HTTP statuses with JSON bodies (400, 401,
 * 403), tickets in the `Authorization` header authenticate, and a reader that stops reading is cut
 * at the outbound limit while the node keeps serving.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { connect as tcpConnect } from 'node:net';
import { connect, type Session } from '@interchange/client';
import autobahn from 'autobahn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { InterchangeNode } from '../../src/node.js';
import { httpRequest, LOCAL_ENDPOINT, tempDir, workerConfig } from '../helpers.js';

(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const ALL = { call: true, register: true, publish: true, subscribe: true };

const config = workerConfig(
  [
    {
      type: 'web',
      endpoint: LOCAL_ENDPOINT,
      paths: {
        ws: { type: 'websocket' },
        metrics: { type: 'metrics' },
        events: { type: 'sse', realm: 'realm1', options: { heartbeat_interval: 0 } },
        private: {
          type: 'sse',
          realm: 'realm1',
          auth: { ticket: { type: 'static', principals: { joe: { ticket: 'secret!!!', role: 'reader' } } } },
        },
        slow: { type: 'sse', realm: 'realm1', options: { outbound_limit: 4096 } },
        dyn: {
          type: 'sse',
          realm: 'realm1',
          auth: { ticket: { type: 'dynamic', authenticator: 'com.example.authenticate' } },
        },
        beat: { type: 'sse', realm: 'realm1', options: { heartbeat_interval: 1, retry: 2500 } },
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
            permissions: [
              { uri: '', match: 'prefix', allow: ALL },
              { uri: 'com.secret.', match: 'prefix', allow: { ...ALL, subscribe: false } },
            ],
          },
          { name: 'reader', permissions: [{ uri: 'com.', match: 'prefix', allow: { subscribe: true } }] },
        ],
        store: { type: 'memory', 'event-history': [{ uri: 'com.hist.log', limit: 10 }] },
      },
    ],
  },
);

/** A `curl -N` reading a stream, with what it printed so far. */
class Curl {
  readonly child: ChildProcess;
  output = '';
  readonly #waiters: { test: () => boolean; resolve: () => void }[] = [];

  constructor(url: string, headers: string[] = []) {
    this.child = spawn('curl', ['-N', '-s', ...headers.flatMap((h) => ['-H', h]), url]);
    this.child.stdout?.on('data', (chunk: Buffer) => {
      this.output += chunk.toString('utf8');
      for (const waiter of [...this.#waiters]) {
        if (!waiter.test()) continue;
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    });
  }

  /** Resolves once the output contains `text`. */
  until(text: string): Promise<void> {
    if (this.output.includes(text)) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ test: () => this.output.includes(text), resolve }));
  }

  /** The events printed so far. */
  events(): { id: string; event: string; data: Record<string, unknown> }[] {
    return this.output
      .split('\n\n')
      .filter((block) => block.startsWith('id: '))
      .map((block) => {
        const field = (name: string) =>
          block
            .split('\n')
            .find((line) => line.startsWith(`${name}: `))
            ?.slice(name.length + 2) ?? '';
        return { id: field('id'), event: field('event'), data: JSON.parse(field('data')) as Record<string, unknown> };
      });
  }

  stop(): void {
    this.child.kill();
  }
}

function openAutobahn(url: string): Promise<autobahn.Session> {
  return new Promise((resolve, reject) => {
    const connection = new autobahn.Connection({ url, realm: 'realm1', max_retries: 0 });
    connection.onopen = (session) => resolve(session);
    connection.onclose = (reason) => {
      reject(new Error(reason));
      return true;
    };
    connection.open();
  });
}

describe('sse path', () => {
  let node: InterchangeNode;
  let base: string;
  let port: number;
  let ws: string;
  let peer: Session;

  beforeAll(async () => {
    node = await InterchangeNode.start({ config, cbdir: await tempDir() });
    const address = node.addresses[0]!;
    base = address.url;
    port = address.port;
    ws = address.websocketUrls[0]!;
    peer = await connect({ url: ws, realm: 'realm1' });
    // A dynamic ticket authenticator that knows one bearer token and no authid.
    await peer.register('com.example.authenticate', ({ args }) => {
      const details = args[2] as { ticket?: string };
      if (details.ticket !== 'dyn-token') throw new Error('unknown token');
      return { role: 'reader', authid: 'token-holder' };
    });
  });

  afterAll(async () => {
    await peer?.leave().catch(() => undefined);
    await node?.stop({ timeoutMs: 500 });
  });

  it('streams the events Autobahn|JS publishes to curl -N', async () => {
    const curl = new Curl(`${base}events?topic=com.open.news`);
    try {
      await curl.until(': subscribed');
      const publisher = await openAutobahn(ws);
      await publisher.publish('com.open.news', ['hello', 1], { from: 'autobahn' }, { acknowledge: true });
      await publisher.publish('com.open.news', [], { n: 2 }, { acknowledge: true });
      await curl.until('"n":2');
      const events = curl.events();
      expect(events.map((e) => e.event)).toEqual(['com.open.news', 'com.open.news']);
      expect(events[0]!.data).toEqual({ args: ['hello', 1], kwargs: { from: 'autobahn' }, details: {} });
      expect(events[1]!.data.kwargs).toEqual({ n: 2 });
      expect(Number(events[0]!.id)).toBeGreaterThan(0);
      publisher.leave('wamp.close.normal', 'done');
    } finally {
      curl.stop();
    }
  });

  it('names each event by its topic on prefix and wildcard streams', async () => {
    const prefix = new Curl(`${base}events?topic=com.open.&match=prefix`);
    const wildcard = new Curl(`${base}events?topic=com..temp&match=wildcard`);
    try {
      await Promise.all([prefix.until(': subscribed'), wildcard.until(': subscribed')]);
      await peer.publish('com.open.a', [1], { acknowledge: true });
      await peer.publish('com.kitchen.temp', [21], { acknowledge: true });
      await prefix.until('com.open.a');
      await wildcard.until('com.kitchen.temp');
      expect(prefix.events().map((e) => [e.event, e.data.args])).toEqual([['com.open.a', [1]]]);
      expect(wildcard.events().map((e) => [e.event, e.data.args])).toEqual([['com.kitchen.temp', [21]]]);
    } finally {
      prefix.stop();
      wildcard.stop();
    }
  });

  it('resumes after Last-Event-ID from the event history', async () => {
    const ids: number[] = [];
    for (const n of [1, 2, 3]) {
      const published = await peer.publish('com.hist.log', [n], { acknowledge: true });
      ids.push(published!.id);
    }
    const curl = new Curl(`${base}events?topic=com.hist.log`, [`Last-Event-ID: ${ids[0]}`]);
    try {
      await curl.until('[3]');
      await peer.publish('com.hist.log', [4], { acknowledge: true });
      await curl.until('[4]');
      expect(curl.events().map((e) => e.data.args)).toEqual([[2], [3], [4]]);
      expect(
        curl
          .events()
          .map((e) => Number(e.id))
          .slice(0, 2),
      ).toEqual(ids.slice(1));
    } finally {
      curl.stop();
    }
  });

  it('sends the retry field and heart-beat comments on an idle stream', async () => {
    const curl = new Curl(`${base}beat?topic=com.open.quiet`);
    try {
      await curl.until(': heartbeat\n\n');
      expect(curl.output.startsWith('retry: 2500\n\n')).toBe(true);
    } finally {
      curl.stop();
    }
  });

  it('ends open streams when the node stops', async () => {
    const other = await InterchangeNode.start({ config, cbdir: await tempDir() });
    const curl = new Curl(`${other.addresses[0]!.url}events?topic=com.open.x`);
    await curl.until(': subscribed');
    const exited = new Promise((resolve) => curl.child.on('exit', resolve));
    await other.stop({ timeoutMs: 5000 });
    expect(await exited).toBe(0);
  });

  it('answers 400 with a JSON body for a missing topic, a bad match or a bad Last-Event-ID', async () => {
    for (const [path, headers] of [
      ['/events', {}],
      ['/events?topic=com.x&match=regex', {}],
      ['/events?topic=com..x', {}],
      ['/events?topic=com.x', { 'last-event-id': 'yesterday' }],
    ] as const) {
      const res = await httpRequest(port, path, { headers });
      expect(res.status, path).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(res.body).error).toEqual(expect.any(String));
    }
  });

  it('answers 403 with a JSON body when the role may not subscribe', async () => {
    const res = await httpRequest(port, '/events?topic=com.secret.plans');
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body)).toMatchObject({ reason: 'wamp.error.not_authorized' });
  });

  it('authenticates a ticket in the Authorization header, and answers 401 otherwise', async () => {
    const basic = `Basic ${Buffer.from('joe:secret!!!').toString('base64')}`;
    const curl = new Curl(`${base}private?topic=com.open.tickets`, [`Authorization: ${basic}`]);
    const bearer = new Curl(`${base}private?topic=com.open.tickets&authid=joe`, ['Authorization: Bearer secret!!!']);
    try {
      await Promise.all([curl.until(': subscribed'), bearer.until(': subscribed')]);
      await peer.publish('com.open.tickets', ['for joe'], { acknowledge: true });
      await curl.until('for joe');
      await bearer.until('for joe');
    } finally {
      curl.stop();
      bearer.stop();
    }
    const wrong = await httpRequest(port, '/private?topic=com.open.tickets', {
      headers: { authorization: `Basic ${Buffer.from('joe:guess').toString('base64')}` },
    });
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.body).reason).toBe('wamp.error.authentication_failed');
    const none = await httpRequest(port, '/private?topic=com.open.tickets');
    expect(none.status).toBe(401);
    const scheme = await httpRequest(port, '/private?topic=com.open.tickets', {
      headers: { authorization: 'Digest x' },
    });
    expect(scheme.status).toBe(401);
    expect(JSON.parse(scheme.body).error).toMatch(/Bearer, Ticket or Basic/);
    // A path without a ticket method does not ignore a ticket.
    const unexpected = await httpRequest(port, '/events?topic=com.open.x', { headers: { authorization: 'Bearer t' } });
    expect(unexpected.status).toBe(401);
    // The reader role may subscribe under com. only.
    const outside = await httpRequest(port, '/private?topic=org.other', { headers: { authorization: basic } });
    expect(outside.status).toBe(403);
  });

  it('asks the dynamic authenticator about a bearer token without authid', async () => {
    const curl = new Curl(`${base}dyn?topic=com.open.dyn`, ['Authorization: Bearer dyn-token']);
    try {
      await curl.until(': subscribed');
      await peer.publish('com.open.dyn', ['via authenticator'], { acknowledge: true });
      await curl.until('via authenticator');
    } finally {
      curl.stop();
    }
    const refused = await httpRequest(port, '/dyn?topic=com.open.dyn', { headers: { authorization: 'Bearer nope' } });
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body).error).toEqual(expect.any(String));
  });

  it('cuts a reader that stops reading at the outbound limit, and keeps serving others', async () => {
    // Streams of earlier tests may still be leaving: wait for this stream's session.
    const leaving = new Set<unknown>();
    let sawLeave: () => void = () => {};
    void peer.subscribe('wamp.session.on_leave', (event) => {
      leaving.add(event.args[0]);
      sawLeave();
    });
    const leftSession = (session: number) =>
      new Promise<unknown[]>((resolve) => {
        sawLeave = () => {
          if (leaving.has(session)) resolve([session]);
        };
        sawLeave();
      });
    const joined = new Promise<number>((resolve) => {
      void peer.subscribe('wamp.session.on_join', (event) => {
        const details = event.args[0] as { session: number; transport?: { type?: string } };
        if (details.transport?.type === 'sse') resolve(details.session);
      });
    });
    // A raw socket that sends the request and then never reads.
    const socket = tcpConnect(port, '127.0.0.1');
    socket.write('GET /slow?topic=com.open.flood HTTP/1.1\r\nHost: x\r\n\r\n');
    socket.pause();
    const session = await joined;
    const big = 'x'.repeat(64 * 1024);
    const flood = async () => {
      for (let i = 0; i < 400; i++) await peer.publish('com.open.flood', [big], { acknowledge: true });
    };
    const left = leftSession(session);
    const outcome = await Promise.race([left.then((args) => ({ left: args[0] })), flood().then(() => 'flooded')]);
    expect(outcome).toEqual({ left: session });
    socket.destroy();
    // Counted with the transport's slow consumers (metrics).
    const metrics = await (await fetch(`${base}metrics`)).text();
    const line = metrics.split('\n').find((l) => l.startsWith('interchange_slow_consumer_disconnects_total'));
    expect(Number(line?.split(' ').pop())).toBeGreaterThanOrEqual(1);
    const curl = new Curl(`${base}events?topic=com.open.after`);
    try {
      await curl.until(': subscribed');
      await peer.publish('com.open.after', ['still here'], { acknowledge: true });
      await curl.until('still here');
    } finally {
      curl.stop();
    }
  });
});
