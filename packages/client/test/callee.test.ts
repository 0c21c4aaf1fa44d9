import {
  ApplicationError,
  CanceledError,
  InvalidArgumentError,
  messageToArray,
  SessionClosedError,
} from '@interchange/protocol';
import { describe, expect, it } from 'vitest';
import { type Invocation, Result } from '../src/index.js';
import { registered } from './helpers/acknowledge.js';
import { flush } from './helpers/fake-clock.js';
import { joinedSession } from './helpers/fake-router.js';

describe('Session.register', () => {
  it('sends REGISTER with the options on the wire and resolves with the Registration', async () => {
    const { session, router } = await joinedSession();
    const pending = session.register('com.example.', () => 1, { match: 'prefix', invoke: 'roundrobin' });
    const register = await router.next('REGISTER');
    expect(messageToArray(register)).toEqual([64, 1, { match: 'prefix', invoke: 'roundrobin' }, 'com.example.']);
    router.send({ type: 'REGISTERED', requestId: register.requestId, registration: 900 });
    const registration = await pending;
    expect(registration).toMatchObject({ id: 900, procedure: 'com.example.', active: true });
  });

  it('rejects with ApplicationError when the dealer refuses', async () => {
    const { session, router } = await joinedSession();
    const pending = session.register('com.example.taken', () => 1);
    const register = await router.next('REGISTER');
    router.send({
      type: 'ERROR',
      requestType: 64,
      requestId: register.requestId,
      details: {},
      error: 'wamp.error.procedure_already_exists',
    });
    await expect(pending).rejects.toMatchObject({ uri: 'wamp.error.procedure_already_exists' });
  });

  it('passes args, kwargs, details and procedure to the handler and YIELDs a single value as args: [value]', async () => {
    const { session, router } = await joinedSession();
    const seen: Invocation[] = [];
    await registered(
      router,
      session.register('com.example.add', (inv) => {
        seen.push(inv);
        return (inv.args[0] as number) + (inv.args[1] as number);
      }),
    );
    router.send({
      type: 'INVOCATION',
      requestId: 31,
      registration: 900,
      details: { caller: 77 },
      args: [2, 3],
      kwargs: { unit: 'cm' },
    });
    const yielded = await router.next('YIELD');
    expect(messageToArray(yielded)).toEqual([70, 31, {}, [5]]);
    expect(seen[0]).toMatchObject({ args: [2, 3], kwargs: { unit: 'cm' }, procedure: 'com.example.add', caller: 77 });
  });

  it('takes the procedure from details.procedure for pattern registrations', async () => {
    const { session, router } = await joinedSession();
    let procedure = '';
    await registered(
      router,
      // biome-ignore lint/suspicious/noAssignInExpressions: the handler only records which procedure it was invoked as
      session.register('com.example.', (inv) => void (procedure = inv.procedure), { match: 'prefix' }),
    );
    router.send({ type: 'INVOCATION', requestId: 1, registration: 900, details: { procedure: 'com.example.sub.op' } });
    await router.next('YIELD');
    expect(procedure).toBe('com.example.sub.op');
  });

  it('answers a Result with its args and kwargs, undefined with no payload, and awaits promises', async () => {
    const { session, router } = await joinedSession();
    const answers: unknown[] = [
      new Result([1, 2], { total: 3 }),
      undefined,
      Promise.resolve('later'),
      new Result([], { only: 'kw' }),
    ];
    await registered(
      router,
      session.register('com.example.multi', () => answers.shift()),
    );
    for (let id = 1; id <= 4; id++) router.send({ type: 'INVOCATION', requestId: id, registration: 900, details: {} });
    const yields = [
      await router.next('YIELD'),
      await router.next('YIELD'),
      await router.next('YIELD'),
      await router.next('YIELD'),
    ];
    expect(yields.map((y) => messageToArray(y))).toEqual([
      [70, 1, {}, [1, 2], { total: 3 }],
      [70, 2, {}],
      [70, 4, {}, [], { only: 'kw' }],
      [70, 3, {}, ['later']],
    ]);
  });

  it('answers a thrown ApplicationError with ERROR carrying its uri, args and kwargs', async () => {
    const { session, router } = await joinedSession();
    await registered(
      router,
      session.register('com.example.vote', async () => {
        throw new ApplicationError('com.example.error.unknown_flavor', {
          args: ['durian'],
          kwargs: { allowed: ['banana'] },
        });
      }),
    );
    router.send({ type: 'INVOCATION', requestId: 8, registration: 900, details: {} });
    const error = await router.next('ERROR');
    expect(messageToArray(error)).toEqual([
      8,
      68,
      8,
      {},
      'com.example.error.unknown_flavor',
      ['durian'],
      { allowed: ['banana'] },
    ]);
  });

  it('answers any other thrown error with wamp.error.runtime_error and only its message, no stack', async () => {
    const { session, router } = await joinedSession();
    await registered(
      router,
      session.register('com.example.crash', (inv) => {
        if (inv.args[0] === 'sync') throw new TypeError('cannot read properties of undefined');
        return Promise.reject(new Error('database unavailable'));
      }),
    );
    router.send({ type: 'INVOCATION', requestId: 1, registration: 900, details: {}, args: ['sync'] });
    router.send({ type: 'INVOCATION', requestId: 2, registration: 900, details: {}, args: ['async'] });
    const first = await router.next('ERROR');
    const second = await router.next('ERROR');
    expect(first).toMatchObject({
      requestId: 1,
      error: 'wamp.error.runtime_error',
      args: ['cannot read properties of undefined'],
    });
    expect(second).toMatchObject({ requestId: 2, error: 'wamp.error.runtime_error', args: ['database unavailable'] });
    expect(JSON.stringify([first, second])).not.toMatch(/\bat\s.*\(|\.ts:\d+/);
    expect(first.kwargs).toBeUndefined();
  });

  it('aborts the invocation signal on INTERRUPT kill and answers wamp.error.canceled when the handler gives up', async () => {
    const { session, router } = await joinedSession();
    let signal: AbortSignal | undefined;
    await registered(
      router,
      session.register('com.example.slow', (inv) => {
        signal = inv.signal;
        return new Promise((_, reject) => inv.signal.addEventListener('abort', () => reject(inv.signal.reason)));
      }),
    );
    router.send({ type: 'INVOCATION', requestId: 5, registration: 900, details: {} });
    await flush();
    router.send({ type: 'INTERRUPT', requestId: 5, options: { mode: 'kill' } });
    const error = await router.next('ERROR');
    expect(error).toMatchObject({ requestType: 68, requestId: 5, error: 'wamp.error.canceled' });
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBeInstanceOf(CanceledError);
    await flush();
    expect(router.unread()).toEqual([]);
  });

  it('sends no answer to an INTERRUPT with mode killnowait', async () => {
    const { session, router } = await joinedSession();
    await registered(
      router,
      session.register('com.example.slow', () => new Promise(() => {})),
    );
    router.send({ type: 'INVOCATION', requestId: 5, registration: 900, details: {} });
    router.send({ type: 'INTERRUPT', requestId: 5, options: { mode: 'killnowait' } });
    await flush();
    expect(router.unread()).toEqual([]);
  });

  it('sends progressive results when the caller asked for them, and refuses otherwise', async () => {
    const { session, router } = await joinedSession();
    await registered(
      router,
      session.register('com.example.count', (inv) => {
        if (!inv.receiveProgress) {
          expect(() => inv.progress(1)).toThrow(InvalidArgumentError);
          return 'no progress';
        }
        inv.progress(1);
        inv.progress(new Result([2], { half: true }));
        return 3;
      }),
    );
    router.send({ type: 'INVOCATION', requestId: 1, registration: 900, details: { receive_progress: true } });
    expect(messageToArray(await router.next('YIELD'))).toEqual([70, 1, { progress: true }, [1]]);
    expect(messageToArray(await router.next('YIELD'))).toEqual([70, 1, { progress: true }, [2], { half: true }]);
    expect(messageToArray(await router.next('YIELD'))).toEqual([70, 1, {}, [3]]);
    router.send({ type: 'INVOCATION', requestId: 2, registration: 900, details: {} });
    expect(messageToArray(await router.next('YIELD'))).toEqual([70, 2, {}, ['no progress']]);
  });

  it('unregisters: UNREGISTER, then inactive; invocations for unknown registrations get no_such_registration', async () => {
    const { session, router } = await joinedSession();
    const registration = await registered(
      router,
      session.register('com.example.x', () => 1),
    );
    const done = registration.unregister();
    const unregister = await router.next('UNREGISTER');
    expect(unregister.registration).toBe(900);
    router.send({ type: 'UNREGISTERED', requestId: unregister.requestId });
    await done;
    expect(registration.active).toBe(false);
    await registration.unregister(); // no-op once inactive
    router.send({ type: 'INVOCATION', requestId: 3, registration: 900, details: {} });
    expect(await router.next('ERROR')).toMatchObject({ requestId: 3, error: 'wamp.error.no_such_registration' });
  });

  it('deactivates a registration the router revokes', async () => {
    const { session, router } = await joinedSession();
    const registration = await registered(
      router,
      session.register('com.example.x', () => 1),
    );
    router.send({ type: 'UNREGISTERED', requestId: 0, details: { registration: 900, reason: 'wamp.close.killed' } });
    await flush();
    expect(registration.active).toBe(false);
    expect(registration.revocationReason).toBe('wamp.close.killed');
    expect(session.isOpen).toBe(true);
  });

  it('throws InvalidArgumentError at once for a bad procedure URI or handler', async () => {
    const { session } = await joinedSession();
    expect(() => session.register('com.example x', () => 1)).toThrow(InvalidArgumentError);
    expect(() => session.register('com.example.x', 'nope' as never)).toThrow(InvalidArgumentError);
    expect(() => session.register('com..x', () => 1)).toThrow(InvalidArgumentError);
    expect(() => session.register('com..x', () => 1, { match: 'wildcard' })).not.toThrow();
  });

  it('deactivates registrations and aborts running handlers when the session closes', async () => {
    const { session, router } = await joinedSession();
    let signal: AbortSignal | undefined;
    const registration = await registered(
      router,
      session.register('com.example.slow', (inv) => {
        signal = inv.signal;
        return new Promise(() => {});
      }),
    );
    router.send({ type: 'INVOCATION', requestId: 1, registration: 900, details: {} });
    await flush();
    router.end.close();
    await session.closed;
    expect(registration.active).toBe(false);
    expect(signal?.reason).toBeInstanceOf(SessionClosedError);
  });
});
