import {
  ApplicationError,
  CanceledError,
  InvalidArgumentError,
  messageToArray,
  TimeoutError,
} from '@interchange/protocol';
import { describe, expect, it } from 'vitest';
import { type InputChunk, type Invocation, Result } from '../src/index.js';
import { registered } from './helpers/acknowledge.js';
import { FakeClock, flush } from './helpers/fake-clock.js';
import { FULL_ROUTER_ROLES, joinedSession } from './helpers/fake-router.js';

describe('REGISTER options of the advanced profile', () => {
  it('sends invoke, concurrency, force_reregister, forward_timeout and disclose_caller as REGISTER.Options', async () => {
    const { session, router } = await joinedSession();
    void session.register('com.example.work', () => 1, {
      invoke: 'roundrobin',
      concurrency: 4,
      force_reregister: true,
      forward_timeout: true,
      disclose_caller: true,
      inputBufferSize: 8,
    });
    const register = await router.next('REGISTER');
    expect(register.options).toEqual({
      invoke: 'roundrobin',
      concurrency: 4,
      force_reregister: true,
      forward_timeout: true,
      disclose_caller: true,
    });
  });

  it('refuses unknown invoke or match values and a bad concurrency at once', async () => {
    const { session, router } = await joinedSession();
    expect(() => session.register('com.example.w', () => 1, { invoke: 'sometimes' as never })).toThrow(
      InvalidArgumentError,
    );
    expect(() => session.register('com.example.w', () => 1, { match: 'fuzzy' as never })).toThrow(InvalidArgumentError);
    expect(() => session.register('com.example.w', () => 1, { concurrency: 0 })).toThrow(InvalidArgumentError);
    expect(() => session.register('com.example.w', () => 1, { concurrency: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => session.register('com.example.w', () => 1, { inputBufferSize: 0 })).toThrow(InvalidArgumentError);
    await flush();
    expect(router.unread()).toEqual([]);
  });

  it("rejects with the dealer's error for a mismatching invocation policy", async () => {
    const { session, router } = await joinedSession();
    const pending = session.register('com.example.w', () => 1, { invoke: 'random' });
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
});

describe('registration revocation (advanced "Registration Revocation")', () => {
  it('resolves ended with revoked and the reason; unregister resolves ended with local; close with session-closed', async () => {
    const { session, router } = await joinedSession();
    const revoked = await registered(
      router,
      session.register('com.example.a', () => 1),
      900,
    );
    const unregistered = await registered(
      router,
      session.register('com.example.b', () => 1),
      901,
    );
    const closed = await registered(
      router,
      session.register('com.example.c', () => 1),
      902,
    );
    router.send({
      type: 'UNREGISTERED',
      requestId: 0,
      details: { registration: 900, reason: 'wamp.error.unregistered' },
    });
    expect(await revoked.ended).toEqual({ how: 'revoked', reason: 'wamp.error.unregistered' });
    const done = unregistered.unregister();
    const unregister = await router.next('UNREGISTER');
    router.send({ type: 'UNREGISTERED', requestId: unregister.requestId });
    await done;
    expect(await unregistered.ended).toEqual({ how: 'local', reason: undefined });
    router.end.close();
    expect(await closed.ended).toEqual({ how: 'session-closed', reason: undefined });
  });

  it('drops an INVOCATION for a revoked registration with no_such_registration', async () => {
    const { session, router } = await joinedSession();
    await registered(
      router,
      session.register('com.example.a', () => 1),
      900,
    );
    router.send({ type: 'UNREGISTERED', requestId: 0, details: { registration: 900 } });
    router.send({ type: 'INVOCATION', requestId: 1, registration: 900, details: {} });
    expect(await router.next('ERROR')).toMatchObject({ requestId: 1, error: 'wamp.error.no_such_registration' });
  });
});

describe('caller identification and re-routing', () => {
  it('exposes the disclosed caller session, authid and authrole', async () => {
    const { session, router } = await joinedSession();
    let seen: Invocation | undefined;
    await registered(
      router,
      session.register('com.example.who', (inv) => {
        seen = inv;
      }),
    );
    router.send({
      type: 'INVOCATION',
      requestId: 1,
      registration: 900,
      details: { caller: 77, caller_authid: 'alice', caller_authrole: 'user' },
    });
    await router.next('YIELD');
    expect(seen).toMatchObject({ caller: 77, callerAuthid: 'alice', callerAuthrole: 'user' });
  });

  it('sends wamp.error.unavailable as the handler threw it, so the dealer can re-route', async () => {
    const { session, router } = await joinedSession();
    await registered(
      router,
      session.register('com.example.busy', () => {
        throw new ApplicationError('wamp.error.unavailable');
      }),
    );
    router.send({ type: 'INVOCATION', requestId: 1, registration: 900, details: {} });
    expect(messageToArray(await router.next('ERROR'))).toEqual([8, 68, 1, {}, 'wamp.error.unavailable']);
  });
});

describe('INTERRUPT (advanced "Call Canceling")', () => {
  it('sends the result of a handler that finishes after a kill INTERRUPT (it finished first)', async () => {
    const { session, router } = await joinedSession();
    let finish: ((value: unknown) => void) | undefined;
    await registered(
      router,
      session.register('com.example.slow', () => new Promise((resolve) => (finish = resolve))),
    );
    router.send({ type: 'INVOCATION', requestId: 5, registration: 900, details: {} });
    router.send({ type: 'INTERRUPT', requestId: 5, options: { mode: 'kill' } });
    await flush();
    expect(router.unread()).toEqual([]);
    finish?.('made it');
    expect(messageToArray(await router.next('YIELD'))).toEqual([70, 5, {}, ['made it']]);
  });

  it('sends the application error a killed handler throws', async () => {
    const { session, router } = await joinedSession();
    await registered(
      router,
      session.register('com.example.tx', (inv) => {
        return new Promise((_, reject) =>
          inv.signal.addEventListener('abort', () =>
            reject(new ApplicationError('com.example.rolled_back', { args: ['undone'] })),
          ),
        );
      }),
    );
    router.send({ type: 'INVOCATION', requestId: 5, registration: 900, details: {} });
    router.send({ type: 'INTERRUPT', requestId: 5, options: { mode: 'kill' } });
    expect(await router.next('ERROR')).toMatchObject({
      requestId: 5,
      error: 'com.example.rolled_back',
      args: ['undone'],
    });
  });

  it('aborts with a TimeoutError when the INTERRUPT says the dealer timed the call out, and drops the answer', async () => {
    const { session, router } = await joinedSession();
    let signal: AbortSignal | undefined;
    let finish: ((value: unknown) => void) | undefined;
    await registered(
      router,
      session.register('com.example.slow', (inv) => {
        signal = inv.signal;
        return new Promise((resolve) => (finish = resolve));
      }),
    );
    router.send({ type: 'INVOCATION', requestId: 5, registration: 900, details: {} });
    router.send({ type: 'INTERRUPT', requestId: 5, options: { mode: 'killnowait', reason: 'wamp.error.timeout' } });
    await flush();
    expect(signal?.reason).toBeInstanceOf(TimeoutError);
    finish?.('too late');
    await flush();
    expect(router.unread()).toEqual([]);
  });
});

describe('forwarded call timeout (advanced "Call Timeouts", callee-initiated)', () => {
  it('aborts the handler and answers wamp.error.timeout when details.timeout passes on the clock', async () => {
    const clock = new FakeClock();
    const { session, router } = await joinedSession({ clock });
    let invocation: Invocation | undefined;
    let finish: ((value: unknown) => void) | undefined;
    await registered(
      router,
      session.register(
        'com.example.slow',
        (inv) => {
          invocation = inv;
          return new Promise((resolve) => (finish = resolve));
        },
        { forward_timeout: true },
      ),
    );
    router.send({ type: 'INVOCATION', requestId: 3, registration: 900, details: { timeout: 250 } });
    await flush();
    expect(invocation?.timeout).toBe(250);
    clock.advance(249);
    await flush();
    expect(router.unread()).toEqual([]);
    clock.advance(1);
    expect(await router.next('ERROR')).toMatchObject({ requestId: 3, error: 'wamp.error.timeout' });
    expect(invocation?.signal.reason).toBeInstanceOf(TimeoutError);
    finish?.('late');
    await flush();
    expect(router.unread()).toEqual([]);
  });

  it('stops the timer when the handler answers in time', async () => {
    const clock = new FakeClock();
    const { session, router } = await joinedSession({ clock });
    await registered(
      router,
      session.register('com.example.fast', () => 'quick'),
    );
    router.send({ type: 'INVOCATION', requestId: 3, registration: 900, details: { timeout: 250 } });
    expect(messageToArray(await router.next('YIELD'))).toEqual([70, 3, {}, ['quick']]);
    expect(clock.pending()).toEqual([]);
  });
});

describe('progressive call invocations: invocation.input', () => {
  it('yields every chunk of a streaming call in order and answers after the last', async () => {
    const { session, router } = await joinedSession();
    let streaming: boolean | undefined;
    await registered(
      router,
      session.register('com.example.sum', async (inv) => {
        streaming = inv.streaming;
        let sum = 0;
        for await (const chunk of inv.input) sum += chunk.args[0] as number;
        return sum;
      }),
    );
    router.send({ type: 'INVOCATION', requestId: 7, registration: 900, details: { progress: true }, args: [1] });
    router.send({ type: 'INVOCATION', requestId: 7, registration: 900, details: { progress: true }, args: [2] });
    await flush();
    expect(router.unread()).toEqual([]);
    router.send({ type: 'INVOCATION', requestId: 7, registration: 900, details: {}, args: [3] });
    expect(messageToArray(await router.next('YIELD'))).toEqual([70, 7, {}, [6]]);
    expect(streaming).toBe(true);
  });

  it('gives an ordinary invocation one chunk', async () => {
    const { session, router } = await joinedSession();
    const chunks: InputChunk[] = [];
    await registered(
      router,
      session.register('com.example.one', async (inv) => {
        for await (const chunk of inv.input) chunks.push(chunk);
        return chunks.length;
      }),
    );
    router.send({ type: 'INVOCATION', requestId: 1, registration: 900, details: {}, args: ['x'], kwargs: { k: 1 } });
    expect((await router.next('YIELD')).args).toEqual([1]);
    expect(chunks).toEqual([{ args: ['x'], kwargs: { k: 1 }, details: {} }]);
  });

  it('drops chunks still arriving after the handler answered early, without a protocol violation', async () => {
    const { session, router } = await joinedSession();
    await registered(
      router,
      session.register('com.example.head', (inv) => inv.args[0]),
    );
    router.send({ type: 'INVOCATION', requestId: 7, registration: 900, details: { progress: true }, args: ['first'] });
    expect((await router.next('YIELD')).args).toEqual(['first']);
    router.send({ type: 'INVOCATION', requestId: 7, registration: 900, details: { progress: true }, args: ['second'] });
    router.send({ type: 'INVOCATION', requestId: 7, registration: 900, details: {}, args: ['last'] });
    await flush();
    expect(router.unread()).toEqual([]);
    expect(session.isOpen).toBe(true);
  });

  it('throws the interrupt from the input loop', async () => {
    const { session, router } = await joinedSession();
    let failure: unknown;
    await registered(
      router,
      session.register('com.example.sum', async (inv) => {
        try {
          for await (const _ of inv.input) {
            // read until the interrupt
          }
        } catch (error) {
          failure = error;
          throw error;
        }
      }),
    );
    router.send({ type: 'INVOCATION', requestId: 7, registration: 900, details: { progress: true }, args: [1] });
    await flush();
    router.send({ type: 'INTERRUPT', requestId: 7, options: { mode: 'killnowait' } });
    await flush();
    expect(failure).toBeInstanceOf(CanceledError);
    expect(router.unread()).toEqual([]);
  });

  it('fails the call when the handler leaves more chunks unread than inputBufferSize', async () => {
    const { session, router } = await joinedSession();
    let signal: AbortSignal | undefined;
    await registered(
      router,
      session.register(
        'com.example.ignores_input',
        (inv) => {
          signal = inv.signal;
          return new Promise(() => {});
        },
        { inputBufferSize: 2 },
      ),
    );
    for (const n of [1, 2, 3]) {
      router.send({ type: 'INVOCATION', requestId: 9, registration: 900, details: { progress: true }, args: [n] });
    }
    expect(await router.next('ERROR')).toMatchObject({ requestId: 9, error: 'wamp.error.runtime_error' });
    expect(signal?.aborted).toBe(true);
  });

  it('treats a repeated INVOCATION ID of an ordinary invocation as a protocol violation', async () => {
    const { session, router } = await joinedSession();
    await registered(
      router,
      session.register('com.example.slow', () => new Promise(() => {})),
    );
    router.send({ type: 'INVOCATION', requestId: 4, registration: 900, details: {} });
    router.send({ type: 'INVOCATION', requestId: 4, registration: 900, details: {} });
    expect(await router.next('ABORT')).toMatchObject({ reason: 'wamp.error.protocol_violation' });
  });
});

describe('payload passthru answers', () => {
  it('passes a passthru invocation to the handler untouched and answers a Result with passthru in kind', async () => {
    const { session, router } = await joinedSession({}, { roles: FULL_ROUTER_ROLES });
    let seen: Invocation | undefined;
    await registered(
      router,
      session.register('com.example.secret', (inv) => {
        seen = inv;
        return new Result([new Uint8Array([9, 9])], {}, { ppt_scheme: 'x_acme', ppt_serializer: 'cbor' });
      }),
    );
    router.send({
      type: 'INVOCATION',
      requestId: 2,
      registration: 900,
      details: { ppt_scheme: 'x_acme', ppt_serializer: 'cbor' },
      args: [new Uint8Array([1, 2, 3])],
    });
    const yielded = await router.next('YIELD');
    expect(yielded.options).toEqual({ ppt_scheme: 'x_acme', ppt_serializer: 'cbor' });
    expect(yielded.args).toEqual([new Uint8Array([9, 9])]);
    expect(seen?.args).toEqual([new Uint8Array([1, 2, 3])]);
    expect(seen?.passthru).toEqual({ ppt_scheme: 'x_acme', ppt_serializer: 'cbor' });
  });

  it('answers feature_not_supported instead of a passthru YIELD the dealer did not announce', async () => {
    const { session, router } = await joinedSession({}, { roles: { dealer: {}, broker: {} } });
    await registered(
      router,
      session.register('com.example.secret', () => new Result([new Uint8Array([1])], {}, { ppt_scheme: 'x_acme' })),
    );
    router.send({ type: 'INVOCATION', requestId: 2, registration: 900, details: {} });
    expect(await router.next('ERROR')).toMatchObject({ requestId: 2, error: 'wamp.error.feature_not_supported' });
  });

  it('answers runtime_error for a malformed passthru Result', async () => {
    const { session, router } = await joinedSession({}, { roles: FULL_ROUTER_ROLES });
    await registered(
      router,
      session.register('com.example.secret', () => new Result(['text'], {}, { ppt_scheme: 'x_acme' })),
    );
    router.send({ type: 'INVOCATION', requestId: 2, registration: 900, details: {} });
    expect(await router.next('ERROR')).toMatchObject({ requestId: 2, error: 'wamp.error.runtime_error' });
  });
});
