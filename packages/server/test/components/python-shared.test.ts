/**
 * `expose_shared`: the Python components of a container worker share one dict as
 * `config.shared`, as in Crossbar's container. The fixture (test/fixtures/python-shared, in
 * Crossbar's format) runs two Autobahn|Python components that each report what they find in it.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { connect, type Session } from '@interchange/client';
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate-config.js';
import { InterchangeNode } from '../../src/node.js';
import { callWhenRegistered } from '../support/call-when-registered.js';
import { recordingLogger } from '../support/recording.js';

const CBDIR = fileURLToPath(new URL('../fixtures/python-shared/.crossbar', import.meta.url));
const LOCAL = { interface: '127.0.0.1', port: 0 };

async function fixtureConfig(containerOptions: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const config = JSON.parse(await readFile(`${CBDIR}/config.json`, 'utf8')) as {
    workers: { options?: Record<string, unknown> }[];
  };
  const container = config.workers[1] as { options: Record<string, unknown> };
  container.options = { ...container.options, ...containerOptions };
  return config as unknown as Record<string, unknown>;
}

interface Look {
  dict: number;
  lock: number;
  joined: string[];
  reactor: boolean;
  pid: number;
}

function look(session: Session, name: string): Promise<Look> {
  return callWhenRegistered(session, `com.example.${name}.shared`) as Promise<Look>;
}

describe('two Python components of a container with expose_shared', () => {
  let node: InterchangeNode | undefined;
  let client: Session | undefined;
  afterEach(async () => {
    await client?.leave().catch(() => undefined);
    await node?.stop();
  });

  async function start(options: Record<string, unknown> = {}) {
    const log = recordingLogger();
    node = await InterchangeNode.start({
      config: await fixtureConfig(options),
      cbdir: CBDIR,
      logger: log.logger,
      overrides: LOCAL,
    });
    const web = node.addresses.find((a) => a.type === 'web');
    client = await connect({ url: web?.websocketUrls[0] ?? '', realm: 'realm1' });
    return { log, client };
  }

  it('passes check', async () => {
    expect((await validateConfig(await fixtureConfig(), { cbdir: CBDIR })).ok).toBe(true);
  });

  it('share one dict, which holds the reactor and what each put there', async () => {
    const { client: session, log } = await start();
    const first = await look(session, 'first');
    const second = await look(session, 'second');
    expect(second.dict).toBe(first.dict);
    expect(second.lock).toBe(first.lock);
    expect(second.pid).toBe(first.pid);
    expect(second.joined).toEqual(['first', 'second']);
    expect(first.reactor).toBe(true);
    // And the controller reaches them there too (expose_controller).
    expect((await session.call('com.example.second.workers', [])).args[0]).toEqual({ router: 1, container: 1 });
    // When the node stops, each leaves its realm before the process ends.
    await session.leave();
    client = undefined;
    await node?.stop();
    node = undefined;
    const messages = log.entries.map((e) => e.msg);
    expect(messages).toContain('[first] left: wamp.close.normal');
    expect(messages).toContain('[second] left: wamp.close.normal');
    expect(messages).toContain('[container backend] Python process stopped');
  }, 40_000);

  it('restarts one component in the same process, where the dict still holds what it held', async () => {
    const { client, log } = await start({ restart: 'restart-always' });
    const before = await look(client, 'first');
    await client.call('com.example.first.leave', []).catch(() => undefined);
    await log.waitFor((e) => /\[first\] ended with code 0; restarting in \d+ ms/.test(e.msg ?? ''));
    for (;;) {
      const now = await look(client, 'first');
      if (now.joined.length === 3) {
        expect(now).toMatchObject({ dict: before.dict, pid: before.pid, joined: ['first', 'second', 'first'] });
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // The other component was not disturbed.
    expect((await look(client, 'second')).pid).toBe(before.pid);
  }, 40_000);

  it('when the process dies, starts the failed components again in a new one (restart-on-failed)', async () => {
    const { client, log } = await start();
    const before = await look(client, 'first');
    await client.call('com.example.first.crash', []).catch(() => undefined);
    await log.waitFor((e) =>
      /\[first\] failed: the shared Python process exited with code 3; restarting/.test(e.msg ?? ''),
    );
    await log.waitFor((e) =>
      /\[second\] failed: the shared Python process exited with code 3; restarting/.test(e.msg ?? ''),
    );
    for (;;) {
      const first = await look(client, 'first');
      const second = await look(client, 'second');
      if (first.pid !== before.pid && second.pid === first.pid && first.dict === second.dict) {
        // A new process, a new dict: both components are in it again.
        expect(first.joined.sort()).toEqual(['first', 'second']);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }, 40_000);

  it("applies the container's shutdown to all of them, then the process ends (shutdown-on-any-component-stopped)", async () => {
    const { client, log } = await start({ shutdown: 'shutdown-on-any-component-stopped' });
    await look(client, 'first');
    await look(client, 'second');
    await client.call('com.example.first.leave', []).catch(() => undefined);
    await log.waitFor((e) => e.msg === '[second] left: wamp.close.normal');
    await log.waitFor((e) => e.msg === '[container backend] Python process stopped');
    expect(log.entries.map((e) => e.msg)).not.toContain('[first] ended with code 0; restarting');
  }, 40_000);
});
