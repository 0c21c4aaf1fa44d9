import { ApplicationError, InvalidArgumentError, messageToArray, SessionClosedError } from '@interchange/protocol';
import { describe, expect, it } from 'vitest';
import { autobahn, WampApplicationError } from '../src/autobahn.js';
import { Result } from '../src/index.js';
import { compat } from './helpers/compat-session.js';
import { flush } from './helpers/fake-clock.js';

/** Calls through the compat session and answers with `answer`; returns what the promise resolved to. */
async function callResolving(answer: { args?: unknown[]; kwargs?: Record<string, unknown> }): Promise<unknown> {
  const { session, router } = await compat();
  const pending = session.call('com.example.f', [1]);
  const call = await router.next('CALL');
  router.send({ type: 'RESULT', requestId: call.requestId, details: {}, ...answer });
  return pending;
}

describe('autobahn namespace', () => {
  it('has the Autobahn classes, with Error being WampApplicationError', () => {
    expect(typeof autobahn.Connection).toBe('function');
    expect(autobahn.Result).toBe(Result);
    expect(autobahn.Error).toBe(WampApplicationError);
    expect(autobahn.Error).not.toBe(globalThis.Error);
    const error = new autobahn.Error('com.example.oops', ['a'], { b: 1 });
    expect(error).toBeInstanceOf(ApplicationError);
    expect(error).toBeInstanceOf(globalThis.Error);
    expect([error.error, error.args, error.kwargs]).toEqual(['com.example.oops', ['a'], { b: 1 }]);
  });
});

describe('compat session.call resolution', () => {
  it.each([
    { answer: { args: [42] }, expected: 42 },
    { answer: { args: [{ votes: 3 }] }, expected: { votes: 3 } },
    { answer: {}, expected: null },
    { answer: { args: [] }, expected: null },
    { answer: { args: [1, 2] }, expected: new Result([1, 2], {}) },
    { answer: { args: [1], kwargs: { more: true } }, expected: new Result([1], { more: true }) },
    { answer: { args: [], kwargs: { only: 'kw' } }, expected: new Result([], { only: 'kw' }) },
  ])('RESULT $answer resolves to $expected', async ({ answer, expected }) => {
    const resolved = await callResolving(answer);
    expect(resolved).toEqual(expected);
    if (expected instanceof Result) expect(resolved).toBeInstanceOf(autobahn.Result);
  });

  it('sends args and kwargs positionally, options on the wire, and expands CURIEs', async () => {
    const { session, router } = await compat();
    session.prefix('api', 'com.example.api');
    void session.call('api:add', [2, 3], { precise: true }, { disclose_me: true, timeout: 500 });
    expect(messageToArray(await router.next('CALL'))).toEqual([
      48,
      1,
      { timeout: 500, disclose_me: true },
      'com.example.api.add',
      [2, 3],
      { precise: true },
    ]);
  });

  it('rejects with autobahn.Error (uri in .error) on ERROR', async () => {
    const { session, router } = await compat();
    const pending = session.call('com.example.f');
    const call = await router.next('CALL');
    router.send({
      type: 'ERROR',
      requestType: 48,
      requestId: call.requestId,
      details: {},
      error: 'com.example.bad',
      args: ['why'],
      kwargs: { k: 1 },
    });
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(autobahn.Error);
    expect(error).toMatchObject({ error: 'com.example.bad', args: ['why'], kwargs: { k: 1 } });
  });

  it('cancels with promise.cancel()', async () => {
    const { session, router } = await compat();
    const pending = session.call('com.example.slow');
    const call = await router.next('CALL');
    pending.cancel({ mode: 'skip' });
    await expect(pending).rejects.toThrow(/canceled/);
    expect(await router.next('CANCEL')).toEqual({
      type: 'CANCEL',
      requestId: call.requestId,
      options: { mode: 'skip' },
    });
  });

  it('throws at once for args that are not an array', async () => {
    const { session } = await compat();
    expect(() => session.call('com.example.f', 'x' as never)).toThrow(InvalidArgumentError);
  });
});

describe('compat session.register', () => {
  async function registerEndpoint(
    endpoint: (args: unknown[], kwargs: Record<string, unknown>, details: unknown) => unknown,
  ) {
    const { session, router } = await compat();
    const pending = session.register('com.example.proc', endpoint);
    const register = await router.next('REGISTER');
    router.send({ type: 'REGISTERED', requestId: register.requestId, registration: 77 });
    const registration = await pending;
    return { session, router, registration };
  }

  it('calls the endpoint with (args, kwargs, details) and YIELDs [value]', async () => {
    const calls: unknown[] = [];
    const { router, registration } = await registerEndpoint((args, kwargs, details) => {
      calls.push([args, kwargs, details]);
      return (args[0] as number) * 2;
    });
    expect(registration).toBeInstanceOf(autobahn.Registration);
    expect([registration.id, registration.procedure, registration.active]).toEqual([77, 'com.example.proc', true]);
    router.send({
      type: 'INVOCATION',
      requestId: 1,
      registration: 77,
      details: { caller: 5, caller_authid: 'bob' },
      args: [21],
      kwargs: { a: 1 },
    });
    expect(messageToArray(await router.next('YIELD'))).toEqual([70, 1, {}, [42]]);
    expect(calls[0]).toEqual([
      [21],
      { a: 1 },
      expect.objectContaining({ procedure: 'com.example.proc', caller: 5, caller_authid: 'bob', progress: null }),
    ]);
  });

  it('YIELDs the args and kwargs of a returned autobahn.Result', async () => {
    const { router } = await registerEndpoint(() => new autobahn.Result(['a', 'b'], { c: 3 }));
    router.send({ type: 'INVOCATION', requestId: 1, registration: 77, details: {} });
    expect(messageToArray(await router.next('YIELD'))).toEqual([70, 1, {}, ['a', 'b'], { c: 3 }]);
  });

  it('answers ERROR with the uri, args and kwargs of a thrown autobahn.Error', async () => {
    const { router } = await registerEndpoint(() => {
      throw new autobahn.Error('com.example.error.invalid_flavor', ['durian'], { allowed: 3 });
    });
    router.send({ type: 'INVOCATION', requestId: 1, registration: 77, details: {} });
    expect(messageToArray(await router.next('ERROR'))).toEqual([
      8,
      68,
      1,
      {},
      'com.example.error.invalid_flavor',
      ['durian'],
      { allowed: 3 },
    ]);
  });

  it('answers wamp.error.runtime_error for any other thrown error', async () => {
    const { router } = await registerEndpoint(() => Promise.reject(new RangeError('flavor index out of range')));
    router.send({ type: 'INVOCATION', requestId: 1, registration: 77, details: {} });
    expect(messageToArray(await router.next('ERROR'))).toEqual([
      8,
      68,
      1,
      {},
      'wamp.error.runtime_error',
      ['flavor index out of range'],
    ]);
  });

  it('offers details.progress when the caller asked for progressive results', async () => {
    const { router } = await registerEndpoint((_args, _kwargs, details) => {
      (details as { progress: (a: unknown[]) => void }).progress(['half']);
      return 'done';
    });
    router.send({ type: 'INVOCATION', requestId: 1, registration: 77, details: { receive_progress: true } });
    expect(messageToArray(await router.next('YIELD'))).toEqual([70, 1, { progress: true }, ['half']]);
    expect(messageToArray(await router.next('YIELD'))).toEqual([70, 1, {}, ['done']]);
  });

  it('unregisters through session.unregister and registration.unregister', async () => {
    const { session, router, registration } = await registerEndpoint(() => 1);
    expect(session.registrations).toEqual([registration]);
    const done = registration.unregister();
    const unregister = await router.next('UNREGISTER');
    router.send({ type: 'UNREGISTERED', requestId: unregister.requestId });
    await done;
    expect(registration.active).toBe(false);
    expect(session.registrations).toEqual([]);
  });
});

describe('compat session.subscribe and publish', () => {
  it('calls the handler with (args, kwargs, details, subscription), even for an event right behind SUBSCRIBED', async () => {
    const { session, router } = await compat();
    const seen: unknown[] = [];
    const pending = session.subscribe('com.example.on_vote', (args, kwargs, details, sub) => {
      seen.push([args, kwargs, details.topic, details.publication, details.publisher, sub]);
    });
    const subscribe = await router.next('SUBSCRIBE');
    router.send({ type: 'SUBSCRIBED', requestId: subscribe.requestId, subscription: 9 });
    router.send({
      type: 'EVENT',
      subscription: 9,
      publication: 100,
      details: { publisher: 3 },
      args: [{ subject: 'Lemon', votes: 2 }],
    });
    const subscription = await pending;
    await flush();
    expect(subscription).toBeInstanceOf(autobahn.Subscription);
    expect(subscription.id).toBe(9);
    expect(seen).toEqual([[[{ subject: 'Lemon', votes: 2 }], {}, 'com.example.on_vote', 100, 3, subscription]]);
  });

  it('unsubscribes through session.unsubscribe, resolving true when the broker subscription ended', async () => {
    const { session, router } = await compat();
    const pending = session.subscribe('com.example.t', () => {});
    const subscribe = await router.next('SUBSCRIBE');
    router.send({ type: 'SUBSCRIBED', requestId: subscribe.requestId, subscription: 9 });
    const subscription = await pending;
    const done = session.unsubscribe(subscription);
    const unsubscribe = await router.next('UNSUBSCRIBE');
    router.send({ type: 'UNSUBSCRIBED', requestId: unsubscribe.requestId });
    expect(await done).toBe(true);
    expect(subscription.active).toBe(false);
  });

  it('publish returns undefined without acknowledge, a promise of the Publication with it', async () => {
    const { session, router } = await compat();
    expect(session.publish('com.example.t', ['x'], { k: 1 })).toBeUndefined();
    expect(messageToArray(await router.next('PUBLISH'))).toEqual([16, 1, {}, 'com.example.t', ['x'], { k: 1 }]);
    const acknowledged = session.publish('com.example.t', [], {}, { acknowledge: true, exclude_me: false });
    const publish = await router.next('PUBLISH');
    expect(publish.options).toEqual({ acknowledge: true, exclude_me: false });
    router.send({ type: 'PUBLISHED', requestId: publish.requestId, publication: 555 });
    expect(await acknowledged).toEqual(new autobahn.Publication(555));
  });

  it('publish throws when the session is not open, like Autobahn', async () => {
    const { session, router } = await compat();
    router.end.close();
    await session.typed.closed;
    expect(session.isOpen).toBe(false);
    expect(session.id).toBeNull();
    expect(() => session.publish('com.example.t')).toThrow(SessionClosedError);
  });

  it('leave sends GOODBYE with reason and message', async () => {
    const { session, router } = await compat();
    const left = session.leave('wamp.close.close_realm', 'see you');
    expect(await router.next('GOODBYE')).toEqual({
      type: 'GOODBYE',
      details: { message: 'see you' },
      reason: 'wamp.close.close_realm',
    });
    router.send({ type: 'GOODBYE', details: {}, reason: 'wamp.close.goodbye_and_out' });
    await left;
    expect(session.isOpen).toBe(false);
  });
});
