import {
  ApplicationError,
  CanceledError,
  InvalidArgumentError,
  messageToArray,
  TimeoutError,
} from '@interchange/protocol';
import { describe, expect, it } from 'vitest';
import type { CallResult } from '../src/index.js';
import { FakeClock, flush } from './helpers/fake-clock.js';
import { BASIC_ROUTER_ROLES, FULL_ROUTER_ROLES, joinedSession } from './helpers/fake-router.js';

const ROLES_WITHOUT = (feature: string) => ({
  roles: { ...FULL_ROUTER_ROLES, dealer: { features: { ...FULL_ROUTER_ROLES.dealer.features, [feature]: false } } },
});

describe('call timeout enforced by the dealer (advanced "Call Timeouts")', () => {
  it('sends CALL.Options.timeout as whole milliseconds and runs no timer of its own', async () => {
    const clock = new FakeClock();
    const { session, router } = await joinedSession({ clock }, { roles: FULL_ROUTER_ROLES });
    const call = session.call('com.example.slow', [], { timeout: 1500.2 });
    const sent = await router.next('CALL');
    expect(sent.options).toEqual({ timeout: 1501 });
    expect(clock.pending()).toEqual([]);
    router.send({ type: 'RESULT', requestId: sent.requestId, details: {}, args: ['in time'] });
    expect((await call).args).toEqual(['in time']);
  });

  it("turns the dealer's wamp.error.timeout into TimeoutError, with the ApplicationError as cause", async () => {
    const { session, router } = await joinedSession({}, { roles: FULL_ROUTER_ROLES });
    const call = session.call('com.example.slow', [], { timeout: 200 });
    const sent = await router.next('CALL');
    router.send({
      type: 'ERROR',
      requestType: 48,
      requestId: sent.requestId,
      details: {},
      error: 'wamp.error.timeout',
      args: ['too slow'],
    });
    const error = await call.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).cause).toBeInstanceOf(ApplicationError);
    expect((error as Error).cause).toMatchObject({ uri: 'wamp.error.timeout', args: ['too slow'] });
    // No CANCEL: the dealer has already interrupted the callee.
    await flush();
    expect(router.unread()).toEqual([]);
  });

  it('leaves wamp.error.timeout an ApplicationError for a call that asked for no timeout', async () => {
    const { session, router } = await joinedSession({}, { roles: FULL_ROUTER_ROLES });
    const call = session.call('com.example.proxy');
    const sent = await router.next('CALL');
    router.send({
      type: 'ERROR',
      requestType: 48,
      requestId: sent.requestId,
      details: {},
      error: 'wamp.error.timeout',
    });
    await expect(call).rejects.toMatchObject({ name: 'ApplicationError', uri: 'wamp.error.timeout' });
  });

  it('refuses a negative or non-finite timeout at once', async () => {
    const { session, router } = await joinedSession();
    expect(() => session.call('com.example.x', [], { timeout: -5 })).toThrow(InvalidArgumentError);
    expect(() => session.call('com.example.x', [], { timeout: Number.POSITIVE_INFINITY })).toThrow(
      InvalidArgumentError,
    );
    expect(() => session.call('com.example.x', [], { timeout: '10' as never })).toThrow(InvalidArgumentError);
    await flush();
    expect(router.unread()).toEqual([]);
  });
});

describe('cancel mode kill (advanced "Call Canceling")', () => {
  it("waits for the dealer's answer: wamp.error.canceled becomes CanceledError", async () => {
    const { session, router } = await joinedSession({}, { roles: FULL_ROUTER_ROLES });
    const controller = new AbortController();
    const call = session.call('com.example.slow', [], { signal: controller.signal, cancelMode: 'kill' });
    const sent = await router.next('CALL');
    let settled = false;
    call.then(
      () => (settled = true),
      () => (settled = true),
    );
    controller.abort();
    expect(await router.next('CANCEL')).toEqual({
      type: 'CANCEL',
      requestId: sent.requestId,
      options: { mode: 'kill' },
    });
    await flush();
    expect(settled).toBe(false);
    controller.abort(); // a second abort sends nothing more
    router.send({
      type: 'ERROR',
      requestType: 48,
      requestId: sent.requestId,
      details: {},
      error: 'wamp.error.canceled',
    });
    const error = await call.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CanceledError);
    expect((error as Error).cause).toMatchObject({ uri: 'wamp.error.canceled' });
    expect(router.unread()).toEqual([]);
  });

  it('resolves when the callee finished before the interrupt, and passes its own error on', async () => {
    const { session, router } = await joinedSession({}, { roles: FULL_ROUTER_ROLES });
    const first = new AbortController();
    const second = new AbortController();
    const finished = session.call('com.example.a', [], { signal: first.signal, cancelMode: 'kill' });
    const failed = session.call('com.example.b', [], { signal: second.signal, cancelMode: 'kill' });
    const a = await router.next('CALL');
    const b = await router.next('CALL');
    first.abort();
    second.abort();
    await router.next('CANCEL');
    await router.next('CANCEL');
    router.send({ type: 'RESULT', requestId: a.requestId, details: {}, args: ['done anyway'] });
    router.send({
      type: 'ERROR',
      requestType: 48,
      requestId: b.requestId,
      details: {},
      error: 'com.example.rolled_back',
    });
    expect((await finished).args).toEqual(['done anyway']);
    await expect(failed).rejects.toMatchObject({ name: 'ApplicationError', uri: 'com.example.rolled_back' });
  });

  it('rejects at once with kill when the dealer cannot cancel', async () => {
    const { session, router } = await joinedSession({}, { roles: BASIC_ROUTER_ROLES });
    const controller = new AbortController();
    const call = session.call('com.example.slow', [], { signal: controller.signal, cancelMode: 'kill' });
    await router.next('CALL');
    controller.abort();
    await expect(call).rejects.toBeInstanceOf(CanceledError);
    await flush();
    expect(router.unread()).toEqual([]);
  });
});

describe('payload passthru on calls (advanced "Payload Passthru Mode")', () => {
  const payload = new Uint8Array([0xde, 0xad, 0xbe, 0xef]);

  it('sends the ppt_* options and the payload as the one argument, and gets the passthru result untouched', async () => {
    const { session, router } = await joinedSession({}, { roles: FULL_ROUTER_ROLES });
    const call = session.call('com.example.secret', [payload], {
      ppt_scheme: 'x_acme',
      ppt_serializer: 'cbor',
      ppt_keyid: 'k1',
    });
    const sent = await router.next('CALL');
    expect(sent.options).toEqual({ ppt_scheme: 'x_acme', ppt_serializer: 'cbor', ppt_keyid: 'k1' });
    expect(sent.args).toEqual([payload]);
    router.send({
      type: 'RESULT',
      requestId: sent.requestId,
      details: { ppt_scheme: 'x_acme', ppt_serializer: 'cbor' },
      args: [new Uint8Array([1, 2])],
    });
    const result = await call;
    expect(result.args).toEqual([new Uint8Array([1, 2])]);
    expect(result.passthru).toEqual({ ppt_scheme: 'x_acme', ppt_serializer: 'cbor' });
  });

  it('reads a payload sent bare in the args slot (Autobahn|Python) as args[0]', async () => {
    const { session, router } = await joinedSession({}, { roles: FULL_ROUTER_ROLES });
    const call = session.call('com.example.secret', [payload], { ppt_scheme: 'x_acme' });
    const sent = await router.next('CALL');
    router.send({
      type: 'RESULT',
      requestId: sent.requestId,
      details: { ppt_scheme: 'x_acme' },
      payload: new Uint8Array([7]),
    });
    expect((await call).args).toEqual([new Uint8Array([7])]);
  });

  it('refuses malformed passthru calls at once', async () => {
    const { session } = await joinedSession({}, { roles: FULL_ROUTER_ROLES });
    expect(() => session.call('com.example.x', [1, 2], { ppt_scheme: 'x_acme' })).toThrow(InvalidArgumentError);
    expect(() => session.call('com.example.x', ['text'], { ppt_scheme: 'x_acme' })).toThrow(InvalidArgumentError);
    expect(() => session.call('com.example.x', [payload], { ppt_scheme: 'x_acme', kwargs: { a: 1 } })).toThrow(
      InvalidArgumentError,
    );
    expect(() => session.call('com.example.x', [payload], { ppt_scheme: '' })).toThrow(InvalidArgumentError);
    expect(() => session.call('com.example.x', [payload], { ppt_cipher: 'aes256gcm' })).toThrow(InvalidArgumentError);
  });

  it('sends nothing and fails with feature_not_supported when the dealer did not announce passthru', async () => {
    const { session, router } = await joinedSession({}, ROLES_WITHOUT('payload_passthru_mode'));
    await expect(session.call('com.example.secret', [payload], { ppt_scheme: 'x_acme' })).rejects.toMatchObject({
      uri: 'wamp.error.feature_not_supported',
    });
    await flush();
    expect(router.unread()).toEqual([]);
    expect(session.isOpen).toBe(true);
  });
});

describe('Session.callStreaming (advanced "Progressive Call Invocations")', () => {
  it('sends the first chunk with the options and progress, later ones with progress only, the last without', async () => {
    const { session, router } = await joinedSession({}, { roles: FULL_ROUTER_ROLES });
    const upload = session.callStreaming('com.example.upload', { disclose_me: true, timeout: 5000 });
    expect(upload.send(['a'])).toBe(true);
    expect(upload.send(['b'], { part: 2 })).toBe(true);
    const result = upload.end(['c']);
    const calls = [await router.next('CALL'), await router.next('CALL'), await router.next('CALL')];
    expect(calls.map((m) => messageToArray(m))).toEqual([
      [48, 1, { disclose_me: true, progress: true, timeout: 5000 }, 'com.example.upload', ['a']],
      [48, 1, { progress: true }, 'com.example.upload', ['b'], { part: 2 }],
      [48, 1, {}, 'com.example.upload', ['c']],
    ]);
    router.send({ type: 'RESULT', requestId: 1, details: {}, args: [3] });
    expect((await result).args).toEqual([3]);
    expect(upload.ended).toBe(true);
    expect(() => upload.send(['late'])).toThrow(InvalidArgumentError);
    expect(() => upload.end()).toThrow(InvalidArgumentError);
  });

  it('is an ordinary call when ended without any send', async () => {
    const { session, router } = await joinedSession({}, { roles: FULL_ROUTER_ROLES });
    const call = session.callStreaming('com.example.upload');
    const result = call.end(['only']);
    expect(messageToArray(await router.next('CALL'))).toEqual([48, 1, {}, 'com.example.upload', ['only']]);
    router.send({ type: 'RESULT', requestId: 1, details: {} });
    await result;
  });

  it('yields progressive results when asked to receive them, interleaved with sending', async () => {
    const { session, router } = await joinedSession({}, { roles: FULL_ROUTER_ROLES });
    const stream = session.callStreaming('com.example.echo', { receiveProgress: true });
    stream.send([1]);
    const first = await router.next('CALL');
    expect(first.options).toEqual({ receive_progress: true, progress: true });
    router.send({ type: 'RESULT', requestId: first.requestId, details: { progress: true }, args: ['echo 1'] });
    const seen: CallResult[] = [];
    const iterator = stream[Symbol.asyncIterator]();
    seen.push((await iterator.next()).value as CallResult);
    stream.end([2]);
    await router.next('CALL');
    router.send({ type: 'RESULT', requestId: first.requestId, details: {}, args: ['done'] });
    for (let r = await iterator.next(); r.done !== true; r = await iterator.next()) seen.push(r.value);
    expect(seen.map((r) => r.args[0])).toEqual(['echo 1', 'done']);
  });

  it('stops sending once the callee answered early: send returns false', async () => {
    const { session, router } = await joinedSession({}, { roles: FULL_ROUTER_ROLES });
    const stream = session.callStreaming('com.example.head');
    stream.send(['first']);
    const sent = await router.next('CALL');
    router.send({
      type: 'ERROR',
      requestType: 48,
      requestId: sent.requestId,
      details: {},
      error: 'com.example.enough',
    });
    await expect(stream.result).rejects.toMatchObject({ uri: 'com.example.enough' });
    expect(stream.send(['second'])).toBe(false);
    await expect(stream.end(['last'])).rejects.toMatchObject({ uri: 'com.example.enough' });
    await flush();
    expect(router.unread()).toEqual([]);
  });

  it('cancels with the signal like any call', async () => {
    const { session, router } = await joinedSession({}, { roles: FULL_ROUTER_ROLES });
    const controller = new AbortController();
    const stream = session.callStreaming('com.example.upload', { signal: controller.signal });
    stream.send(['a']);
    const sent = await router.next('CALL');
    controller.abort();
    await expect(stream.result).rejects.toBeInstanceOf(CanceledError);
    expect(await router.next('CANCEL')).toMatchObject({ requestId: sent.requestId, options: { mode: 'killnowait' } });
    expect(stream.send(['b'])).toBe(false);
  });

  it('ends at once when the signal aborts before the first chunk', async () => {
    const { session, router } = await joinedSession({}, { roles: FULL_ROUTER_ROLES });
    const controller = new AbortController();
    const stream = session.callStreaming('com.example.upload', { signal: controller.signal });
    controller.abort();
    await expect(stream.result).rejects.toBeInstanceOf(CanceledError);
    expect(stream.send(['a'])).toBe(false);
    await flush();
    expect(router.unread()).toEqual([]);
  });

  it('fails with feature_not_supported, sending nothing, when the dealer lacks progressive_call_invocations', async () => {
    const { session, router } = await joinedSession({}, ROLES_WITHOUT('progressive_call_invocations'));
    const stream = session.callStreaming('com.example.upload');
    expect(stream.send(['a'])).toBe(false);
    await expect(stream.result).rejects.toMatchObject({ uri: 'wamp.error.feature_not_supported' });
    await flush();
    expect(router.unread()).toEqual([]);
  });

  it('checks each chunk: bad args throw at once', async () => {
    const { session } = await joinedSession({}, { roles: FULL_ROUTER_ROLES });
    const stream = session.callStreaming('com.example.upload');
    expect(() => stream.send('nope' as never)).toThrow(InvalidArgumentError);
    expect(() => session.callStreaming('com..bad')).toThrow(InvalidArgumentError);
    const passthru = session.callStreaming('com.example.secret', { ppt_scheme: 'x_acme' });
    expect(() => passthru.send(['not bytes'])).toThrow(InvalidArgumentError);
  });
});
