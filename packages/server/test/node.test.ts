import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config/config-issues.js';
import { InterchangeNode } from '../src/node.js';
import { LOCAL_ENDPOINT, RawWampClient, tempDir, workerConfig } from './helpers.js';

const CALLER_ONLY_ROLE = {
  name: 'anonymous',
  permissions: [{ uri: 'com.example.', match: 'prefix', allow: { call: true } }],
};

async function nodeDirWith(files: Record<string, string>): Promise<string> {
  const dir = await tempDir();
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

describe('InterchangeNode', () => {
  it('hosts class components (function or onJoin object) that remote clients call', async () => {
    const cbdir = await nodeDirWith({
      'adder.mjs': `export default async (session, extra) => {
        await session.register('com.example.add', (invocation) => invocation.args[0] + invocation.args[1] + extra.offset);
      };`,
      'greeter.mjs': `export default {
        async onJoin(session) { await session.register('com.example.greet', (invocation) => 'hello ' + invocation.args[0]); },
      };`,
    });
    const config = workerConfig([{ type: 'websocket', endpoint: LOCAL_ENDPOINT }], {
      realms: [
        {
          name: 'realm1',
          roles: [
            CALLER_ONLY_ROLE,
            { name: 'backend', permissions: [{ uri: '', match: 'prefix', allow: { register: true } }] },
          ],
        },
      ],
      components: [
        { type: 'class', classname: 'adder.mjs', realm: 'realm1', extra: { offset: 100 } },
        { type: 'class', classname: './greeter.mjs', realm: 'realm1', role: 'backend' },
      ],
    });
    const node = await InterchangeNode.start({ config, cbdir });
    try {
      expect(node.components.map((c) => c.id)).toEqual(['adder.mjs', './greeter.mjs']);
      const client = new RawWampClient(node.addresses[0]!.websocketUrls[0]!);
      await client.join();
      client.send([48, 1, {}, 'com.example.add', [2, 3]]);
      expect(await client.next()).toEqual([50, 1, {}, [105]]);
      client.send([48, 2, {}, 'com.example.greet', ['ada']]);
      expect(await client.next()).toEqual([50, 2, {}, ['hello ada']]);
      // The anonymous role may call but not register.
      client.send([64, 3, {}, 'com.example.mine']);
      expect((await client.next()).slice(0, 5)).toEqual([8, 64, 3, {}, 'wamp.error.not_authorized']);
    } finally {
      await node.stop({ timeoutMs: 500 });
    }
  });

  it('says GOODBYE wamp.close.system_shutdown to every session on stop, then closes', async () => {
    const cbdir = await nodeDirWith({ 'idle.mjs': 'export default () => {};' });
    const config = workerConfig([{ type: 'web', endpoint: LOCAL_ENDPOINT, paths: { ws: { type: 'websocket' } } }], {
      components: [{ type: 'class', classname: 'idle.mjs', realm: 'realm1' }],
    });
    const node = await InterchangeNode.start({ config, cbdir });
    try {
      const address = node.addresses[0]!;
      expect(address.url).toBe(`http://127.0.0.1:${address.port}/`);
      expect(address.websocketUrls).toEqual([`ws://127.0.0.1:${address.port}/ws`]);
      const clients = [new RawWampClient(address.websocketUrls[0]!), new RawWampClient(address.websocketUrls[0]!)];
      for (const client of clients) await client.join();

      const stopped = node.stop({ timeoutMs: 2000 });
      for (const client of clients) {
        const goodbye = await client.next();
        expect(goodbye[0]).toBe(6);
        expect(goodbye[2]).toBe('wamp.close.system_shutdown');
        client.send([6, {}, 'wamp.close.goodbye_and_out']);
      }
      await stopped;
      for (const client of clients) expect((await client.closed).code).toBe(1000);
      const component = await node.components[0]!.session.closed;
      expect(component.reason).toBe('wamp.close.system_shutdown');
      await expect(new RawWampClient(address.websocketUrls[0]!).opened).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      // Stops the node if an assertion failed first; otherwise the stop above, already done.
      await node.stop({ timeoutMs: 500 });
    }
  });

  it('applies listen overrides to every transport', async () => {
    const config = workerConfig([{ type: 'websocket', endpoint: { type: 'tcp', port: 8080 } }]);
    const node = await InterchangeNode.start({
      config,
      cbdir: await tempDir(),
      overrides: { interface: '127.0.0.1', port: 0 },
    });
    try {
      expect(node.addresses[0]!.host).toBe('127.0.0.1');
      expect(node.addresses[0]!.port).not.toBe(8080);
      expect(node.addresses[0]!.url).toBe(`ws://127.0.0.1:${node.addresses[0]!.port}/`);
    } finally {
      await node.stop();
    }
  });

  it('rejects an invalid config with every problem', async () => {
    const error = await InterchangeNode.start({
      config: { version: 2, workers: [{ type: 'proxy' }] },
      cbdir: await tempDir(),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues[0]).toMatchObject({ path: 'workers[0].type', kind: 'unsupported' });
  });

  it('fails to start when a port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    try {
      const config = workerConfig([{ type: 'websocket', endpoint: { ...LOCAL_ENDPOINT, port: taken } }]);
      await expect(InterchangeNode.start({ config, cbdir: await tempDir() })).rejects.toThrow(
        `cannot listen on 127.0.0.1:${taken}: EADDRINUSE`,
      );
    } finally {
      blocker.close();
    }
  });

  it('fails to start when a component module throws or has no entry point', async () => {
    const cbdir = await nodeDirWith({
      'broken.mjs': "export default () => { throw new Error('component exploded'); };",
      'empty.mjs': 'export const nothing = 1;',
    });
    const config = (classname: string) => ({
      version: 2,
      workers: [
        { type: 'router', realms: [{ name: 'realm1' }], components: [{ type: 'class', classname, realm: 'realm1' }] },
      ],
    });
    await expect(InterchangeNode.start({ config: config('broken.mjs'), cbdir })).rejects.toThrow('component exploded');
    await expect(InterchangeNode.start({ config: config('empty.mjs'), cbdir })).rejects.toThrow(
      /must export default a function/,
    );
  });
});
