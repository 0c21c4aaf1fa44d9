import { ErrorUri, type MessageOf } from '@interchange/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Router } from '../src/router.js';
import { expectCleanTraffic, FakeClock, join, type TestClient } from './harness.js';
import { callMeta, metaErrorUri, metaResult } from './meta-helpers.js';

const EVENTS = ['on_create', 'on_register', 'on_unregister', 'on_delete'] as const;

let router: Router;

beforeEach(() => {
  const clock = new FakeClock();
  clock.advance(Date.UTC(2025, 2, 3, 4, 5, 6, 7));
  router = new Router({ clock, realms: [{ name: 'realm1' }] });
});
afterEach(expectCleanTraffic);

/** A session subscribed to the registration meta events, and a reader of what it got. */
function metaWatcher(): { client: TestClient; events: () => [string | undefined, unknown[]][] } {
  const client = join(router);
  const names = new Map<number, string>();
  for (const event of EVENTS) names.set(client.subscribe(`wamp.registration.${event}`), event);
  return {
    client,
    events: () => (client.take() as MessageOf<'EVENT'>[]).map((e) => [names.get(e.subscription), e.args ?? []]),
  };
}

describe('registration meta events', () => {
  it('announces registration_meta_api on the dealer', () => {
    expect(join(router).welcome?.details.roles).toMatchObject({
      dealer: { features: { registration_meta_api: true } },
    });
  });

  it('fires on_create and on_register, then on_register for a shared callee', () => {
    const watcher = metaWatcher();
    const first = join(router);
    const registration = first.register('com.example.add', { invoke: 'roundrobin' });
    expect(watcher.events()).toEqual([
      [
        'on_create',
        [
          first.sessionId,
          {
            id: registration,
            created: '2025-03-03T04:05:06.007Z',
            uri: 'com.example.add',
            match: 'exact',
            invoke: 'roundrobin',
          },
        ],
      ],
      ['on_register', [first.sessionId, registration]],
    ]);
    const second = join(router);
    second.register('com.example.add', { invoke: 'roundrobin' });
    expect(watcher.events()).toEqual([['on_register', [second.sessionId, registration]]]);
  });

  it('fires on_unregister, and on_delete with the last callee, on UNREGISTER and on leaving', () => {
    const a = join(router);
    const b = join(router);
    const registration = a.register('com.example.add', { invoke: 'first' });
    b.register('com.example.add', { invoke: 'first' });
    const watcher = metaWatcher();
    a.receive({ type: 'UNREGISTER', requestId: a.nextId(), registration });
    expect(a.takeOne('UNREGISTERED').type).toBe('UNREGISTERED');
    expect(watcher.events()).toEqual([['on_unregister', [a.sessionId, registration]]]);
    b.connection.transportClosed();
    expect(watcher.events()).toEqual([
      ['on_unregister', [b.sessionId, registration]],
      ['on_delete', [b.sessionId, registration]],
    ]);
  });
});

describe('registration meta procedures', () => {
  it('lists, looks up, matches and describes registrations', async () => {
    const callee = join(router);
    const exact = callee.register('com.a.b');
    const prefix = callee.register('com.a', { match: 'prefix' });
    const wildcard = callee.register('com..c', { match: 'wildcard' });
    const caller = join(router);
    expect(await metaResult(caller, 'wamp.registration.list')).toEqual([
      { exact: [exact], prefix: [prefix], wildcard: [wildcard] },
    ]);
    expect(await metaResult(caller, 'wamp.registration.lookup', ['com.a', { match: 'prefix' }])).toEqual([prefix]);
    expect(await metaResult(caller, 'wamp.registration.lookup', ['com.a'])).toEqual([null]);
    expect(await metaResult(caller, 'wamp.registration.match', ['com.a.b'])).toEqual([exact]);
    expect(await metaResult(caller, 'wamp.registration.match', ['com.a.x'])).toEqual([prefix]);
    expect(await metaResult(caller, 'wamp.registration.match', ['com.x.c'])).toEqual([wildcard]);
    expect(await metaResult(caller, 'wamp.registration.match', ['org.none'])).toEqual([null]);
    expect(await metaResult(caller, 'wamp.registration.get', [exact])).toEqual([
      { id: exact, created: '2025-03-03T04:05:06.007Z', uri: 'com.a.b', match: 'exact', invoke: 'single' },
    ]);
  });

  it("lists the registrations of one session with Crossbar's session_id argument", async () => {
    const a = join(router);
    const b = join(router);
    const mine = a.register('com.a', { match: 'prefix' });
    b.register('com.b');
    expect(await metaResult(b, 'wamp.registration.list', [a.sessionId])).toEqual([
      { exact: [], prefix: [mine], wildcard: [] },
    ]);
    expect(await metaErrorUri(b, 'wamp.registration.list', [999])).toBe('wamp.error.no_such_session');
  });

  it('lists and counts callees in registration order', async () => {
    const a = join(router);
    const b = join(router);
    const registration = a.register('com.example.add', { invoke: 'last' });
    b.register('com.example.add', { invoke: 'last' });
    const caller = join(router);
    expect(await metaResult(caller, 'wamp.registration.list_callees', [registration])).toEqual([
      [a.sessionId, b.sessionId],
    ]);
    expect(await metaResult(caller, 'wamp.registration.count_callees', [registration])).toEqual([2]);
  });

  it.each(['wamp.registration.get', 'wamp.registration.list_callees', 'wamp.registration.count_callees'])(
    '%s answers no_such_registration for an unknown ID and invalid_argument for a non-ID',
    async (procedure) => {
      const caller = join(router);
      expect(await metaErrorUri(caller, procedure, [4242])).toBe(ErrorUri.NO_SUCH_REGISTRATION);
      expect(await metaErrorUri(caller, procedure, [-1])).toBe(ErrorUri.INVALID_ARGUMENT);
      expect(await metaErrorUri(caller, procedure, [null])).toBe(ErrorUri.INVALID_ARGUMENT);
    },
  );

  it('answers malformed lookups and matches with invalid_argument or invalid_uri, leaving registrations alone', async () => {
    const callee = join(router);
    callee.register('com.a');
    const caller = join(router);
    expect(await metaErrorUri(caller, 'wamp.registration.lookup', [['com.a']])).toBe(ErrorUri.INVALID_ARGUMENT);
    expect(await metaErrorUri(caller, 'wamp.registration.lookup', ['com.a', { match: 'fuzzy' }])).toBe(
      ErrorUri.INVALID_ARGUMENT,
    );
    expect(await metaErrorUri(caller, 'wamp.registration.match', ['com a'])).toBe(ErrorUri.INVALID_URI);
    expect(await metaErrorUri(caller, 'wamp.registration.match', [])).toBe(ErrorUri.INVALID_ARGUMENT);
    expect(await metaResult(caller, 'wamp.registration.match', ['com.a'])).toEqual([expect.any(Number)]);
  });
});

describe('registration revocation through the meta API', () => {
  it('removes a callee with remove_callee, telling it with UNREGISTERED(0) when it announced registration_revocation', async () => {
    const roles = { callee: { features: { registration_revocation: true } }, caller: {} };
    const callee = join(router, 'realm1', { roles });
    const registration = callee.register('com.example.add');
    const watcher = metaWatcher();
    const admin = join(router);
    await metaResult(admin, 'wamp.registration.remove_callee', [registration, callee.sessionId], {
      reason: 'maintenance',
    });
    expect(callee.take()).toEqual([
      { type: 'UNREGISTERED', requestId: 0, details: { registration, reason: 'maintenance' } },
    ]);
    expect(watcher.events().map(([name]) => name)).toEqual(['on_unregister', 'on_delete']);
    const { reply } = await callMeta(admin, 'wamp.registration.get', [registration]);
    expect(reply).toMatchObject({ type: 'ERROR', error: ErrorUri.NO_SUCH_REGISTRATION });
  });

  it("answers unknown sessions, registrations and non-callees with Crossbar's errors", async () => {
    const callee = join(router);
    const registration = callee.register('com.example.add');
    const bystander = join(router);
    const admin = join(router);
    expect(await metaErrorUri(admin, 'wamp.registration.remove_callee', [registration, 999])).toBe(
      'wamp.error.no_such_session',
    );
    expect(await metaErrorUri(admin, 'wamp.registration.remove_callee', [999, callee.sessionId])).toBe(
      ErrorUri.NO_SUCH_REGISTRATION,
    );
    expect(await metaErrorUri(admin, 'wamp.registration.remove_callee', [registration, bystander.sessionId])).toBe(
      ErrorUri.NO_SUCH_REGISTRATION,
    );
    expect(await metaResult(admin, 'wamp.registration.count_callees', [registration])).toEqual([1]);
  });
});
