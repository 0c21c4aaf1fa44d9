import {
  ApplicationError,
  CanceledError,
  InvalidArgumentError,
  messageToArray,
  SessionClosedError,
  TimeoutError,
} from '@interchange/protocol';
import { describe, expect, it } from 'vitest';
import { FakeClock, flush } from './helpers/fake-clock.js';
import {
  BASIC_ROUTER_ROLES,
  FULL_ROUTER_ROLES,
  joinedSession,
  ROUTER_ROLES_WITHOUT_CALL_TIMEOUT,
} from './helpers/fake-router.js';

describe('Session.call', () => {
  it('sends CALL with sequential request IDs and args/kwargs in wire order', async () => {
    const { session, router } = await joinedSession();
    void session.call('com.example.add', [2, 3]);
    void session.call('com.example.kw', undefined, { kwargs: { x: 1 } });
    void session.call('com.example.none');
    expect(messageToArray(await router.next('CALL'))).toEqual([48, 1, {}, 'com.example.add', [2, 3]]);
    expect(messageToArray(await router.next('CALL'))).toEqual([48, 2, {}, 'com.example.kw', [], { x: 1 }]);
    expect(messageToArray(await router.next('CALL'))).toEqual([48, 3, {}, 'com.example.none']);
  });

  it('resolves with args, kwargs and details from RESULT; absent parts read as [] and {}', async () => {
    const { session, router } = await joinedSession();
    const full = session.call('com.example.divmod', [7, 2]);
    const empty = session.call('com.example.nothing');
    const first = await router.next('CALL');
    const second = await router.next('CALL');
    router.send({
      type: 'RESULT',
      requestId: first.requestId,
      details: { extra_info: true },
      args: [3, 1],
      kwargs: { exact: false },
    });
    router.send({ type: 'RESULT', requestId: second.requestId, details: {} });
    expect(await full).toEqual({ args: [3, 1], kwargs: { exact: false }, details: { extra_info: true } });
    expect(await empty).toEqual({ args: [], kwargs: {}, details: {} });
  });

  it('rejects with ApplicationError carrying the ERROR uri, args and kwargs', async () => {
    const { session, router } = await joinedSession();
    const call = session.call('com.example.fail');
    const sent = await router.next('CALL');
    router.send({
      type: 'ERROR',
      requestType: 48,
      requestId: sent.requestId,
      details: {},
      error: 'com.example.error.bad_input',
      args: ['flavor unknown'],
      kwargs: { flavor: 'durian' },
    });
    const error = await call.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationError);
    expect(error).toMatchObject({
      uri: 'com.example.error.bad_input',
      args: ['flavor unknown'],
      kwargs: { flavor: 'durian' },
    });
    expect((error as Error).message).toBe('com.example.error.bad_input: flavor unknown');
  });

  it('throws InvalidArgumentError at once for a bad URI, args or kwargs, sending nothing', async () => {
    const { session, router } = await joinedSession();
    expect(() => session.call('com..broken')).toThrow(InvalidArgumentError);
    expect(() => session.call('com.example.x', 'not-an-array' as never)).toThrow(InvalidArgumentError);
    expect(() => session.call('com.example.x', [], { kwargs: [1] as never })).toThrow(InvalidArgumentError);
    expect(() => session.call('com.example.x', [], { timeout: -1 })).toThrow(InvalidArgumentError);
    expect(() => session.call(42 as never)).toThrow(InvalidArgumentError);
    await flush();
    expect(router.unread()).toEqual([]);
  });

  it('throws InvalidArgumentError at once for args the serializer cannot encode', async () => {
    const { session, router } = await joinedSession();
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => session.call('com.example.x', [cyclic])).toThrow(InvalidArgumentError);
    await flush();
    expect(router.unread()).toEqual([]);
    // The session is still usable.
    const ok = session.call('com.example.x', [1]);
    const sent = await router.next('CALL');
    router.send({ type: 'RESULT', requestId: sent.requestId, details: {}, args: [1] });
    expect((await ok).args).toEqual([1]);
  });

  it('sends CANCEL when the signal aborts and the dealer supports call_canceling; drops the late ERROR', async () => {
    const { session, router } = await joinedSession({}, { roles: FULL_ROUTER_ROLES });
    const controller = new AbortController();
    const call = session.call('com.example.slow', [], { signal: controller.signal });
    const sent = await router.next('CALL');
    controller.abort(new Error('user navigated away'));
    const error = await call.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CanceledError);
    expect((error as Error).cause).toEqual(new Error('user navigated away'));
    const cancel = await router.next('CANCEL');
    expect(cancel).toEqual({ type: 'CANCEL', requestId: sent.requestId, options: { mode: 'killnowait' } });
    router.send({
      type: 'ERROR',
      requestType: 48,
      requestId: sent.requestId,
      details: {},
      error: 'wamp.error.canceled',
    });
    await flush();
    expect(session.isOpen).toBe(true);
  });

  it('uses the cancelMode option in CANCEL', async () => {
    const { session, router } = await joinedSession({}, { roles: FULL_ROUTER_ROLES });
    const controller = new AbortController();
    const call = session.call('com.example.slow', [], { signal: controller.signal, cancelMode: 'skip' });
    await router.next('CALL');
    controller.abort();
    await expect(call).rejects.toBeInstanceOf(CanceledError);
    expect((await router.next('CANCEL')).options).toEqual({ mode: 'skip' });
  });

  it('without call_canceling only stops waiting: no CANCEL, and the late RESULT is dropped', async () => {
    const { session, router } = await joinedSession({}, { roles: BASIC_ROUTER_ROLES });
    const controller = new AbortController();
    const call = session.call('com.example.slow', [], { signal: controller.signal });
    const sent = await router.next('CALL');
    controller.abort();
    await expect(call).rejects.toBeInstanceOf(CanceledError);
    router.send({ type: 'RESULT', requestId: sent.requestId, details: {}, args: ['late'] });
    await flush();
    expect(router.unread()).toEqual([]);
    expect(session.isOpen).toBe(true);
  });

  it('rejects at once, sending nothing, when the signal is already aborted', async () => {
    const { session, router } = await joinedSession();
    await expect(session.call('com.example.x', [], { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(
      CanceledError,
    );
    await flush();
    expect(router.unread()).toEqual([]);
  });

  it('rejects with TimeoutError when the timeout passes on the clock (dealer without call_timeout)', async () => {
    const clock = new FakeClock();
    const { session, router } = await joinedSession({ clock }, { roles: ROUTER_ROLES_WITHOUT_CALL_TIMEOUT });
    const call = session.call('com.example.slow', [], { timeout: 1000 });
    const sent = await router.next('CALL');
    expect(sent.options).toEqual({});
    clock.advance(999);
    await flush();
    let settled = false;
    call.then(
      () => (settled = true),
      () => (settled = true),
    );
    await flush();
    expect(settled).toBe(false);
    clock.advance(1);
    await expect(call).rejects.toBeInstanceOf(TimeoutError);
    expect((await router.next('CANCEL')).requestId).toBe(sent.requestId);
  });

  it('clears the timeout timer when the result arrives first', async () => {
    const clock = new FakeClock();
    const { session, router } = await joinedSession({ clock }, { roles: ROUTER_ROLES_WITHOUT_CALL_TIMEOUT });
    const call = session.call('com.example.fast', [], { timeout: 1000 });
    const sent = await router.next('CALL');
    expect(clock.pending()).toEqual([1000]);
    router.send({ type: 'RESULT', requestId: sent.requestId, details: {} });
    await call;
    expect(clock.pending()).toEqual([]);
  });

  it('rejects pending calls with SessionClosedError when the transport closes, and later calls too', async () => {
    const { session, router } = await joinedSession();
    const a = session.call('com.example.a');
    const b = session.call('com.example.b');
    await router.next('CALL');
    router.end.close(1001, 'going away');
    await expect(a).rejects.toBeInstanceOf(SessionClosedError);
    await expect(b).rejects.toBeInstanceOf(SessionClosedError);
    await expect(session.call('com.example.c')).rejects.toBeInstanceOf(SessionClosedError);
  });

  it('treats a RESULT for an unknown request as a protocol violation', async () => {
    const { session, router } = await joinedSession();
    router.send({ type: 'RESULT', requestId: 99, details: {} });
    const abort = await router.next('ABORT');
    expect(abort.reason).toBe('wamp.error.protocol_violation');
    expect((await session.closed).kind).toBe('protocol-violation');
  });
});

describe('Session.callProgressive', () => {
  it('yields progressive results, then the final one, and resolves result with the final', async () => {
    const { session, router } = await joinedSession();
    const call = session.callProgressive('com.example.count', [3]);
    const sent = await router.next('CALL');
    expect(sent.options).toEqual({ receive_progress: true });
    const seen: unknown[] = [];
    const loop = (async () => {
      for await (const r of call) seen.push(r.args[0]);
    })();
    router.send({ type: 'RESULT', requestId: sent.requestId, details: { progress: true }, args: [1] });
    router.send({ type: 'RESULT', requestId: sent.requestId, details: { progress: true }, args: [2] });
    router.send({ type: 'RESULT', requestId: sent.requestId, details: {}, args: [3] });
    await loop;
    expect(seen).toEqual([1, 2, 3]);
    expect((await call.result).args).toEqual([3]);
  });

  it('cancels the call when the loop is left early', async () => {
    const { session, router } = await joinedSession({}, { roles: FULL_ROUTER_ROLES });
    const call = session.callProgressive('com.example.stream');
    const sent = await router.next('CALL');
    router.send({ type: 'RESULT', requestId: sent.requestId, details: { progress: true }, args: ['a'] });
    for await (const r of call) {
      expect(r.args).toEqual(['a']);
      break;
    }
    expect((await router.next('CANCEL')).requestId).toBe(sent.requestId);
    await expect(call.result).rejects.toBeInstanceOf(CanceledError);
  });

  it('throws the ERROR from the loop', async () => {
    const { session, router } = await joinedSession();
    const call = session.callProgressive('com.example.stream');
    const sent = await router.next('CALL');
    router.send({ type: 'ERROR', requestType: 48, requestId: sent.requestId, details: {}, error: 'com.example.oops' });
    const consume = async (): Promise<void> => {
      for await (const _ of call) {
        // nothing arrives before the error
      }
    };
    await expect(consume()).rejects.toBeInstanceOf(ApplicationError);
  });
});
