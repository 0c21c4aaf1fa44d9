import { InvalidArgumentError, SessionClosedError } from '@interchange/protocol';
import { describe, expect, it } from 'vitest';
import { TRANSPORT_LOST_REASON } from '../src/index.js';
import { FakeClock, flush } from './helpers/fake-clock.js';
import { joinedSession, sessionWithRouter } from './helpers/fake-router.js';

describe('Session closing', () => {
  it('leave: GOODBYE, the router answers, the transport closes, closed resolves', async () => {
    const { session, router } = await joinedSession();
    const left = session.leave('wamp.close.close_realm', { message: 'bye' });
    expect(session.state).toBe('closing');
    expect(session.isOpen).toBe(false);
    const goodbye = await router.next('GOODBYE');
    expect(goodbye).toEqual({ type: 'GOODBYE', details: { message: 'bye' }, reason: 'wamp.close.close_realm' });
    router.send({ type: 'GOODBYE', details: {}, reason: 'wamp.close.goodbye_and_out' });
    const info = await left;
    expect(info).toMatchObject({
      kind: 'goodbye',
      initiator: 'client',
      reason: 'wamp.close.goodbye_and_out',
      wasEstablished: true,
    });
    expect(info.transport.wasClean).toBe(true);
    expect(router.end.closed).toBe(true);
    expect(session.state).toBe('closed');
    expect(session.id).toBeUndefined();
    expect(await session.leave()).toBe(info);
  });

  it('leave defaults to wamp.close.normal and rejects calls made while closing', async () => {
    const { session, router } = await joinedSession();
    const pending = session.call('com.example.slow');
    void session.leave();
    expect((await router.next('CALL')).procedure).toBe('com.example.slow');
    expect((await router.next('GOODBYE')).reason).toBe('wamp.close.normal');
    await expect(session.call('com.example.x')).rejects.toBeInstanceOf(SessionClosedError);
    router.send({ type: 'GOODBYE', details: {}, reason: 'wamp.close.goodbye_and_out' });
    await expect(pending).rejects.toBeInstanceOf(SessionClosedError);
  });

  it('closes the transport when the router never answers GOODBYE', async () => {
    const clock = new FakeClock();
    const { session, router } = await joinedSession({ clock, leaveTimeout: 2000 });
    const left = session.leave();
    await router.next('GOODBYE');
    clock.advance(2000);
    const info = await left;
    expect(info.kind).toBe('goodbye');
    expect(router.end.closed).toBe(true);
  });

  it('answers a router GOODBYE with goodbye_and_out and ends the session', async () => {
    const { session, router } = await joinedSession();
    const pending = session.call('com.example.a');
    await router.next('CALL');
    router.send({ type: 'GOODBYE', details: { message: 'maintenance' }, reason: 'wamp.close.system_shutdown' });
    expect(await router.next('GOODBYE')).toEqual({
      type: 'GOODBYE',
      details: {},
      reason: 'wamp.close.goodbye_and_out',
    });
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionClosedError);
    expect((error as SessionClosedError).reason).toBe('wamp.close.system_shutdown');
    expect(await session.closed).toMatchObject({ kind: 'goodbye', initiator: 'router', message: 'maintenance' });
  });

  it('reports a transport loss as wamp.close.transport_lost', async () => {
    const { session, router } = await joinedSession();
    router.end.close(1006, '');
    const info = await session.closed;
    expect(info).toMatchObject({ kind: 'transport', initiator: 'transport', reason: TRANSPORT_LOST_REASON });
  });

  it('ends on ABORT from the router', async () => {
    const { session, router } = await joinedSession();
    router.send({ type: 'ABORT', details: {}, reason: 'wamp.error.authorization_failed' });
    expect(await session.closed).toMatchObject({
      kind: 'abort',
      initiator: 'router',
      reason: 'wamp.error.authorization_failed',
    });
  });

  it('aborts the join when leave is called while joining', async () => {
    const { session, router } = sessionWithRouter();
    const joined = session.join();
    await router.next('HELLO');
    void session.leave();
    expect((await router.next('ABORT')).reason).toBe('wamp.close.normal');
    await expect(joined).rejects.toBeInstanceOf(SessionClosedError);
  });

  it('leaves on asyncDispose', async () => {
    const { session, router } = await joinedSession();
    const disposing = session[Symbol.asyncDispose]();
    await router.next('GOODBYE');
    router.send({ type: 'GOODBYE', details: {}, reason: 'wamp.close.goodbye_and_out' });
    await disposing;
    expect(session.state).toBe('closed');
  });

  it('throws InvalidArgumentError for an invalid leave reason', async () => {
    const { session } = await joinedSession();
    expect(() => session.leave('not a uri')).toThrow(InvalidArgumentError);
    await flush();
    expect(session.isOpen).toBe(true);
  });

  it('refuses bad construction options at once', () => {
    expect(() => sessionWithRouter({ realm: '' })).toThrow(InvalidArgumentError);
    expect(() => sessionWithRouter({ authmethods: 'ticket' as never })).toThrow(InvalidArgumentError);
  });
});
