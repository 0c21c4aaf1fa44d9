/**
 * A dynamic authenticator that refuses with an error URI of its own (e.g.
 * `com.example.invalid_ticket`) is heard by the client: ABORT carries that URI and the error's
 * first argument as its message, as in Crossbar. The router's own errors, and every static
 * failure, stay the uniform `wamp.error.authentication_failed`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { TransportAuthConfig } from '../../src/auth/transport-auth.js';
import { expectCleanTraffic } from '../harness.js';
import {
  authClient,
  authenticate,
  authRouter,
  expectAuthFailed,
  flush,
  hello,
  ProcedureServer,
  RefusedWith,
} from './auth-harness.js';

afterEach(expectCleanTraffic);

const REALMS = [{ name: 'realm1', roles: [{ name: 'frontend', permissions: [] }] }];

describe('authenticator error URIs', () => {
  it('ticket: ABORT carries the URI and message the authenticator raised', async () => {
    const { router } = authRouter({ realms: REALMS });
    new ProcedureServer(router).serve('com.example.authenticate', () => {
      throw new RefusedWith('com.example.invalid_ticket', 'invalid ticket for principal joe');
    });
    const client = authClient(router, { ticket: { type: 'dynamic', authenticator: 'com.example.authenticate' } });
    hello(client, { authmethods: ['ticket'], authid: 'joe' });
    client.takeOne('CHALLENGE');
    authenticate(client, 'wrong');
    await flush();
    expect(client.takeOne('ABORT')).toEqual({
      type: 'ABORT',
      reason: 'com.example.invalid_ticket',
      details: { message: 'invalid ticket for principal joe' },
    });
    expect(client.peer.closed).toBe(true);
  });

  it('wampcra: refused at HELLO with the authenticator URI, no mock challenge', async () => {
    const { router } = authRouter({ realms: REALMS });
    new ProcedureServer(router).serve('api.auth', () => {
      throw new RefusedWith('com.example.no_such_user', 'no such principal');
    });
    const client = authClient(router, { wampcra: { type: 'dynamic', authenticator: 'api.auth' } });
    hello(client, { authmethods: ['wampcra'], authid: 'nobody' });
    await flush();
    expect(client.takeOne('ABORT')).toMatchObject({
      reason: 'com.example.no_such_user',
      details: { message: 'no such principal' },
    });
  });

  it('keeps the uniform failure for an exception without a URI (wamp.error.runtime_error)', async () => {
    const { router } = authRouter({ realms: REALMS });
    new ProcedureServer(router).serve('com.example.authenticate', () => {
      throw new Error('database down');
    });
    const client = authClient(router, { ticket: { type: 'dynamic', authenticator: 'com.example.authenticate' } });
    hello(client, { authmethods: ['ticket'], authid: 'joe' });
    client.takeOne('CHALLENGE');
    authenticate(client, 't');
    await flush();
    expectAuthFailed(client);
  });

  it('keeps the uniform failure for static principals', () => {
    const { router } = authRouter({ realms: REALMS });
    const STATIC: TransportAuthConfig = {
      ticket: { type: 'static', principals: { joe: { ticket: 'right', role: 'frontend' } } },
    };
    const client = authClient(router, STATIC);
    hello(client, { authmethods: ['ticket'], authid: 'joe' });
    client.takeOne('CHALLENGE');
    authenticate(client, 'wrong');
    expectAuthFailed(client);
  });
});
