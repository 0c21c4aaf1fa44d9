/**
 * What an operator reads in the log about sessions: each join and leave at info with realm,
 * authid, authrole, transport and peer address; each refused HELLO with its reason; never a
 * credential.
 */
import { ErrorUri } from '@interchange/protocol';
import { describe, expect, it } from 'vitest';
import { authRouter, clientAt, hello } from './auth/auth-harness.js';
import { join, TestClient } from './harness.js';

describe('session log', () => {
  it('logs join and leave at info with who and where', () => {
    const { router, logger } = authRouter();
    const client = join(router, 'realm1', { authid: 'alice', authrole: 'user' });
    const id = client.sessionId;
    client.receive({ type: 'GOODBYE', details: {}, reason: ErrorUri.CLOSE_REALM });
    const joined = logger.entries.find((e) => e.msg === 'session joined');
    const left = logger.entries.find((e) => e.msg === 'session left');
    const who = {
      session: id,
      realm: 'realm1',
      authid: 'alice',
      authrole: 'user',
      transport: 'memory',
      peer: 'memory:test',
    };
    expect(joined).toMatchObject({ level: 'info', obj: who });
    expect(left).toMatchObject({ level: 'info', obj: who });
  });

  it('logs a session whose transport was lost as left', () => {
    const { router, logger } = authRouter();
    const client = join(router);
    client.connection.transportClosed();
    expect(logger.entries.filter((e) => e.msg === 'session left')).toHaveLength(1);
    expect(router.stats.joined).toBe(1);
    expect(router.stats.left).toBe(1);
  });

  it('logs a refused HELLO with its reason, and counts it', () => {
    const { router, logger } = authRouter();
    const client = new TestClient(router);
    client.receive({ type: 'HELLO', realm: 'nowhere', details: { roles: { caller: {} } } });
    expect(client.takeOne('ABORT').reason).toBe(ErrorUri.NO_SUCH_REALM);
    expect(logger.entries.find((e) => e.msg === 'session refused')).toMatchObject({
      level: 'info',
      obj: { reason: ErrorUri.NO_SUCH_REALM, message: expect.stringContaining('nowhere'), transport: 'memory' },
    });
    expect(router.stats.refused.get(ErrorUri.NO_SUCH_REALM)).toBe(1);
  });

  it('a failed ticket is refused with its reason and peer, never with the ticket', () => {
    const { router, logger } = authRouter({
      realms: [{ name: 'realm1', roles: [{ name: 'user', permissions: [] }] }],
    });
    const transportAuth = {
      ticket: { type: 'static' as const, principals: { joe: { ticket: 'right-s3cret', role: 'user' } } },
    };
    const client = clientAt(router, transportAuth, 'tcp4:10.1.2.3:5000');
    hello(client, { authmethods: ['ticket'], authid: 'joe' });
    expect(client.takeOne('CHALLENGE').authMethod).toBe('ticket');
    client.receive({ type: 'AUTHENTICATE', signature: 'wrong-guess-77', extra: {} });
    expect(client.takeOne('ABORT').reason).toBe(ErrorUri.AUTHENTICATION_FAILED);
    expect(logger.entries.find((e) => e.msg === 'session refused')).toMatchObject({
      level: 'info',
      obj: { reason: ErrorUri.AUTHENTICATION_FAILED, transport: 'websocket', peer: 'tcp4:10.1.2.3:5000' },
    });
    expect(router.stats.authFailures.get('ticket')).toBe(1);
    expect(logger.text).not.toContain('wrong-guess-77');
    expect(logger.text).not.toContain('right-s3cret');
  });
});
