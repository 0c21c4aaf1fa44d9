import { ErrorUri, InvalidArgumentError, MessageCode } from '@interchange/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../src/logger.js';
import type { RoleConfig } from '../src/realm/realm-config.js';
import { Router } from '../src/router.js';
import { expectAbort, expectCleanTraffic, expectError, FakeClock, join, TestClient } from './harness.js';

afterEach(expectCleanTraffic);

describe('realms', () => {
  it('creates the configured realms and finds them by name', () => {
    const router = new Router({ realms: [{ name: 'realm1' }, { name: 'com.example.realm' }] });
    expect(router.realm('realm1')?.name).toBe('realm1');
    expect(router.realm('com.example.realm')?.name).toBe('com.example.realm');
    expect(router.realm('other')).toBeUndefined();
  });

  it('adds realms later', () => {
    const router = new Router();
    const realm = router.addRealm({ name: 'late' });
    expect(router.realm('late')).toBe(realm);
    expect(join(router, 'late').welcome?.details.realm).toBe('late');
  });

  it('refuses a duplicate realm and an invalid realm name', () => {
    const router = new Router({ realms: [{ name: 'realm1' }] });
    expect(() => router.addRealm({ name: 'realm1' })).toThrow(InvalidArgumentError);
    expect(() => router.addRealm({ name: 'bad realm' })).toThrow(InvalidArgumentError);
  });

  it('creates unknown realms on demand with autoCreateRealms', () => {
    const router = new Router({ autoCreateRealms: true });
    const client = join(router, 'brand.new');
    expect(client.welcome?.details.realm).toBe('brand.new');
    expect(router.realm('brand.new')?.sessionCount).toBe(1);
  });

  it('counts established sessions only', () => {
    const router = new Router({ realms: [{ name: 'realm1' }] });
    const opening = new TestClient(router);
    expect(router.sessionCount).toBe(0);
    const a = join(router);
    join(router);
    expect(router.sessionCount).toBe(2);
    a.connection.transportClosed();
    opening.connection.transportClosed();
    expect(router.sessionCount).toBe(1);
  });

  it('logs through the given logger and stays quiet without one', () => {
    const lines: { level: string; msg: string | undefined }[] = [];
    const record =
      (level: string) =>
      (_obj: Record<string, unknown>, msg?: string): void => {
        lines.push({ level, msg });
      };
    const logger: Logger = {
      debug: record('debug'),
      info: record('info'),
      warn: record('warn'),
      error: record('error'),
    };
    const router = new Router({ realms: [{ name: 'realm1' }], logger });
    join(router).receive({ type: 'HELLO', realm: 'realm1', details: { roles: { caller: {} } } });
    expect(lines).toContainEqual({ level: 'warn', msg: 'protocol violation' });
  });
});

describe('permissions', () => {
  const roles: RoleConfig[] = [
    {
      name: 'anonymous',
      permissions: [
        { uri: 'com.example.', match: 'prefix', allow: { call: true, subscribe: true } },
        { uri: 'com.example.admin.', match: 'prefix', allow: {} },
        { uri: 'com.example.admin.status', allow: { call: true } },
        { uri: 'org..public', match: 'wildcard', allow: { publish: true, subscribe: true } },
      ],
    },
    {
      name: 'backend',
      permissions: [
        { uri: '', match: 'prefix', allow: { call: true, register: true, publish: true, subscribe: true } },
      ],
    },
  ];
  const realmWithRoles = () => new Router({ realms: [{ name: 'realm1', roles }] });

  it('aborts with no_such_role when the authrole is not a role of the realm', () => {
    const router = realmWithRoles();
    const client = new TestClient(router, { authrole: 'intruder' });
    client.receive({ type: 'HELLO', realm: 'realm1', details: { roles: { caller: {} } } });
    expectAbort(client, ErrorUri.NO_SUCH_ROLE);
    expect(router.sessionCount).toBe(0);
  });

  it("admits the default 'anonymous' role when it is configured", () => {
    expect(join(realmWithRoles()).welcome?.details.authrole).toBe('anonymous');
  });

  it('allows what a rule allows', () => {
    const router = realmWithRoles();
    const backend = join(router, 'realm1', { authrole: 'backend' });
    backend.register('com.example.add');
    const client = join(router);
    client.call('com.example.add');
    expect(backend.takeOne('INVOCATION').type).toBe('INVOCATION');
    expect(client.subscribe('com.example.news')).toEqual(expect.any(Number));
  });

  it('denies what the matching rule does not allow, with not_authorized', () => {
    const client = join(realmWithRoles());
    const registerId = client.nextId();
    client.receive({ type: 'REGISTER', requestId: registerId, options: {}, procedure: 'com.example.add' });
    expectError(client.take()[0], {
      requestType: MessageCode.REGISTER,
      requestId: registerId,
      error: ErrorUri.NOT_AUTHORIZED,
    });
    const publishId = client.publish('com.example.news', { options: { acknowledge: true } });
    expectError(client.take()[0], {
      requestType: MessageCode.PUBLISH,
      requestId: publishId,
      error: ErrorUri.NOT_AUTHORIZED,
    });
  });

  it('denies URIs no rule matches', () => {
    const client = join(realmWithRoles());
    const callId = client.call('org.other.proc');
    expectError(client.take()[0], { requestType: MessageCode.CALL, requestId: callId, error: ErrorUri.NOT_AUTHORIZED });
    const subscribeId = client.nextId();
    client.receive({ type: 'SUBSCRIBE', requestId: subscribeId, options: {}, topic: 'org.other.topic' });
    expectError(client.take()[0], {
      requestType: MessageCode.SUBSCRIBE,
      requestId: subscribeId,
      error: ErrorUri.NOT_AUTHORIZED,
    });
  });

  it('answers not_authorized before no_such_procedure, revealing nothing', () => {
    const client = join(realmWithRoles());
    const requestId = client.call('com.example.admin.reboot');
    expectError(client.take()[0], { requestType: MessageCode.CALL, requestId, error: ErrorUri.NOT_AUTHORIZED });
  });

  it('lets the most specific rule win: exact over longer prefix over shorter prefix', () => {
    const router = realmWithRoles();
    const backend = join(router, 'realm1', { authrole: 'backend' });
    backend.register('com.example.admin.status');
    backend.register('com.example.admin.reboot');
    backend.register('com.example.hello');
    const client = join(router);
    client.call('com.example.hello'); // prefix com.example. allows
    client.call('com.example.admin.status'); // exact rule allows, though com.example.admin. denies
    const denied = client.call('com.example.admin.reboot'); // longer prefix denies
    expect(backend.take().map((m) => m.type)).toEqual(['INVOCATION', 'INVOCATION']);
    expectError(client.take()[0], { requestType: MessageCode.CALL, requestId: denied, error: ErrorUri.NOT_AUTHORIZED });
  });

  it('applies wildcard rules when no exact or prefix rule matches', () => {
    const router = realmWithRoles();
    const subscriber = join(router);
    subscriber.subscribe('org.x.public');
    const publisher = join(router);
    publisher.publish('org.x.public', { options: { acknowledge: true } });
    expect(publisher.takeOne('PUBLISHED').type).toBe('PUBLISHED');
    expect(subscriber.takeOne('EVENT').type).toBe('EVENT');
  });

  it('drops an unacknowledged denied publication silently', () => {
    const router = realmWithRoles();
    const backend = join(router, 'realm1', { authrole: 'backend' });
    backend.subscribe('com.example.news');
    const client = join(router);
    client.publish('com.example.news');
    expect(client.take()).toEqual([]);
    expect(backend.take()).toEqual([]);
  });

  it('discloses callers and publishers as the role config says', () => {
    const router = new Router({
      realms: [
        {
          name: 'realm1',
          roles: [
            {
              name: 'anonymous',
              permissions: [
                {
                  uri: '',
                  match: 'prefix',
                  allow: { call: true, register: true, publish: true, subscribe: true },
                  disclose: { caller: true, publisher: true },
                  cache: true,
                },
              ],
            },
          ],
        },
      ],
    });
    const peer = join(router, 'realm1', { authid: 'bob' });
    peer.register('com.example.p');
    peer.subscribe('com.example.t');
    const other = join(router, 'realm1', { authid: 'alice' });
    other.call('com.example.p');
    other.publish('com.example.t');
    const [invocation, event] = peer.take();
    expect(invocation).toMatchObject({
      type: 'INVOCATION',
      details: { caller: other.sessionId, caller_authid: 'alice' },
    });
    expect(event).toMatchObject({ type: 'EVENT', details: { publisher: other.sessionId, publisher_authid: 'alice' } });
  });

  it('allows everything on a realm without roles, whatever the authrole', () => {
    const router = new Router({ realms: [{ name: 'realm1' }] });
    const client = join(router, 'realm1', { authrole: 'whoever' });
    expect(client.register('com.example.p')).toEqual(expect.any(Number));
  });
});

describe('shutdown', () => {
  it('says GOODBYE system_shutdown to every session and resolves once all replied', async () => {
    const clock = new FakeClock();
    const router = new Router({ realms: [{ name: 'realm1' }], clock });
    const a = join(router);
    const b = join(router);
    let resolved = false;
    const done = router.shutdown().then(() => {
      resolved = true;
    });
    for (const client of [a, b]) {
      const goodbye = client.takeOne('GOODBYE');
      expect(goodbye.reason).toBe(ErrorUri.SYSTEM_SHUTDOWN);
      expect(typeof goodbye.details.message).toBe('string');
    }
    a.receive({ type: 'GOODBYE', details: {}, reason: ErrorUri.GOODBYE_AND_OUT });
    await Promise.resolve();
    expect(resolved).toBe(false);
    b.receive({ type: 'GOODBYE', details: {}, reason: ErrorUri.GOODBYE_AND_OUT });
    await done;
    expect(a.peer.closed && b.peer.closed).toBe(true);
    expect(router.sessionCount).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('closes the sessions that do not reply once the timeout passes', async () => {
    const clock = new FakeClock();
    const router = new Router({ realms: [{ name: 'realm1' }], clock });
    const polite = join(router);
    const silent = join(router);
    const done = router.shutdown({ reason: 'wamp.close.maintenance', timeoutMs: 1000 });
    expect(silent.takeOne('GOODBYE').reason).toBe('wamp.close.maintenance');
    polite.receive({ type: 'GOODBYE', details: {}, reason: ErrorUri.GOODBYE_AND_OUT });
    clock.advance(999);
    await Promise.resolve();
    expect(silent.peer.closed).toBe(false);
    clock.advance(1);
    await done;
    expect(silent.peer.closed).toBe(true);
    expect(silent.peer.closeCount).toBe(1);
    expect(router.sessionCount).toBe(0);
  });

  it('stops routing to sessions it said goodbye to', async () => {
    const clock = new FakeClock();
    const router = new Router({ realms: [{ name: 'realm1' }], clock });
    const subscriber = join(router);
    subscriber.subscribe('com.example.t');
    const done = router.shutdown({ timeoutMs: 10 });
    subscriber.take();
    expect(router.realm('realm1')?.broker.subscriptionCount).toBe(0);
    clock.advance(10);
    await done;
  });

  it('aborts sessions still opening and refuses new ones', async () => {
    const router = new Router({ realms: [{ name: 'realm1' }], clock: new FakeClock() });
    const opening = new TestClient(router);
    const done = router.shutdown();
    expectAbort(opening, ErrorUri.SYSTEM_SHUTDOWN);
    await done;
    const late = new TestClient(router);
    late.receive({ type: 'HELLO', realm: 'realm1', details: { roles: { caller: {} } } });
    expectAbort(late, ErrorUri.SYSTEM_SHUTDOWN);
    expect(router.shutdown()).toBe(router.shutdown());
  });

  it('resolves at once with no sessions', async () => {
    const clock = new FakeClock();
    await new Router({ clock }).shutdown();
    expect(clock.pending).toBe(0);
  });
});
