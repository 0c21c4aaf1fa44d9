import { ErrorUri, MessageCode } from '@interchange/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DynamicAuthorizer } from '../../src/auth/dynamic-authorizer.js';
import type { RealmConfig } from '../../src/realm/realm-config.js';
import { StaticAuthorizer } from '../../src/realm/static-authorizer.js';
import { expectCleanTraffic, expectError, join } from '../harness.js';
import { authRouter, flush, HANG, ProcedureServer, RefusedWith } from './auth-harness.js';

afterEach(expectCleanTraffic);

describe('static permissions through the router', () => {
  const realm: RealmConfig = {
    name: 'realm1',
    roles: [
      {
        name: 'user',
        permissions: [
          { uri: 'com.app.', match: 'prefix', allow: { call: true, subscribe: true, publish: true, register: true } },
          { uri: 'com.app.admin.', match: 'prefix', allow: {} },
          { uri: 'com.app.admin.status', match: 'exact', allow: { call: true } },
          { uri: 'com..secret', match: 'wildcard', allow: {} },
          { uri: 'com.app.secret', match: 'exact', allow: { subscribe: true } },
        ],
      },
      {
        name: 'owner',
        permissions: [
          {
            uri: '',
            match: 'prefix',
            allow: { register: true, publish: true },
            disclose: { caller: true, publisher: true },
          },
        ],
      },
    ],
  };

  it.each([
    ['call', 'com.app.admin.reboot', 'prefix com.app.admin. (longer) beats com.app.'],
    ['subscribe', 'com.other.secret', 'wildcard com..secret'],
    ['register', 'org.elsewhere', 'no rule'],
    ['publish', 'com.app.admin.x', 'the longer denying prefix'],
  ] as const)('answers ERROR not_authorized to %s %s (%s)', (action, uri, _why) => {
    const { router } = authRouter({ realms: [realm] });
    const client = join(router, 'realm1', { authrole: 'user' });
    const requestId = client.nextId();
    const requestType = {
      call: MessageCode.CALL,
      subscribe: MessageCode.SUBSCRIBE,
      register: MessageCode.REGISTER,
      publish: MessageCode.PUBLISH,
    }[action];
    if (action === 'call') client.receive({ type: 'CALL', requestId, options: {}, procedure: uri });
    if (action === 'subscribe') client.receive({ type: 'SUBSCRIBE', requestId, options: {}, topic: uri });
    if (action === 'register') client.receive({ type: 'REGISTER', requestId, options: {}, procedure: uri });
    if (action === 'publish')
      client.receive({ type: 'PUBLISH', requestId, options: { acknowledge: true }, topic: uri });
    expectError(client.take()[0], { requestType, requestId, error: ErrorUri.NOT_AUTHORIZED });
  });

  it('lets the exact rule win over prefix and wildcard rules', () => {
    const { router } = authRouter({ realms: [realm] });
    const owner = join(router, 'realm1', { authrole: 'owner' });
    owner.register('com.app.admin.status');
    const user = join(router, 'realm1', { authrole: 'user' });
    user.call('com.app.admin.status');
    // Allowed by the exact rule; the user role discloses nobody.
    expect(owner.takeOne('INVOCATION').details.caller).toBeUndefined();
    // com.app.secret: exact allows subscribe although the wildcard com..secret denies.
    user.subscribe('com.app.secret');
  });

  it('discloses the caller and publisher when the rule says so, and not otherwise', () => {
    const { router } = authRouter({ realms: [realm] });
    const owner = join(router, 'realm1', { authrole: 'owner' });
    const user = join(router, 'realm1', { authrole: 'user' });
    user.register('com.app.echo');
    owner.register('com.app.owned');
    user.subscribe('com.app.news');
    owner.publish('com.app.news', { args: [1] });
    expect(user.takeOne('EVENT').details).toMatchObject({ publisher: owner.sessionId });
    const userCall = user.nextId();
    user.receive({ type: 'CALL', requestId: userCall, options: {}, procedure: 'com.app.owned' });
    expect(owner.takeOne('INVOCATION').details.caller).toBeUndefined();
  });
});

describe('dynamic authorizer', () => {
  const realms: RealmConfig[] = [
    {
      name: 'realm1',
      roles: [
        { name: 'frontend', authorizer: 'com.example.authorize' },
        {
          name: 'backend',
          permissions: [
            { uri: '', match: 'prefix', allow: { call: true, register: true, publish: true, subscribe: true } },
          ],
        },
      ],
    },
  ];

  function setup(answer: (call: { args: unknown[] }) => unknown, auth = {}) {
    const fixture = authRouter({ realms, auth });
    const server = new ProcedureServer(fixture.router);
    server.serve('com.example.authorize', answer);
    const backend = join(fixture.router, 'realm1', { authrole: 'backend' });
    backend.register('com.example.add');
    const frontend = join(fixture.router, 'realm1', { authrole: 'frontend', authid: 'fe-1' });
    return { ...fixture, server, backend, frontend };
  }

  it('calls authorize(session, uri, action, options) and routes what it allows', async () => {
    const { server, backend, frontend } = setup(() => true);
    const requestId = frontend.call('com.example.add', { args: [1, 2], options: { timeout: 500 } });
    await flush();
    const invocation = backend.takeOne('INVOCATION');
    expect(invocation.args).toEqual([1, 2]);
    expect(invocation.details.caller).toBeUndefined();
    expect(server.calls[0]?.args).toEqual([
      expect.objectContaining({
        session: frontend.sessionId,
        authid: 'fe-1',
        authrole: 'frontend',
        transport: expect.any(Object),
      }),
      'com.example.add',
      'call',
      { timeout: 500 },
    ]);
    backend.receive({ type: 'YIELD', requestId: invocation.requestId, options: {}, args: [3] });
    expect(frontend.takeOne('RESULT')).toMatchObject({ requestId, args: [3] });
  });

  it.each([
    ['false', false],
    ['{ allow: false }', { allow: false }],
    ['an invalid answer', { permit: true }],
    ['a non-boolean allow', { allow: 'yes' }],
  ])('denies with not_authorized when it answers %s', async (_case, answer) => {
    const { frontend, backend } = setup(() => answer);
    const requestId = frontend.call('com.example.add');
    await flush();
    expectError(frontend.take()[0], { requestType: MessageCode.CALL, requestId, error: ErrorUri.NOT_AUTHORIZED });
    expect(backend.take()).toEqual([]);
  });

  it('aborts a session whose requests waiting behind a pending authorization pass limits.authorization_queue', async () => {
    const fixture = authRouter({ realms: [{ ...realms[0]!, limits: { authorizationQueue: 5 } }] });
    const server = new ProcedureServer(fixture.router);
    server.serve('com.example.authorize', () => HANG);
    const frontend = join(fixture.router, 'realm1', { authrole: 'frontend', authid: 'fe-1' });
    // The first waits for the authorizer; five wait behind it; the seventh is one too many.
    for (let i = 0; i < 7; i++) frontend.publish('com.example.topic');
    await flush();
    expect(frontend.takeOne('ABORT')).toMatchObject({ reason: ErrorUri.PROTOCOL_VIOLATION });
    expect(fixture.logger.entries.some((e) => e.obj.limit === 'limits.authorization_queue')).toBe(true);
  });

  it('denies when the authorizer fails, and logs it', async () => {
    const { frontend, logger } = setup(() => Promise.reject(new Error('db down')));
    const requestId = frontend.call('com.example.add');
    await flush();
    expectError(frontend.take()[0], { requestType: MessageCode.CALL, requestId, error: ErrorUri.NOT_AUTHORIZED });
    expect(logger.entries.some((entry) => entry.msg === 'dynamic authorizer failed; denied')).toBe(true);
  });

  it('calls an authorizer that takes no options argument again with three, as Crossbar does', async () => {
    // What Autobahn|Python answers when authorize(self, session, uri, action) gets options too.
    const legacy = (call: { args: unknown[] }) => {
      if (call.args.length === 4)
        throw new RefusedWith(ErrorUri.RUNTIME_ERROR, 'authorize() takes 4 positional arguments but 5 were given');
      return true;
    };
    const { server, backend, frontend, logger } = setup(legacy);
    frontend.call('com.example.add', { args: [1, 2] });
    await flush();
    expect(backend.takeOne('INVOCATION').args).toEqual([1, 2]);
    expect(server.calls.map((call) => call.args.length)).toEqual([4, 3]);
    expect(logger.entries.some((entry) => String(entry.msg).includes('older signature'))).toBe(true);
    // Remembered: the next decision asks with three arguments at once.
    frontend.publish('com.example.topic');
    await flush();
    expect(server.calls.map((call) => call.args.length)).toEqual([4, 3, 3]);
  });

  it('does not call an authorizer again when it fails for another reason', async () => {
    const { server, frontend } = setup(() => {
      throw new RefusedWith(ErrorUri.RUNTIME_ERROR, 'database is down');
    });
    const requestId = frontend.call('com.example.add');
    await flush();
    expectError(frontend.take()[0], { requestType: MessageCode.CALL, requestId, error: ErrorUri.NOT_AUTHORIZED });
    expect(server.calls).toHaveLength(1);
  });

  it('denies when no authorizer is registered', async () => {
    const { router } = authRouter({ realms });
    const frontend = join(router, 'realm1', { authrole: 'frontend' });
    const requestId = frontend.call('com.example.add');
    await flush();
    expectError(frontend.take()[0], { requestType: MessageCode.CALL, requestId, error: ErrorUri.NOT_AUTHORIZED });
  });

  it('denies when the authorizer does not answer in time', async () => {
    const { frontend, clock } = setup(() => HANG, { authorizerTimeoutMs: 2000 });
    const requestId = frontend.call('com.example.add');
    await flush();
    expect(frontend.take()).toEqual([]);
    clock.advance(2000);
    await flush();
    expectError(frontend.take()[0], { requestType: MessageCode.CALL, requestId, error: ErrorUri.NOT_AUTHORIZED });
  });

  it('discloses the caller when the answer says disclose', async () => {
    const { frontend, backend } = setup(() => ({ allow: true, disclose: true }));
    frontend.call('com.example.add');
    await flush();
    expect(backend.takeOne('INVOCATION').details).toMatchObject({ caller: frontend.sessionId, caller_authid: 'fe-1' });
  });

  it('discloses the publisher when the answer says disclose', async () => {
    const { frontend, backend } = setup(() => ({ allow: true, disclose: true }));
    backend.subscribe('com.example.news');
    frontend.publish('com.example.news', { args: ['hi'] });
    await flush();
    expect(backend.takeOne('EVENT').details).toMatchObject({ publisher: frontend.sessionId });
  });

  it('asks every time unless the answer may be cached; a cached answer is reused without asking', async () => {
    const { server, frontend, backend } = setup(({ args }) =>
      args[1] === 'com.example.add' ? { allow: true, cache: true } : true,
    );
    for (let i = 0; i < 3; i++) {
      frontend.call('com.example.add');
      await flush();
      backend.takeOne('INVOCATION');
    }
    expect(server.calls.filter((call) => call.args[1] === 'com.example.add')).toHaveLength(1);
    for (let i = 0; i < 2; i++) {
      frontend.receive({ type: 'SUBSCRIBE', requestId: frontend.nextId(), options: {}, topic: 'com.example.topic' });
      await flush();
      frontend.takeOne('SUBSCRIBED');
    }
    expect(server.calls.filter((call) => call.args[1] === 'com.example.topic')).toHaveLength(2);
  }, 10_000);

  it('keeps the order of requests behind a pending decision', async () => {
    // The subscribe decision stays pending until the test resolves it; the call's is immediate.
    let decideSubscribe!: (allow: boolean) => void;
    const subscribeDecision = new Promise<boolean>((resolve) => {
      decideSubscribe = resolve;
    });
    const { server, frontend, backend } = setup(({ args }) => (args[2] === 'subscribe' ? subscribeDecision : true));
    const subscribe = frontend.nextId();
    frontend.receive({ type: 'SUBSCRIBE', requestId: subscribe, options: {}, topic: 'com.example.t' });
    const call = frontend.call('com.example.add');
    await flush();
    // The authorizer has been asked about the subscription, and the call waits behind it: it is
    // neither answered nor routed to the callee.
    expect(server.calls.map((served) => served.args[2])).toContain('subscribe');
    expect(frontend.take()).toEqual([]);
    expect(backend.take()).toEqual([]);
    decideSubscribe(true);
    await flush();
    const [first, second] = frontend.take();
    expect(first).toMatchObject({ type: 'SUBSCRIBED', requestId: subscribe });
    expect(second).toBeUndefined();
    const invocation = backend.takeOne('INVOCATION');
    backend.receive({ type: 'YIELD', requestId: invocation.requestId, options: {}, args: [] });
    expect(frontend.takeOne('RESULT').requestId).toBe(call);
  });

  it('denies a request whose pending decision fails, and serves the requests behind it', async () => {
    const { frontend, backend } = setup(() => true);
    // The authorizer's own promise rejects (it normally turns failures into a denial itself).
    const authorize = vi
      .spyOn(DynamicAuthorizer.prototype, 'authorize')
      .mockImplementationOnce(() => Promise.reject(new Error('authorizer exploded')));
    const subscribe = frontend.nextId();
    frontend.receive({ type: 'SUBSCRIBE', requestId: subscribe, options: {}, topic: 'com.example.t' });
    const call = frontend.call('com.example.add');
    await flush();
    authorize.mockRestore();
    await flush();
    expectError(frontend.take()[0], {
      requestType: MessageCode.SUBSCRIBE,
      requestId: subscribe,
      error: ErrorUri.NOT_AUTHORIZED,
    });
    const invocation = backend.takeOne('INVOCATION');
    backend.receive({ type: 'YIELD', requestId: invocation.requestId, options: {}, args: [] });
    expect(frontend.takeOne('RESULT').requestId).toBe(call);
  });

  it('does not hold answers to the router (YIELD) behind a pending decision', async () => {
    const { router, frontend } = setup(({ args }) => (args[2] === 'call' ? HANG : true));
    const caller = join(router, 'realm1', { authrole: 'backend' });
    // The frontend registers a procedure (allowed), then makes a call that stays undecided.
    frontend.receive({ type: 'REGISTER', requestId: frontend.nextId(), options: {}, procedure: 'com.example.fe' });
    await flush();
    frontend.takeOne('REGISTERED');
    frontend.call('com.example.add');
    await flush();
    const callId = caller.call('com.example.fe');
    const invocation = frontend.takeOne('INVOCATION');
    frontend.receive({ type: 'YIELD', requestId: invocation.requestId, options: {}, args: ['ok'] });
    expect(caller.takeOne('RESULT')).toMatchObject({ requestId: callId, args: ['ok'] });
  });

  it('stays silent on a denied publication without acknowledge', async () => {
    const { frontend } = setup(() => false);
    frontend.publish('com.example.news');
    await flush();
    expect(frontend.take()).toEqual([]);
  });
});

describe('StaticAuthorizer, roles beyond static permissions', () => {
  it('has the trusted role built in: everything allowed, identity disclosed', () => {
    const authorizer = new StaticAuthorizer([{ name: 'user', permissions: [] }]);
    expect(authorizer.hasRole('trusted')).toBe(true);
    expect(authorizer.authorize('trusted', 'com.x', 'register')).toEqual({
      allowed: true,
      discloseCaller: true,
      disclosePublisher: true,
    });
  });

  it('denies a dynamic role on the synchronous path unless decided or cached', () => {
    const authorizer = new StaticAuthorizer([{ name: 'fe', authorizer: 'com.example.authorize' }]);
    expect(authorizer.dynamicAuthorizer('fe')).toBe('com.example.authorize');
    expect(authorizer.authorize('fe', 'com.x', 'call').allowed).toBe(false);
    const allow = { allowed: true, discloseCaller: false, disclosePublisher: false };
    expect(
      authorizer.withDecision('fe', 'com.x', 'call', allow, () => authorizer.authorize('fe', 'com.x', 'call').allowed),
    ).toBe(true);
    expect(authorizer.authorize('fe', 'com.x', 'call').allowed).toBe(false);
    authorizer.remember('fe', 'com.x', 'call', allow);
    expect(authorizer.authorize('fe', 'com.x', 'call').allowed).toBe(true);
    expect(authorizer.authorize('fe', 'com.x', 'publish').allowed).toBe(false);
    authorizer.clearCache();
    expect(authorizer.authorize('fe', 'com.x', 'call').allowed).toBe(false);
  });

  it('refuses an authorizer that is not a URI', () => {
    expect(() => new StaticAuthorizer([{ name: 'fe', authorizer: 'not a uri' }])).toThrow(/authorizer/);
  });
});
