import { ErrorUri, MessageCode, type MessageOf, type WampMessage } from '@interchange/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Router } from '../src/router.js';
import { expectAbort, expectCleanTraffic, FakePeer, join, TestClient } from './harness.js';

let router: Router;

beforeEach(() => {
  router = new Router({ realms: [{ name: 'realm1' }] });
});
afterEach(expectCleanTraffic);

describe('opening a session', () => {
  it('answers HELLO with WELCOME announcing roles, features and the anonymous identity', () => {
    const client = new TestClient(router);
    const welcome = client.hello('realm1');
    expect(Number.isInteger(welcome.session) && welcome.session >= 1 && welcome.session <= 2 ** 53).toBe(true);
    expect(welcome.details).toEqual({
      realm: 'realm1',
      authid: expect.stringMatching(/^([0-9A-Z]{4}-){5}[0-9A-Z]{4}$/),
      authrole: 'anonymous',
      authmethod: 'anonymous',
      authprovider: 'static',
      roles: {
        broker: {
          features: {
            pattern_based_subscription: true,
            publisher_exclusion: true,
            publisher_identification: true,
            subscriber_blackwhite_listing: true,
            payload_passthru_mode: true,
            event_retention: true,
            event_history: true,
            subscription_revocation: true,
            subscription_meta_api: true,
            session_meta_api: true,
          },
        },
        dealer: {
          features: {
            caller_identification: true,
            payload_passthru_mode: true,
            pattern_based_registration: true,
            shared_registration: true,
            progressive_call_results: true,
            progressive_call_invocations: true,
            call_timeout: true,
            call_canceling: true,
            registration_revocation: true,
            call_reroute: true,
            registration_meta_api: true,
            session_meta_api: true,
            testament_meta_api: true,
          },
        },
      },
    });
    expect(client.peer.closed).toBe(false);
    expect(router.sessionCount).toBe(1);
  });

  it('gives each anonymous session its own random authid and session ID', () => {
    const a = join(router);
    const b = join(router);
    expect(a.welcome?.details.authid).not.toBe(b.welcome?.details.authid);
    expect(a.sessionId).not.toBe(b.sessionId);
  });

  it("uses the transport's identity and ignores an authid the client proposes", () => {
    const client = new TestClient(router, { authrole: 'backend', authid: 'svc-1', authmethod: 'cryptosign' });
    client.receive({ type: 'HELLO', realm: 'realm1', details: { roles: { caller: {} }, authid: 'admin' } });
    const welcome = client.takeOne('WELCOME');
    expect(welcome.details).toMatchObject({ authid: 'svc-1', authrole: 'backend', authmethod: 'cryptosign' });
  });

  it('aborts with no_such_realm for an unknown realm and closes the peer', () => {
    const client = new TestClient(router);
    client.receive({ type: 'HELLO', realm: 'nowhere', details: { roles: { caller: {} } } });
    expectAbort(client, ErrorUri.NO_SUCH_REALM);
    expect(router.sessionCount).toBe(0);
  });

  it('aborts with invalid_uri for a realm that is not a URI', () => {
    const client = new TestClient(router);
    client.receive({ type: 'HELLO', realm: 'bad realm', details: { roles: { caller: {} } } });
    expectAbort(client, ErrorUri.INVALID_URI);
  });

  it.each([
    ['no roles at all', {}],
    ['roles that is not a dict', { roles: ['caller'] }],
    ['no known client role', { roles: { dealer: {}, broker: {} } }],
    ['an empty roles dict', { roles: {} }],
  ])('aborts with protocol_violation for a HELLO with %s', (_name, details) => {
    const client = new TestClient(router);
    client.receive({ type: 'HELLO', realm: 'realm1', details });
    expectAbort(client, ErrorUri.PROTOCOL_VIOLATION);
  });

  const beforeHello: WampMessage[] = [
    { type: 'SUBSCRIBE', requestId: 1, options: {}, topic: 'com.example.t' },
    { type: 'GOODBYE', details: {}, reason: 'wamp.close.close_realm' },
    { type: 'ERROR', requestType: MessageCode.INVOCATION, requestId: 1, details: {}, error: 'com.example.e' },
    { type: 'AUTHENTICATE', signature: 'secret', extra: {} },
    { type: 'WELCOME', session: 1, details: {} },
  ];
  it.each(beforeHello.map((m) => [m.type, m] as const))(
    'aborts with protocol_violation for %s before HELLO',
    (type, message) => {
      const client = new TestClient(router);
      client.receive(message);
      const abort = expectAbort(client, ErrorUri.PROTOCOL_VIOLATION);
      expect(abort.details.message).toContain(type);
      expect(router.sessionCount).toBe(0);
    },
  );

  it('closes without a reply when the client aborts before HELLO', () => {
    const client = new TestClient(router);
    client.receive({ type: 'ABORT', details: {}, reason: 'wamp.close.normal' });
    expect(client.take()).toEqual([]);
    expect(client.peer.closed).toBe(true);
  });
});

describe('protocol violations of an established session', () => {
  it('aborts on a second HELLO and disposes of its subscriptions and registrations', () => {
    const offender = join(router);
    offender.subscribe('com.example.topic');
    offender.register('com.example.proc');
    offender.receive({ type: 'HELLO', realm: 'realm1', details: { roles: { caller: {} } } });
    const abort = expectAbort(offender, ErrorUri.PROTOCOL_VIOLATION);
    expect(abort.details.message).toBe('Received HELLO message after session was established.');
    const realm = router.realm('realm1');
    expect(realm?.broker.subscriptionCount).toBe(0);
    expect(realm?.dealer.registrationCount).toBe(0);
    expect(router.sessionCount).toBe(0);
  });

  const routerOnly: WampMessage[] = [
    { type: 'WELCOME', session: 1, details: {} },
    { type: 'CHALLENGE', authMethod: 'ticket', extra: {} },
    { type: 'PUBLISHED', requestId: 1, publication: 2 },
    { type: 'SUBSCRIBED', requestId: 1, subscription: 2 },
    { type: 'UNSUBSCRIBED', requestId: 1 },
    { type: 'EVENT', subscription: 1, publication: 2, details: {} },
    { type: 'RESULT', requestId: 1, details: {} },
    { type: 'REGISTERED', requestId: 1, registration: 2 },
    { type: 'UNREGISTERED', requestId: 1 },
    { type: 'INVOCATION', requestId: 1, registration: 2, details: {} },
    { type: 'INTERRUPT', requestId: 1, options: {} },
  ];
  it.each(routerOnly.map((m) => [m.type, m] as const))('aborts when a client sends %s', (type, message) => {
    const client = join(router);
    client.receive(message);
    const abort = expectAbort(client, ErrorUri.PROTOCOL_VIOLATION);
    expect(abort.details.message).toContain(type);
  });

  it('aborts on AUTHENTICATE after the session is established', () => {
    const client = join(router);
    client.receive({ type: 'AUTHENTICATE', signature: 'x', extra: {} });
    expectAbort(client, ErrorUri.PROTOCOL_VIOLATION);
  });

  it('aborts on an ERROR whose request type is not INVOCATION', () => {
    const client = join(router);
    client.receive({ type: 'ERROR', requestType: MessageCode.CALL, requestId: 1, details: {}, error: 'com.example.e' });
    expectAbort(client, ErrorUri.PROTOCOL_VIOLATION);
  });

  it('aborts on a transport-reported violation and closes the peer', () => {
    const client = join(router);
    client.connection.protocolViolation('frame is not valid JSON');
    const abort = expectAbort(client, ErrorUri.PROTOCOL_VIOLATION);
    expect(abort.details.message).toBe('frame is not valid JSON');
    expect(router.sessionCount).toBe(0);
  });

  it('aborts on a transport-reported violation before HELLO too', () => {
    const client = new TestClient(router);
    client.connection.protocolViolation('bad frame');
    expectAbort(client, ErrorUri.PROTOCOL_VIOLATION);
  });

  it('ignores everything after it closed', () => {
    const client = join(router);
    client.connection.protocolViolation('bad frame');
    client.take();
    client.receive({ type: 'HELLO', realm: 'realm1', details: { roles: { caller: {} } } });
    client.connection.protocolViolation('again');
    client.connection.transportClosed();
    expect(client.take()).toEqual([]);
    expect(client.peer.closeCount).toBe(1);
  });

  it('hands CANCEL to the dealer: a callee without call_canceling is not interrupted (mode skip)', () => {
    const callee = join(router);
    callee.register('com.example.slow');
    const caller = join(router);
    const requestId = caller.call('com.example.slow');
    const invocation = callee.takeOne('INVOCATION');
    caller.receive({ type: 'CANCEL', requestId, options: { mode: 'kill' } });
    expect(caller.takeOne('ERROR')).toMatchObject({
      requestType: MessageCode.CALL,
      requestId,
      error: ErrorUri.CANCELED,
    });
    expect(callee.take()).toEqual([]);
    callee.receive({ type: 'YIELD', requestId: invocation.requestId, options: {} });
    expect(caller.take()).toEqual([]);
    expect(callee.peer.closed).toBe(false);
  });
});

describe('closing', () => {
  it('answers a client GOODBYE with wamp.close.normal as Crossbar does, closes and cleans up', () => {
    const client = join(router);
    client.subscribe('com.example.topic');
    client.receive({ type: 'GOODBYE', details: {}, reason: 'wamp.close.close_realm' });
    const goodbye = client.takeOne('GOODBYE');
    expect(goodbye).toEqual({ type: 'GOODBYE', details: {}, reason: ErrorUri.NORMAL });
    expect(client.peer.closed).toBe(true);
    expect(router.sessionCount).toBe(0);
    expect(router.realm('realm1')?.broker.subscriptionCount).toBe(0);
  });

  it("answers with the spec's goodbye_and_out in a realm whose dialect says so", () => {
    const spec = new Router({ realms: [{ name: 'realm1', dialect: { goodbyeReply: 'wamp.close.goodbye_and_out' } }] });
    const client = join(spec);
    client.receive({ type: 'GOODBYE', details: {}, reason: ErrorUri.NORMAL });
    expect(client.takeOne('GOODBYE').reason).toBe(ErrorUri.GOODBYE_AND_OUT);
  });

  it('tears down the session when the transport closes', () => {
    const client = join(router);
    client.register('com.example.proc');
    client.connection.transportClosed();
    expect(client.take()).toEqual([]);
    expect(router.sessionCount).toBe(0);
    expect(router.realm('realm1')?.dealer.registrationCount).toBe(0);
    // The procedure is free again for another session.
    join(router).register('com.example.proc');
  });

  it('ignores all but GOODBYE after the router said goodbye, then closes on the reply', async () => {
    const client = join(router);
    const done = router.shutdown();
    const goodbye = client.takeOne('GOODBYE');
    expect(goodbye.reason).toBe(ErrorUri.SYSTEM_SHUTDOWN);
    client.call('com.example.proc');
    client.receive({ type: 'HELLO', realm: 'realm1', details: { roles: { caller: {} } } });
    expect(client.take()).toEqual([]);
    expect(client.peer.closed).toBe(false);
    client.receive({ type: 'GOODBYE', details: {}, reason: ErrorUri.GOODBYE_AND_OUT });
    expect(client.take()).toEqual([]);
    expect(client.peer.closed).toBe(true);
    await done;
  });
});

describe('isolation', () => {
  it('keeps other sessions working when one misbehaves', () => {
    const subscriber = join(router);
    subscriber.subscribe('com.example.topic');
    const callee = join(router);
    callee.register('com.example.echo');
    const offender = join(router);
    offender.subscribe('com.example.topic');

    offender.receive({ type: 'EVENT', subscription: 1, publication: 1, details: {} });
    expectAbort(offender, ErrorUri.PROTOCOL_VIOLATION);

    const publisher = join(router);
    publisher.publish('com.example.topic', { args: [1] });
    expect(subscriber.takeOne('EVENT').args).toEqual([1]);
    expect(offender.take()).toEqual([]);
    const requestId = publisher.call('com.example.echo', { args: ['hi'] });
    const invocation = callee.takeOne('INVOCATION');
    callee.receive({ type: 'YIELD', requestId: invocation.requestId, options: {}, args: ['hi'] });
    expect(publisher.takeOne('RESULT')).toEqual({ type: 'RESULT', requestId, details: {}, args: ['hi'] });
  });

  it('keeps delivering to other receivers when one peer.send throws', () => {
    const broken = new TestClient(router);
    broken.hello('realm1');
    broken.subscribe('com.example.topic');
    broken.peer.send = () => {
      throw new Error('socket exploded');
    };
    const healthy = join(router);
    healthy.subscribe('com.example.topic');
    join(router).publish('com.example.topic', { args: ['x'] });
    expect(healthy.takeOne('EVENT').args).toEqual(['x']);
  });

  it('keeps delivering when a receiver disconnects while an event is delivered to it', () => {
    const fragile = join(router);
    fragile.subscribe('com.example.topic');
    fragile.subscribe('com.example', { match: 'prefix' });
    const record = fragile.peer.send.bind(fragile.peer);
    fragile.peer.send = (message) => {
      record(message);
      fragile.connection.transportClosed();
    };
    const healthy = join(router);
    healthy.subscribe('com.example.topic');
    healthy.subscribe('com.example', { match: 'prefix' });
    join(router).publish('com.example.topic', { args: ['x'] });
    expect(fragile.take()).toHaveLength(1);
    expect(healthy.take().map((m) => m.type)).toEqual(['EVENT', 'EVENT']);
    expect(router.sessionCount).toBe(2);
  });

  it('does not let one peer in a bad state affect the HELLO of another', () => {
    const first = new FakePeer();
    const connection = router.connect(first);
    connection.receive({ type: 'YIELD', requestId: 1, options: {} });
    expect(first.closed).toBe(true);
    const client = join(router);
    expect(client.welcome?.type).toBe('WELCOME');
  });
});

describe('router-to-client request IDs', () => {
  it('numbers INVOCATIONs to each callee 1, 2, 3, independently per callee', () => {
    const calleeA = join(router);
    calleeA.register('com.example.a');
    const calleeB = join(router);
    calleeB.register('com.example.b');
    const caller = join(router);
    caller.call('com.example.a');
    caller.call('com.example.a');
    caller.call('com.example.b');
    const idsA = calleeA.take().map((m) => (m as MessageOf<'INVOCATION'>).requestId);
    const idsB = calleeB.take().map((m) => (m as MessageOf<'INVOCATION'>).requestId);
    expect(idsA).toEqual([1, 2]);
    expect(idsB).toEqual([1]);
  });
});
