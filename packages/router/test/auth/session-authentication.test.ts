import { craSign, ErrorUri } from '@interchange/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { TransportAuthConfig } from '../../src/auth/transport-auth.js';
import { SessionState } from '../../src/session/router-session.js';
import { expectAbort, expectCleanTraffic } from '../harness.js';
import {
  authClient,
  authenticate,
  authRouter,
  expectAuthFailed,
  flush,
  HANG,
  hello,
  ProcedureServer,
} from './auth-harness.js';

afterEach(expectCleanTraffic);

const CONFIG: TransportAuthConfig = {
  ticket: { type: 'static', principals: { joe: { ticket: 't1', role: 'user' } } },
  wampcra: { type: 'static', users: { joe: { secret: 's1', role: 'user' } } },
  anonymous: { type: 'static', role: 'guest' },
};

describe('choosing a method', () => {
  it("takes the first of the client's authmethods the transport allows", () => {
    const { router } = authRouter();
    const client = authClient(router, CONFIG);
    hello(client, { authmethods: ['cryptosign', 'wampcra', 'ticket'], authid: 'joe' });
    expect(client.takeOne('CHALLENGE').authMethod).toBe('wampcra');
  });

  it('is anonymous when the client names no method', () => {
    const { router } = authRouter();
    const client = authClient(router, CONFIG);
    hello(client, { authid: 'joe' });
    expect(client.takeOne('WELCOME').details).toMatchObject({
      authrole: 'guest',
      authmethod: 'anonymous',
      authprovider: 'static',
    });
    expect(client.welcome).toBeUndefined();
  });

  it('gives anonymous sessions a random authid, not the one they ask for, or the configured one', () => {
    const { router } = authRouter();
    const client = authClient(router, CONFIG);
    hello(client, { authmethods: ['anonymous'], authid: 'admin' });
    expect(client.takeOne('WELCOME').details.authid).toMatch(/^([0-9A-Z]{4}-){5}[0-9A-Z]{4}$/);
    const fixed = authClient(router, { anonymous: { type: 'static', role: 'guest', authid: 'visitor' } });
    hello(fixed, {});
    expect(fixed.takeOne('WELCOME').details.authid).toBe('visitor');
  });

  it('answers no_auth_method when none of the offered methods is allowed', () => {
    const { router } = authRouter();
    const client = authClient(router, { ticket: CONFIG.ticket as NonNullable<TransportAuthConfig['ticket']> });
    hello(client, { authmethods: ['anonymous', 'cryptosign', 'no-such-method'] });
    expectAbort(client, ErrorUri.NO_AUTH_METHOD);
  });

  it('checks HELLO as without authentication: a bad realm URI is invalid_uri', () => {
    const { router } = authRouter();
    const client = authClient(router, CONFIG);
    hello(client, { authmethods: ['ticket'], authid: 'joe' }, 'bad realm');
    expectAbort(client, ErrorUri.INVALID_URI);
  });

  it('answers no_such_realm after authentication, for a realm that does not exist', () => {
    const { router } = authRouter();
    const client = authClient(router, CONFIG);
    hello(client, { authmethods: ['ticket'], authid: 'joe' }, 'com.nowhere');
    client.takeOne('CHALLENGE');
    authenticate(client, 't1');
    expectAbort(client, ErrorUri.NO_SUCH_REALM);
  });
});

describe('anonymous, dynamic', () => {
  it('lets the authenticator decide the role', async () => {
    const { router } = authRouter();
    const server = new ProcedureServer(router);
    server.serve('com.example.anon', ({ args }) => ({
      role: 'visitor',
      extra: { seen: (args[2] as { authmethod: string }).authmethod },
    }));
    const client = authClient(router, { anonymous: { type: 'dynamic', authenticator: 'com.example.anon' } });
    hello(client, {});
    await flush();
    expect(client.takeOne('WELCOME').details).toMatchObject({
      authrole: 'visitor',
      authprovider: 'dynamic',
      authextra: { seen: 'anonymous' },
    });
  });

  it('aborts when the authenticator refuses', async () => {
    const { router } = authRouter();
    new ProcedureServer(router).serve('com.example.anon', () => Promise.reject(new Error('closed today')));
    const client = authClient(router, { anonymous: { type: 'dynamic', authenticator: 'com.example.anon' } });
    hello(client, {});
    await flush();
    expectAuthFailed(client);
  });
});

describe('the challenge', () => {
  it('is answered once: a second AUTHENTICATE is a protocol violation', async () => {
    const { router } = authRouter();
    const server = new ProcedureServer(router);
    server.serve('com.example.auth', () => HANG);
    const client = authClient(router, { ticket: { type: 'dynamic', authenticator: 'com.example.auth' } });
    hello(client, { authmethods: ['ticket'], authid: 'joe' });
    client.takeOne('CHALLENGE');
    authenticate(client, 'first');
    authenticate(client, 'second');
    expectAbort(client, ErrorUri.PROTOCOL_VIOLATION);
    await flush();
    expect(server.calls).toHaveLength(1);
  });

  it('expires: an unanswered challenge aborts the session after the timeout', () => {
    const { router, clock } = authRouter({ auth: { challengeTimeoutMs: 1000 } });
    const client = authClient(router, CONFIG);
    hello(client, { authmethods: ['wampcra'], authid: 'joe' });
    const challenge = client.takeOne('CHALLENGE').extra.challenge as string;
    clock.advance(999);
    expect(client.take()).toEqual([]);
    clock.advance(1);
    expect(client.takeOne('ABORT')).toMatchObject({
      reason: ErrorUri.AUTHENTICATION_FAILED,
      details: { message: 'Authentication timed out.' },
    });
    expect(client.peer.closed).toBe(true);
    // An answer that arrives after the expiry changes nothing.
    authenticate(client, craSign('s1', challenge));
    expect(client.take()).toEqual([]);
    expect(router.sessionCount).toBe(0);
  });

  it('stops the expiry timer once answered', () => {
    const { router, clock } = authRouter({ auth: { challengeTimeoutMs: 1000 } });
    const client = authClient(router, CONFIG);
    hello(client, { authmethods: ['ticket'], authid: 'joe' });
    client.takeOne('CHALLENGE');
    authenticate(client, 't1');
    client.takeOne('WELCOME');
    clock.advance(5000);
    expect(client.take()).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  it.each([
    ['CALL', { type: 'CALL', requestId: 1, options: {}, procedure: 'com.x' }],
    ['HELLO', { type: 'HELLO', realm: 'realm1', details: { roles: { caller: {} } } }],
  ] as const)('is a protocol violation to send %s instead of AUTHENTICATE', (_name, message) => {
    const { router } = authRouter();
    const client = authClient(router, CONFIG);
    hello(client, { authmethods: ['ticket'], authid: 'joe' });
    client.takeOne('CHALLENGE');
    client.receive(message);
    expectAbort(client, ErrorUri.PROTOCOL_VIOLATION);
  });

  it('is a protocol violation to AUTHENTICATE before HELLO', () => {
    const { router } = authRouter();
    const client = authClient(router, CONFIG);
    authenticate(client, 't1');
    expectAbort(client, ErrorUri.PROTOCOL_VIOLATION);
  });

  it('ends quietly when the client aborts', () => {
    const { router } = authRouter();
    const client = authClient(router, CONFIG);
    hello(client, { authmethods: ['ticket'], authid: 'joe' });
    client.takeOne('CHALLENGE');
    client.receive({ type: 'ABORT', details: {}, reason: 'wamp.error.cannot_authenticate' });
    expect(client.take()).toEqual([]);
    expect(client.peer.closed).toBe(true);
  });

  it('drops the answer of an authenticator when the transport closed meanwhile', async () => {
    const { router } = authRouter();
    let answer!: (value: unknown) => void;
    new ProcedureServer(router).serve('com.example.auth', () => new Promise((resolve) => (answer = resolve)));
    const client = authClient(router, { wampcra: { type: 'dynamic', authenticator: 'com.example.auth' } });
    hello(client, { authmethods: ['wampcra'], authid: 'joe' });
    await flush();
    client.connection.transportClosed();
    answer({ secret: 's', role: 'user' });
    await flush();
    expect(client.take()).toEqual([]);
  });

  it('aborts sessions still authenticating at shutdown', async () => {
    const { router } = authRouter();
    const client = authClient(router, CONFIG);
    hello(client, { authmethods: ['ticket'], authid: 'joe' });
    client.takeOne('CHALLENGE');
    await router.shutdown({ timeoutMs: 10 });
    expectAbort(client, ErrorUri.SYSTEM_SHUTDOWN);
  });

  it('reports the authenticating state', () => {
    const { router } = authRouter();
    const client = authClient(router, CONFIG);
    hello(client, { authmethods: ['ticket'], authid: 'joe' });
    expect((client.connection as unknown as { state: string }).state).toBe(SessionState.AUTHENTICATING);
  });
});

describe('tls', () => {
  const TLS: TransportAuthConfig = {
    tls: { type: 'static', principals: { client_0: { 'certificate-sha1': 'B6:E5:00:AA:01', role: 'device' } } },
    anonymous: { type: 'static', role: 'guest' },
  };

  it('welcomes a client whose certificate fingerprint is pinned, without a challenge', () => {
    const { router } = authRouter();
    const client = authClient(router, TLS, { transportCredentials: { clientCertificate: { sha1: 'b6e500aa01' } } });
    hello(client, { authmethods: ['tls'] });
    expect(client.takeOne('WELCOME').details).toMatchObject({
      authid: 'client_0',
      authrole: 'device',
      authmethod: 'tls',
    });
  });

  it('fails an unknown certificate', () => {
    const { router } = authRouter();
    const client = authClient(router, TLS, { transportCredentials: { clientCertificate: { sha1: 'ffff' } } });
    hello(client, { authmethods: ['tls', 'anonymous'] });
    expectAuthFailed(client);
  });

  it('moves on to the next method without a certificate', () => {
    const { router } = authRouter();
    const client = authClient(router, TLS);
    hello(client, { authmethods: ['tls', 'anonymous'] });
    expect(client.takeOne('WELCOME').details.authmethod).toBe('anonymous');
  });

  it('passes the certificate to a dynamic authenticator', async () => {
    const { router } = authRouter();
    const server = new ProcedureServer(router);
    server.serve('com.example.tls', ({ args }) => {
      const cert = (args[2] as { transport: { peer_cert: { subject: { CN: string } } } }).transport.peer_cert;
      return { role: 'device', authid: cert.subject.CN };
    });
    const client = authClient(
      router,
      { tls: { type: 'dynamic', authenticator: 'com.example.tls' } },
      {
        transportCredentials: { clientCertificate: { sha1: 'aa', subject: { CN: 'sensor-7' } } },
      },
    );
    hello(client, { authmethods: ['tls'] });
    await flush();
    expect(client.takeOne('WELCOME').details).toMatchObject({ authid: 'sensor-7', authprovider: 'dynamic' });
  });
});

describe('cookie', () => {
  it('remembers a successful authentication with the cookie, and lets a later connection join by it', () => {
    const { router } = authRouter();
    let stored: unknown;
    const cookie = {
      get: () => stored as never,
      set: (identity: unknown) => {
        stored = identity;
      },
    };
    const config: TransportAuthConfig = { ...CONFIG, cookie: {} };
    const first = authClient(router, config, { transportCredentials: { cookie } });
    hello(first, { authmethods: ['cookie', 'ticket'], authid: 'joe' });
    first.takeOne('CHALLENGE');
    authenticate(first, 't1');
    first.takeOne('WELCOME');
    expect(stored).toEqual({ realm: 'realm1', authid: 'joe', authrole: 'user', authmethod: 'ticket' });
    const second = authClient(router, config, { transportCredentials: { cookie } });
    hello(second, { authmethods: ['cookie', 'ticket'] });
    expect(second.takeOne('WELCOME').details).toMatchObject({
      authid: 'joe',
      authrole: 'user',
      authmethod: 'ticket',
      authprovider: 'cookie',
    });
  });

  it('is skipped without an authenticated cookie', () => {
    const { router } = authRouter();
    const client = authClient(
      router,
      { ...CONFIG, cookie: {} },
      { transportCredentials: { cookie: { get: () => undefined, set: () => {} } } },
    );
    hello(client, { authmethods: ['cookie', 'ticket'], authid: 'joe' });
    expect(client.takeOne('CHALLENGE').authMethod).toBe('ticket');
  });
});
