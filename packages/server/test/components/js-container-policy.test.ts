/**
 * The container's `restart` and `shutdown` options applied to JS container components: a
 * component whose session is killed comes back (restart-on-failed, the default), and with
 * shutdown-on-any-component-stopped one component leaving stops the others.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect, type Session } from '@interchange/client';
import { afterEach, describe, expect, it } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import { tempDir } from '../helpers.js';
import { recordingLogger } from '../support/recording.js';

const MODULE = `export default async (session, extra) => {
  await session.register('com.example.' + extra.name + '.whoami', () => session.id);
  await session.register('com.example.' + extra.name + '.leave', () => { setTimeout(() => session.leave(), 50); return 'bye'; });
};`;

async function callable(client: Session, procedure: string): Promise<unknown> {
  for (;;) {
    try {
      return (await client.call(procedure)).args[0];
    } catch (error) {
      if ((error as { uri?: string }).uri !== 'wamp.error.no_such_procedure') throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

async function gone(client: Session, procedure: string): Promise<void> {
  for (;;) {
    try {
      await client.call(procedure);
      await new Promise((resolve) => setTimeout(resolve, 25));
    } catch (error) {
      if ((error as { uri?: string }).uri === 'wamp.error.no_such_procedure') return;
      throw error;
    }
  }
}

describe('JS components of a container worker', () => {
  let node: InterchangeNode | undefined;
  let client: Session | undefined;
  afterEach(async () => {
    await client?.leave().catch(() => undefined);
    await node?.stop();
  });

  async function start(options: Record<string, unknown>) {
    const cbdir = await tempDir();
    await writeFile(join(cbdir, 'backend.mjs'), MODULE);
    const transport = { type: 'websocket', endpoint: { type: 'tcp', host: '127.0.0.1', port: 8080 } };
    const log = recordingLogger();
    node = await InterchangeNode.start({
      config: {
        version: 2,
        workers: [
          {
            type: 'router',
            realms: [{ name: 'realm1' }],
            transports: [{ type: 'websocket', endpoint: { type: 'tcp', port: 8080 } }],
          },
          {
            type: 'container',
            options,
            components: ['a', 'b'].map((name) => ({
              type: 'class',
              id: name,
              classname: 'backend.mjs',
              realm: 'realm1',
              extra: { name },
              transport,
            })),
          },
        ],
      },
      cbdir,
      logger: log.logger,
      overrides: { interface: '127.0.0.1', port: 0 },
    });
    client = await connect({ url: node.addresses[0]?.url ?? '', realm: 'realm1' });
    return { client, log };
  }

  it('are restarted after their session was killed (restart-on-failed)', async () => {
    const { client, log } = await start({});
    const before = await callable(client, 'com.example.a.whoami');
    await client.call('wamp.session.kill', [before]);
    await log.waitFor((e) => /\[a\] session closed \(wamp\.close\.killed\); restarting in \d+ ms/.test(e.msg ?? ''));
    let after = await callable(client, 'com.example.a.whoami');
    while (after === before) after = await callable(client, 'com.example.a.whoami');
    expect(after).not.toBe(before);
  }, 20_000);

  it('all stop when one leaves (shutdown-on-any-component-stopped)', async () => {
    const { client, log } = await start({ shutdown: 'shutdown-on-any-component-stopped' });
    await client.call('com.example.a.leave');
    await log.waitFor((e) => /container worker1 shuts down/.test(e.msg ?? ''));
    await gone(client, 'com.example.b.whoami');
    await gone(client, 'com.example.a.whoami');
  });
});
