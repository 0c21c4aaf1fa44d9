import { ErrorUri, type MessageOf } from '@interchange/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_TESTAMENTS_PER_SCOPE } from '../src/broker/testaments.js';
import { Router } from '../src/router.js';
import { expectCleanTraffic, join, type TestClient } from './harness.js';
import { eventArgs, metaErrorUri, metaResult } from './meta-helpers.js';

let router: Router;

beforeEach(() => {
  router = new Router({
    realms: [
      { name: 'realm1' },
      {
        name: 'guarded',
        roles: [
          {
            name: 'anonymous',
            permissions: [
              { uri: 'com.public.', match: 'prefix', allow: { publish: true, subscribe: true } },
              { uri: 'com.private.', match: 'prefix', allow: { subscribe: true } },
              { uri: 'wamp.session.', match: 'prefix', allow: { call: true } },
            ],
          },
        ],
      },
    ],
  });
});
afterEach(expectCleanTraffic);

function goodbye(client: TestClient): void {
  client.receive({ type: 'GOODBYE', details: {}, reason: 'wamp.close.close_realm' });
}

describe('testament meta API', () => {
  it('announces testament_meta_api on the dealer', () => {
    expect(join(router).welcome?.details.roles).toMatchObject({ dealer: { features: { testament_meta_api: true } } });
  });

  it('publishes a testament when its session leaves, under the publication ID add_testament returned', async () => {
    const observer = join(router);
    const subscription = observer.subscribe('com.example.gone');
    const client = join(router);
    const [publication] = await metaResult(client, 'wamp.session.add_testament', [
      'com.example.gone',
      ['Seeya!'],
      { my_name: 'app1' },
    ]);
    expect(publication).toEqual(expect.any(Number));
    expect(observer.take()).toEqual([]);
    goodbye(client);
    expect(observer.take()).toEqual([
      { type: 'EVENT', subscription, publication, details: {}, args: ['Seeya!'], kwargs: { my_name: 'app1' } },
    ]);
  });

  it.each([
    ['loses its transport', (c: TestClient) => c.connection.transportClosed()],
    [
      'is aborted for a protocol violation',
      (c: TestClient) => c.receive({ type: 'EVENT', subscription: 1, publication: 1, details: {} }),
    ],
    ['sends a frame its transport cannot decode', (c: TestClient) => c.connection.protocolViolation('bad frame')],
  ])('publishes testaments when the session %s', async (_name, end) => {
    const observer = join(router);
    observer.subscribe('com.example.gone');
    const client = join(router);
    await metaResult(client, 'wamp.session.add_testament', ['com.example.gone', ['lost'], {}]);
    end(client);
    expect(eventArgs(observer.take())).toEqual([['lost']]);
  });

  it('publishes detached testaments before destroyed ones, each in the order filed', async () => {
    const observer = join(router);
    observer.subscribe('com.example.gone');
    const client = join(router);
    const file = (name: string, scope?: string) =>
      metaResult(
        client,
        'wamp.session.add_testament',
        ['com.example.gone', [name], {}],
        scope === undefined ? undefined : { scope },
      );
    await file('A');
    await file('B', 'detached');
    await file('C', 'destroyed');
    // Crossbar's positional form: publish_options and scope as 4th and 5th argument.
    await metaResult(client, 'wamp.session.add_testament', ['com.example.gone', ['D'], {}, {}, 'detached']);
    client.connection.transportClosed();
    expect(eventArgs(observer.take())).toEqual([['B'], ['D'], ['A'], ['C']]);
  });

  it('flushes the testaments of one scope and answers how many went', async () => {
    const observer = join(router);
    observer.subscribe('com.example.gone');
    const client = join(router);
    for (const scope of ['destroyed', 'destroyed', 'detached']) {
      await metaResult(client, 'wamp.session.add_testament', ['com.example.gone', [scope], {}], { scope });
    }
    expect(await metaResult(client, 'wamp.session.flush_testaments')).toEqual([2]);
    expect(await metaResult(client, 'wamp.session.flush_testaments', [], { scope: 'destroyed' })).toEqual([0]);
    goodbye(client);
    expect(eventArgs(observer.take())).toEqual([['detached']]);
    const second = join(router);
    await metaResult(second, 'wamp.session.add_testament', ['com.example.gone', ['x'], {}], { scope: 'detached' });
    expect(await metaResult(second, 'wamp.session.flush_testaments', ['detached'])).toEqual([1]);
    goodbye(second);
    expect(observer.take()).toEqual([]);
  });

  it("keeps each session's testaments to itself", async () => {
    const observer = join(router);
    observer.subscribe('com.example.gone');
    const a = join(router);
    const b = join(router);
    await metaResult(a, 'wamp.session.add_testament', ['com.example.gone', ['a'], {}]);
    expect(await metaResult(b, 'wamp.session.flush_testaments')).toEqual([0]);
    goodbye(b);
    expect(observer.take()).toEqual([]);
    goodbye(a);
    expect(eventArgs(observer.take())).toEqual([['a']]);
  });

  it('honours publish options: disclose_me, black- and whitelisting, retain; drops acknowledge and exclude_me', async () => {
    const admin = join(router, 'realm1', { authrole: 'admin' });
    const user = join(router, 'realm1', { authrole: 'user' });
    for (const observer of [admin, user]) observer.subscribe('com.example.gone');
    const client = join(router, 'realm1', { authid: 'dying' });
    client.subscribe('com.example.gone');
    await metaResult(client, 'wamp.session.add_testament', ['com.example.gone', ['for admins'], {}], {
      publish_options: {
        disclose_me: true,
        eligible_authrole: ['admin'],
        acknowledge: true,
        exclude_me: false,
        retain: true,
      },
    });
    goodbye(client);
    expect(client.take().map((m) => m.type)).toEqual(['GOODBYE']);
    const [event] = admin.take() as MessageOf<'EVENT'>[];
    expect(event?.details).toEqual({
      publisher: client.sessionId,
      publisher_authid: 'dying',
      publisher_authrole: 'anonymous',
    });
    expect(user.take()).toEqual([]);
    const late = join(router, 'realm1', { authrole: 'admin' });
    late.receive({ type: 'SUBSCRIBE', requestId: 1, options: { get_retained: true }, topic: 'com.example.gone' });
    expect(late.take().map((m) => m.type)).toEqual(['SUBSCRIBED', 'EVENT']);
  });

  it('checks a testament when it is filed, as its publication will be', async () => {
    const client = join(router, 'guarded');
    const add = (args: unknown[], kwargs?: Record<string, unknown>) =>
      metaErrorUri(client, 'wamp.session.add_testament', args, kwargs);
    expect(await add(['com.public.x', [], {}], { scope: 'forever' })).toBe('wamp.error.testament_error');
    expect(await add(['com.private.x', [], {}])).toBe(ErrorUri.NOT_AUTHORIZED);
    expect(await add(['com.public..x', [], {}])).toBe(ErrorUri.INVALID_URI);
    expect(await add(['wamp.session.on_leave', [], {}])).toBe(ErrorUri.INVALID_URI);
    expect(await add([42, [], {}])).toBe(ErrorUri.INVALID_ARGUMENT);
    expect(await add(['com.public.x', 'args', {}])).toBe(ErrorUri.INVALID_ARGUMENT);
    expect(await add(['com.public.x', [], ['kwargs']])).toBe(ErrorUri.INVALID_ARGUMENT);
    expect(await add(['com.public.x', [], {}], { publish_options: 'fast' })).toBe(ErrorUri.INVALID_ARGUMENT);
    expect(await add(['com.public.x', [], {}], { publish_options: { exclude: ['x'] } })).toBe(
      ErrorUri.INVALID_ARGUMENT,
    );
    expect(await add(['com.public.x', [], {}], { publish_options: { ppt_scheme: 'x_custom' } })).toBe(
      ErrorUri.INVALID_ARGUMENT,
    );
    expect(await add(['com.public.x', [], {}], { when: 'later' })).toBe(ErrorUri.INVALID_ARGUMENT);
    expect(await metaErrorUri(client, 'wamp.session.flush_testaments', [], { scope: 'all' })).toBe(
      'wamp.error.testament_error',
    );
    expect(await metaResult(client, 'wamp.session.flush_testaments', [], { scope: 'detached' })).toEqual([0]);
    expect(await metaResult(client, 'wamp.session.flush_testaments')).toEqual([0]);
  });

  it('accepts a testament without args or kwargs', async () => {
    const observer = join(router);
    observer.subscribe('com.example.gone');
    const client = join(router);
    await metaResult(client, 'wamp.session.add_testament', ['com.example.gone']);
    client.connection.transportClosed();
    const [event] = observer.take() as MessageOf<'EVENT'>[];
    expect(event !== undefined && !('args' in event) && !('kwargs' in event)).toBe(true);
  });

  it(`holds at most ${MAX_TESTAMENTS_PER_SCOPE} testaments per scope`, async () => {
    const client = join(router);
    for (let i = 0; i < MAX_TESTAMENTS_PER_SCOPE; i++)
      client.call('wamp.session.add_testament', { args: ['com.example.gone', [i], {}] });
    await new Promise((resolve) => setImmediate(resolve));
    expect(client.take().every((m) => m.type === 'RESULT')).toBe(true);
    expect(await metaErrorUri(client, 'wamp.session.add_testament', ['com.example.gone', [], {}])).toBe(
      'wamp.error.testament_error',
    );
    await metaResult(client, 'wamp.session.add_testament', ['com.example.gone', [], {}], { scope: 'detached' });
  });
});
