import { ApplicationError, ErrorUri, InvalidArgumentError, MessageCode } from '@interchange/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RouterProcedures, RUNTIME_ERROR_URI } from '../src/meta/router-procedures.js';
import type { Realm } from '../src/realm/realm.js';
import { Router } from '../src/router.js';
import { client } from './dealer-fixtures.js';
import { expectCleanTraffic, expectError, join } from './harness.js';

let router: Router;
let realm: Realm;

beforeEach(() => {
  router = new Router({
    realms: [
      { name: 'realm1' },
      {
        name: 'locked',
        roles: [{ name: 'anonymous', permissions: [{ uri: 'com.', match: 'prefix', allow: { call: true } }] }],
      },
    ],
  });
  realm = router.realm('realm1') as Realm;
});
afterEach(expectCleanTraffic);

/** Lets the handler's promise settle. */
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe('router procedures', () => {
  it('answers a CALL with the handler result, sync or async, and hands over the call', async () => {
    const seen: unknown[] = [];
    realm.procedures.register('wamp.test.count', ({ caller, args, kwargs, options }) => {
      seen.push({ caller: caller.id, args, kwargs, options });
      return { args: [realm.sessionCount] };
    });
    realm.procedures.register('wamp.test.async', async () => ({ kwargs: { ok: true } }));
    realm.procedures.register('wamp.test.empty', () => undefined);
    const caller = client(router);
    const r1 = caller.call('wamp.test.count', { args: [['x']], kwargs: { k: 1 }, options: { disclose_me: true } });
    const r2 = caller.call('wamp.test.async');
    const r3 = caller.call('wamp.test.empty');
    await settle();
    expect(caller.take()).toEqual([
      { type: 'RESULT', requestId: r1, details: {}, args: [1] },
      { type: 'RESULT', requestId: r2, details: {}, kwargs: { ok: true } },
      { type: 'RESULT', requestId: r3, details: {} },
    ]);
    expect(seen).toEqual([
      { caller: caller.sessionId, args: [['x']], kwargs: { k: 1 }, options: { disclose_me: true } },
    ]);
  });

  it('turns an ApplicationError into that ERROR, anything else into runtime_error', async () => {
    realm.procedures.register('wamp.test.refuse', () => {
      throw new ApplicationError('wamp.error.no_such_session', { args: ['no session 5'], kwargs: { id: 5 } });
    });
    realm.procedures.register('wamp.test.crash', async () => {
      throw new Error('boom');
    });
    const caller = client(router);
    const r1 = caller.call('wamp.test.refuse');
    const r2 = caller.call('wamp.test.crash');
    await settle();
    const [e1, e2] = caller.take();
    expect(e1).toEqual({
      type: 'ERROR',
      requestType: MessageCode.CALL,
      requestId: r1,
      details: {},
      error: 'wamp.error.no_such_session',
      args: ['no session 5'],
      kwargs: { id: 5 },
    });
    expectError(e2, { requestType: MessageCode.CALL, requestId: r2, error: RUNTIME_ERROR_URI });
    expect(RUNTIME_ERROR_URI).toBe('wamp.error.runtime_error');
  });

  it('is checked against the role like any procedure', () => {
    const locked = router.realm('locked') as Realm;
    let called = false;
    locked.procedures.register('wamp.test.count', () => {
      called = true;
      return { args: [0] };
    });
    const caller = join(router, 'locked', { roles: { caller: {} } });
    const requestId = caller.call('wamp.test.count');
    expectError(caller.take()[0], { requestType: MessageCode.CALL, requestId, error: ErrorUri.NOT_AUTHORIZED });
    expect(called).toBe(false);
  });

  it('takes precedence over a pattern registration that covers the URI', async () => {
    realm.procedures.register('wamp.test.count', () => ({ args: [42] }));
    const callee = client(router);
    callee.register('w', { match: 'prefix' });
    const caller = client(router);
    caller.call('wamp.test.count');
    await settle();
    expect(caller.takeOne('RESULT').args).toEqual([42]);
    expect(callee.take()).toEqual([]);
  });

  it('refuses progressive calls with feature_not_supported', () => {
    realm.procedures.register('wamp.test.count', () => ({ args: [1] }));
    const caller = client(router);
    caller.receive({ type: 'CALL', requestId: 1, options: { progress: true }, procedure: 'wamp.test.count' });
    expectError(caller.take()[0], {
      requestType: MessageCode.CALL,
      requestId: 1,
      error: ErrorUri.FEATURE_NOT_SUPPORTED,
    });
  });

  it('refuses a duplicate or invalid URI at registration', () => {
    const procedures = new RouterProcedures();
    procedures.register('wamp.x', () => undefined);
    expect(() => procedures.register('wamp.x', () => undefined)).toThrow(InvalidArgumentError);
    expect(() => procedures.register('wamp..x', () => undefined)).toThrow(InvalidArgumentError);
    expect(procedures.get('wamp.x')).toBeTypeOf('function');
    expect(procedures.get('wamp.y')).toBeUndefined();
  });

  it('does not answer a caller that left before the handler settled', async () => {
    let release!: () => void;
    realm.procedures.register(
      'wamp.test.slow',
      () => new Promise((resolve) => (release = () => resolve({ args: [1] }))),
    );
    const caller = client(router);
    caller.call('wamp.test.slow');
    caller.connection.transportClosed();
    release();
    await settle();
    expect(caller.take()).toEqual([]);
  });
});
