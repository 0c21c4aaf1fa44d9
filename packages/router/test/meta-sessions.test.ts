import { type Dict, ErrorUri, type MessageOf } from '@interchange/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Router } from '../src/router.js';
import { expectCleanTraffic, FakeClock, join, type TestClient } from './harness.js';
import { callMeta, eventArgs, metaErrorUri, metaResult, settle } from './meta-helpers.js';

let router: Router;

beforeEach(() => {
  router = new Router({ realms: [{ name: 'realm1' }, { name: 'realm2' }] });
});
afterEach(expectCleanTraffic);

/** Answers the router's GOODBYE as a client does, so its transport closes. */
function replyGoodbye(client: TestClient): void {
  client.receive({ type: 'GOODBYE', details: {}, reason: ErrorUri.GOODBYE_AND_OUT });
}

describe('session meta events', () => {
  it('announces session_meta_api on broker and dealer', () => {
    expect(join(router).welcome?.details.roles).toMatchObject({
      broker: { features: { session_meta_api: true } },
      dealer: { features: { session_meta_api: true } },
    });
  });

  it('publishes on_join with the session details to the realm of the session only', () => {
    const watcher = join(router);
    watcher.subscribe('wamp.session.on_join');
    const elsewhere = join(router, 'realm2');
    elsewhere.subscribe('wamp.session.on_join');
    const joined = join(router, 'realm1', { authid: 'alice', authrole: 'user', authmethod: 'ticket' });
    expect(eventArgs(watcher.take())).toEqual([
      [
        {
          session: joined.sessionId,
          authid: 'alice',
          authrole: 'user',
          authmethod: 'ticket',
          authprovider: 'static',
          transport: { type: 'memory', serializer: 'json', peer: 'memory:test' },
          joined: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        },
      ],
    ]);
    expect(elsewhere.take()).toEqual([]);
  });

  it.each([
    ['says GOODBYE', (c: TestClient) => c.receive({ type: 'GOODBYE', details: {}, reason: 'wamp.close.close_realm' })],
    ['loses its transport', (c: TestClient) => c.connection.transportClosed()],
    ['commits a protocol violation', (c: TestClient) => c.receive({ type: 'WELCOME', session: 1, details: {} })],
  ])('publishes on_leave with the session ID alone, as Crossbar does, when a session %s', (_name, end) => {
    const watcher = join(router);
    watcher.subscribe('wamp.session.on_leave');
    const leaving = join(router, 'realm1', { authid: 'bob', authrole: 'user' });
    leaving.subscribe('wamp.session.on_leave');
    end(leaving);
    expect(eventArgs(watcher.take())).toEqual([[leaving.sessionId]]);
    expect(leaving.take().some((m) => m.type === 'EVENT')).toBe(false);
  });

  it("publishes on_leave with session ID, authid and authrole in a realm of the spec's dialect", () => {
    const spec = new Router({ realms: [{ name: 'realm1', dialect: { sessionOnLeave: 'spec' } }] });
    const watcher = join(spec);
    watcher.subscribe('wamp.session.on_leave');
    const leaving = join(spec, 'realm1', { authid: 'bob', authrole: 'user' });
    leaving.connection.transportClosed();
    expect(eventArgs(watcher.take())).toEqual([[leaving.sessionId, 'bob', 'user']]);
  });

  it('publishes meta events only to sessions allowed to subscribe to them', () => {
    const guarded = new Router({
      realms: [
        {
          name: 'realm1',
          roles: [
            { name: 'anonymous', permissions: [] },
            { name: 'monitor', permissions: [{ uri: 'wamp.session.', match: 'prefix', allow: { subscribe: true } }] },
          ],
        },
      ],
    });
    const monitor = join(guarded, 'realm1', { authrole: 'monitor' });
    monitor.subscribe('wamp.session.on_join');
    const user = join(guarded);
    user.receive({ type: 'SUBSCRIBE', requestId: 1, options: {}, topic: 'wamp.session.on_join' });
    expect(user.takeOne('ERROR').error).toBe(ErrorUri.NOT_AUTHORIZED);
    expect(eventArgs(monitor.take())).toEqual([[expect.objectContaining({ session: user.sessionId })]]);
    join(guarded);
    expect(user.take()).toEqual([]);
    expect(monitor.take()).toHaveLength(1);
  });

  it('builds no meta event when nobody subscribes to it', () => {
    const broker = router.realm('realm1')?.broker;
    let built = 0;
    const build = () => {
      built++;
      return ['x'];
    };
    broker?.publishMetaEvent('wamp.session.on_join', build);
    expect(built).toBe(0);
    join(router).subscribe('wamp.session.', { match: 'prefix' });
    broker?.publishMetaEvent('wamp.session.on_join', build);
    expect(built).toBe(1);
  });
});

describe('session meta procedures', () => {
  it('counts and lists the sessions of the realm, optionally by authrole', async () => {
    const caller = join(router, 'realm1', { authrole: 'admin' });
    const a = join(router, 'realm1', { authrole: 'user' });
    const b = join(router, 'realm1', { authrole: 'guest' });
    join(router, 'realm2');
    expect(await metaResult(caller, 'wamp.session.count')).toEqual([3]);
    expect(((await metaResult(caller, 'wamp.session.list'))[0] as number[]).sort()).toEqual(
      [caller.sessionId, a.sessionId, b.sessionId].sort(),
    );
    expect(await metaResult(caller, 'wamp.session.count', [['user', 'guest']])).toEqual([2]);
    expect(await metaResult(caller, 'wamp.session.list', [], { filter_authroles: ['user'] })).toEqual([[a.sessionId]]);
    expect(await metaResult(caller, 'wamp.session.list', [null])).toEqual([expect.any(Array)]);
    expect(await metaErrorUri(caller, 'wamp.session.count', ['user'])).toBe(ErrorUri.INVALID_ARGUMENT);
    expect(await metaErrorUri(caller, 'wamp.session.list', [[1, 2]])).toBe(ErrorUri.INVALID_ARGUMENT);
  });

  it('gets the details of a session, and no_such_session for an unknown one or one of another realm', async () => {
    const caller = join(router);
    const other = join(router, 'realm1', { authid: 'svc', authrole: 'backend' });
    expect(await metaResult(caller, 'wamp.session.get', [other.sessionId])).toEqual([
      expect.objectContaining({ session: other.sessionId, authid: 'svc', authrole: 'backend', authprovider: 'static' }),
    ]);
    expect(await metaErrorUri(caller, 'wamp.session.get', [join(router, 'realm2').sessionId])).toBe(
      'wamp.error.no_such_session',
    );
    expect(await metaErrorUri(caller, 'wamp.session.get', [123])).toBe('wamp.error.no_such_session');
    expect(await metaErrorUri(caller, 'wamp.session.get', ['x'])).toBe(ErrorUri.INVALID_ARGUMENT);
  });

  it('tells when each session joined, as an ISO-8601 UTC time from the router clock', async () => {
    const clock = new FakeClock();
    clock.advance(Date.UTC(2026, 0, 2, 3, 4, 5, 6));
    const timed = new Router({ realms: [{ name: 'realm1' }], clock });
    const first = join(timed);
    clock.advance(60_000);
    const second = join(timed);
    const joinedOf = async (id: number) => ((await metaResult(second, 'wamp.session.get', [id]))[0] as Dict)['joined'];
    expect(await joinedOf(first.sessionId)).toBe('2026-01-02T03:04:05.006Z');
    expect(await joinedOf(second.sessionId)).toBe('2026-01-02T03:05:05.006Z');
  });

  it('kills a session with GOODBYE wamp.close.killed, which then leaves the realm', async () => {
    const caller = join(router);
    caller.subscribe('wamp.session.on_leave');
    const target = join(router);
    target.subscribe('com.example.topic');
    const { reply, others } = await callMeta(caller, 'wamp.session.kill', [target.sessionId]);
    expect(reply).toMatchObject({ type: 'RESULT' });
    expect(eventArgs(others)).toEqual([[target.sessionId]]);
    expect(target.take()).toEqual([{ type: 'GOODBYE', details: {}, reason: 'wamp.close.killed' }]);
    expect(router.realm('realm1')?.session(target.sessionId)).toBeUndefined();
    join(router).publish('com.example.topic');
    expect(target.take()).toEqual([]);
    replyGoodbye(target);
    expect(target.peer.closed).toBe(true);
    expect(target.take()).toEqual([]);
  });

  it('sends a killed session nothing after its GOODBYE, not even the answer of its own pending call', async () => {
    const target = join(router);
    const caller = join(router);
    target.call('wamp.session.count');
    caller.call('wamp.session.kill', { args: [target.sessionId] });
    await settle();
    expect(target.take()).toEqual([{ type: 'GOODBYE', details: {}, reason: 'wamp.close.killed' }]);
    expect(caller.take().map((m) => m.type)).toEqual(['RESULT']);
    replyGoodbye(target);
  });

  it('kills with the given reason and message', async () => {
    const caller = join(router);
    const target = join(router);
    await metaResult(caller, 'wamp.session.kill', [target.sessionId], {
      reason: 'com.example.maintenance',
      message: 'back soon',
    });
    expect(target.take()).toEqual([
      { type: 'GOODBYE', details: { message: 'back soon' }, reason: 'com.example.maintenance' },
    ]);
    replyGoodbye(target);
  });

  it('takes reason and message positionally too, as Crossbar does', async () => {
    const caller = join(router);
    const target = join(router, 'realm1', { authid: 'ops', authrole: 'user' });
    await metaResult(caller, 'wamp.session.kill', [target.sessionId, 'com.example.maintenance', 'back soon']);
    expect(target.take()).toEqual([
      { type: 'GOODBYE', details: { message: 'back soon' }, reason: 'com.example.maintenance' },
    ]);
    replyGoodbye(target);
    const twin = join(router, 'realm1', { authid: 'ops', authrole: 'user' });
    expect(await metaResult(caller, 'wamp.session.kill_by_authid', ['ops', 'com.example.rotate'])).toEqual([
      [twin.sessionId],
    ]);
    expect(twin.takeOne('GOODBYE').reason).toBe('com.example.rotate');
    replyGoodbye(twin);
    const third = join(router, 'realm1', { authrole: 'user' });
    expect(await metaResult(caller, 'wamp.session.kill_by_authrole', ['user', null, 'bye'])).toEqual([1]);
    expect(third.takeOne('GOODBYE')).toEqual({
      type: 'GOODBYE',
      details: { message: 'bye' },
      reason: 'wamp.close.killed',
    });
    replyGoodbye(third);
    expect(
      await metaErrorUri(caller, 'wamp.session.kill', [caller.sessionId, 'com.example.x'], { reason: 'com.example.y' }),
    ).toBe(ErrorUri.INVALID_ARGUMENT);
  });

  it('refuses to kill the caller itself, unknown sessions, and bad reasons, killing nobody', async () => {
    const caller = join(router);
    const target = join(router);
    expect(await metaErrorUri(caller, 'wamp.session.kill', [caller.sessionId])).toBe('wamp.error.no_such_session');
    expect(await metaErrorUri(caller, 'wamp.session.kill', [777])).toBe('wamp.error.no_such_session');
    expect(await metaErrorUri(caller, 'wamp.session.kill', [target.sessionId], { reason: 'not a uri' })).toBe(
      ErrorUri.INVALID_URI,
    );
    expect(await metaErrorUri(caller, 'wamp.session.kill', [target.sessionId], { reason: '' })).toBe(
      ErrorUri.INVALID_URI,
    );
    expect(await metaErrorUri(caller, 'wamp.session.kill', [target.sessionId], { message: 42 })).toBe(
      ErrorUri.INVALID_ARGUMENT,
    );
    expect(await metaErrorUri(caller, 'wamp.session.kill', [target.sessionId], { force: true })).toBe(
      ErrorUri.INVALID_ARGUMENT,
    );
    expect(await metaErrorUri(caller, 'wamp.session.kill_by_authid', [7])).toBe(ErrorUri.INVALID_ARGUMENT);
    expect(await metaErrorUri(caller, 'wamp.session.kill_by_authrole', ['anonymous'], { reason: 'bad reason' })).toBe(
      ErrorUri.INVALID_URI,
    );
    expect(await metaErrorUri(caller, 'wamp.session.kill_all', [], { reason: 7 })).toBe(ErrorUri.INVALID_URI);
    expect(target.take()).toEqual([]);
    expect(await metaResult(caller, 'wamp.session.count')).toEqual([2]);
  });

  it('kills by authid, leaving the caller out, and answers the killed session IDs', async () => {
    const caller = join(router, 'realm1', { authid: 'ops' });
    const twin = join(router, 'realm1', { authid: 'ops' });
    const bystander = join(router, 'realm1', { authid: 'dev' });
    expect(await metaResult(caller, 'wamp.session.kill_by_authid', ['ops'])).toEqual([[twin.sessionId]]);
    expect(twin.takeOne('GOODBYE').reason).toBe('wamp.close.killed');
    expect(bystander.take()).toEqual([]);
    expect(await metaResult(caller, 'wamp.session.kill_by_authid', ['nobody'])).toEqual([[]]);
    replyGoodbye(twin);
  });

  it('kills by authrole, leaving the caller out, and answers the count', async () => {
    const caller = join(router, 'realm1', { authrole: 'user' });
    const users = [join(router, 'realm1', { authrole: 'user' }), join(router, 'realm1', { authrole: 'user' })];
    const admin = join(router, 'realm1', { authrole: 'admin' });
    join(router, 'realm2', { authrole: 'user' });
    expect(await metaResult(caller, 'wamp.session.kill_by_authrole', ['user'], { message: 'bye' })).toEqual([2]);
    for (const user of users) {
      expect(user.takeOne('GOODBYE')).toEqual({
        type: 'GOODBYE',
        details: { message: 'bye' },
        reason: 'wamp.close.killed',
      });
      replyGoodbye(user);
    }
    expect(admin.take()).toEqual([]);
    expect(await metaResult(caller, 'wamp.session.count')).toEqual([2]);
  });

  it('kills all other sessions without on_leave events or testaments', async () => {
    const caller = join(router);
    caller.subscribe('wamp.session.on_leave');
    caller.subscribe('com.example.will');
    const others = [join(router), join(router)];
    await metaResult(others[0] as TestClient, 'wamp.session.add_testament', ['com.example.will', ['gone'], {}]);
    expect(await metaResult(caller, 'wamp.session.kill_all', [], { reason: 'wamp.close.system_shutdown' })).toEqual([
      2,
    ]);
    for (const other of others) {
      expect(other.takeOne('GOODBYE').reason).toBe('wamp.close.system_shutdown');
      replyGoodbye(other);
    }
    expect(await metaResult(caller, 'wamp.session.count')).toEqual([1]);
    // A session killed another way afterwards raises on_leave again.
    const later = join(router);
    const { others: events } = await callMeta(caller, 'wamp.session.kill', [later.sessionId]);
    expect(eventArgs(events)).toEqual([[later.sessionId]]);
    expect(later.takeOne('GOODBYE').type).toBe('GOODBYE');
    replyGoodbye(later);
  });

  it('refuses every session meta procedure to a role without call permission on them', async () => {
    const guarded = new Router({
      realms: [
        {
          name: 'realm1',
          roles: [
            { name: 'anonymous', permissions: [{ uri: 'wamp.session.count', allow: { call: true } }] },
            { name: 'admin', permissions: [{ uri: 'wamp.session.', match: 'prefix', allow: { call: true } }] },
          ],
        },
      ],
    });
    const user = join(guarded);
    const other = join(guarded);
    for (const procedure of [
      'wamp.session.list',
      'wamp.session.get',
      'wamp.session.kill',
      'wamp.session.kill_by_authid',
      'wamp.session.kill_all',
    ]) {
      expect(
        await metaErrorUri(
          user,
          procedure,
          procedure.endsWith('all') || procedure.endsWith('list') ? [] : [other.sessionId],
        ),
      ).toBe(ErrorUri.NOT_AUTHORIZED);
    }
    expect(await metaResult(user, 'wamp.session.count')).toEqual([2]);
    const admin = join(guarded, 'realm1', { authrole: 'admin' });
    await metaResult(admin, 'wamp.session.kill', [other.sessionId]);
    expect((other.take()[0] as MessageOf<'GOODBYE'>).reason).toBe('wamp.close.killed');
    replyGoodbye(other);
  });
});
