// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are Crossbar's ${VAR} placeholders, written as users write them.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApplicationError, connect } from '@interchange/client';
import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../src/config/config-issues.js';
import { loadConfig } from '../../src/config/load-config.js';
import { validateConfig } from '../../src/config/validate-config.js';
import { InterchangeNode } from '../../src/node.js';
import { LOCAL_ENDPOINT, tempDir, workerConfig } from '../helpers.js';

/** A router worker with one WebSocket transport and this `auth` block; `endpoint` replaceable. */
function nodeWith(auth: unknown, endpoint: unknown = LOCAL_ENDPOINT): Record<string, unknown> {
  return workerConfig([{ type: 'websocket', endpoint, auth }], {
    realms: [
      {
        name: 'realm1',
        roles: [{ name: 'user', permissions: [{ uri: '', match: 'prefix', allow: { call: true } }] }],
      },
    ],
  });
}

const ticketAuth = (ticket: string) => ({
  ticket: { type: 'static', principals: { joe: { ticket, role: 'user' } } },
});

describe('environment placeholders', () => {
  it('reads a ticket, a WAMP-CRA secret and a port from the environment', async () => {
    const auth = {
      ...ticketAuth('${JOE_TICKET}'),
      wampcra: { type: 'static', users: { peter: { secret: '${PETER_SECRET}', role: 'user' } } },
    };
    const result = await validateConfig(nodeWith(auth, { type: 'tcp', port: '$PORT' }), {
      env: { JOE_TICKET: 'from-env-1', PETER_SECRET: 'from-env-2', PORT: '8123' },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const router = result.config.workers[0];
    if (router?.type !== 'router') throw new Error('expected a router worker');
    const transport = router.transports[0]!;
    expect(transport.endpoint).toMatchObject({ port: 8123 });
    expect(transport.type === 'websocket' && transport.auth).toMatchObject({
      ticket: { principals: { joe: { ticket: 'from-env-1' } } },
      wampcra: { users: { peter: { secret: 'from-env-2' } } },
    });
  });

  it('reports an unset variable naming the key and the variable', async () => {
    const auth = {
      ...ticketAuth('${JOE_TICKET}'),
      wampcra: { type: 'static', users: { peter: { secret: '${PETER_SECRET}', role: 'user' } } },
    };
    const result = await validateConfig(nodeWith(auth, { type: 'tcp', port: '$PORT' }), { env: {} });
    expect(result.ok ? [] : result.issues.map(formatIssue)).toEqual([
      'workers[0].transports[0].endpoint.port: environment variable PORT is not set (the value "$PORT" is read from it)',
      'workers[0].transports[0].auth.ticket.principals.joe.ticket: environment variable JOE_TICKET is not set (the value "${JOE_TICKET}" is read from it)',
      'workers[0].transports[0].auth.wampcra.users.peter.secret: environment variable PETER_SECRET is not set (the value "${PETER_SECRET}" is read from it)',
    ]);
  });

  it('keeps $ literally where Crossbar does: in other forms and at other keys', async () => {
    const config = nodeWith(ticketAuth('$JOE_TICKET'));
    (config.workers as { realms: { name: string }[] }[])[0]!.realms.push({ name: '${REALM}' });
    const result = await validateConfig(config, { env: { JOE_TICKET: 'no', REALM: 'no' } });
    // "$VAR" is a placeholder only for ports, and realm names are never read from the environment.
    expect(result.ok).toBe(true);
    const text = result.ok ? JSON.stringify(result.config) : '';
    expect(text).toContain('"ticket":"$JOE_TICKET"');
    expect(text).toContain('"name":"${REALM}"');
  });

  it('a ticket principal with ${SECRET} logs in with the value of SECRET, not with the literal', async () => {
    const cbdir = await tempDir();
    await mkdir(cbdir, { recursive: true });
    await writeFile(join(cbdir, 'config.json'), JSON.stringify(nodeWith(ticketAuth('${SECRET}'))));
    const { config } = await loadConfig({ cbdir, env: { SECRET: 'the-real-ticket' } });
    const node = await InterchangeNode.start({ config, cbdir });
    try {
      const url = node.addresses[0]!.url;
      const session = await connect({
        url,
        realm: 'realm1',
        auth: { ticket: { authid: 'joe', ticket: 'the-real-ticket' } },
      });
      expect(session.details).toMatchObject({ authid: 'joe', authrole: 'user', authmethod: 'ticket' });
      await session.leave();
      const literal = await connect({
        url,
        realm: 'realm1',
        auth: { ticket: { authid: 'joe', ticket: '${SECRET}' } },
      }).then(
        async (s) => {
          await s.leave();
          return 'joined';
        },
        (error: unknown) => error,
      );
      expect(literal).toBeInstanceOf(ApplicationError);
      expect((literal as ApplicationError).uri).toBe('wamp.error.authentication_failed');
    } finally {
      await node.stop();
    }
  });

  it("keeps what a program passes in a component's extra by reference", async () => {
    const handler = () => 42;
    const store = new Map([['a', 1]]);
    const config = nodeWith(ticketAuth('${JOE_TICKET}'));
    (config.workers as Record<string, unknown>[])[0]!.components = [
      { type: 'class', classname: 'x.js', realm: 'realm1', extra: { handler, store } },
    ];
    const result = await validateConfig(config, { env: { JOE_TICKET: 't' } });
    const router = result.ok ? result.config.workers[0] : undefined;
    const extra = router?.type === 'router' ? (router.components[0]?.extra as Record<string, unknown>) : undefined;
    expect(extra?.handler).toBe(handler);
    expect(extra?.store).toBe(store);
  });

  it('disables a worker through options.disabled as Crossbar does: any non-empty value', async () => {
    const { resolvePlaceholders } = await import('../../src/config/config-placeholders.js');
    const raw = { version: 2, workers: [{ type: 'router', options: { disabled: '${OFF}' } }] };
    const on = resolvePlaceholders(raw, { OFF: '1' });
    const off = resolvePlaceholders(raw, {});
    expect(on.config).toMatchObject({ workers: [{ options: { disabled: true } }] });
    expect(off.config).toMatchObject({ workers: [{ options: { disabled: false } }] });
    expect(on.issues).toEqual([]);
    // The input is left as it was.
    expect(raw.workers[0]!.options.disabled).toBe('${OFF}');
  });
});
