/**
 * Hosted components: TypeScript modules (bundled with esbuild), and container workers whose
 * components join this node in-process or another node over WebSocket.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect } from '@interchange/client';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-issues.js';
import { InterchangeNode } from '../../src/node.js';
import { tempDir, workerConfig } from '../helpers.js';

const ROLES = [
  {
    name: 'anonymous',
    permissions: [{ uri: '', match: 'prefix', allow: { call: true, register: true, subscribe: true, publish: true } }],
  },
];

async function dirWith(files: Record<string, string>): Promise<string> {
  const dir = await tempDir();
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

describe('hosted components', () => {
  it('runs a TypeScript module, its relative imports bundled', async () => {
    const cbdir = await dirWith({
      'helper.ts': "export function shout(text: string): string { return text.toUpperCase() + '!'; }",
      'greeter.ts': `import type { Session } from '@interchange/client';
        import { shout } from './helper';
        interface Extra { greeting: string }
        export default async (session: Session, extra: Extra): Promise<void> => {
          await session.register('com.example.greet', (invocation) => shout(\`\${extra.greeting} \${String(invocation.args[0])}\`));
        };`,
    });
    const config = workerConfig([{ type: 'websocket', endpoint: { type: 'tcp', port: 0, interface: '127.0.0.1' } }], {
      components: [{ type: 'class', classname: 'greeter.ts', realm: 'realm1', extra: { greeting: 'hello' } }],
    });
    const node = await InterchangeNode.start({ config, cbdir });
    try {
      const session = await connect({ url: node.addresses[0]!.url, realm: 'realm1' });
      expect((await session.call('com.example.greet', ['ada'])).args).toEqual(['HELLO ADA!']);
      await session.leave();
    } finally {
      await node.stop({ timeoutMs: 300 });
    }
  });

  it("joins a container component to this node's router in-process, under the listener's anonymous role", async () => {
    const cbdir = await dirWith({
      'backend.mjs': `export default async (session) => {
        await session.register('com.example.whoami', () => [session.details.authrole, session.details.authmethod]);
      };`,
    });
    const config = {
      version: 2,
      workers: [
        {
          type: 'router',
          realms: [{ name: 'realm1', roles: ROLES }],
          transports: [{ type: 'web', endpoint: { type: 'tcp', port: 7000 }, paths: { ws: { type: 'websocket' } } }],
        },
        {
          type: 'container',
          options: { pythonpath: ['..'] },
          components: [
            {
              type: 'class',
              classname: 'backend.mjs',
              realm: 'realm1',
              transport: {
                type: 'websocket',
                endpoint: { type: 'tcp', host: '127.0.0.1', port: 7000 },
                url: 'ws://127.0.0.1:7000/ws',
              },
            },
          ],
        },
      ],
    };
    // The listen override moves the listener off port 7000; the component still finds it.
    const node = await InterchangeNode.start({ config, cbdir, overrides: { interface: '127.0.0.1', port: 0 } });
    try {
      const session = await connect({ url: node.addresses[0]!.websocketUrls[0]!, realm: 'realm1' });
      expect((await session.call('com.example.whoami')).args).toEqual([['anonymous', 'anonymous']]);
      await session.leave();
    } finally {
      await node.stop({ timeoutMs: 300 });
    }
  });

  it('connects a container component to another node over WebSocket', async () => {
    const router = await InterchangeNode.start({
      config: workerConfig([{ type: 'websocket', endpoint: { type: 'tcp', port: 0, interface: '127.0.0.1' } }]),
      cbdir: await tempDir(),
    });
    const port = router.addresses[0]!.port;
    const cbdir = await dirWith({
      'remote.mjs':
        "export default { async onJoin(session) { await session.register('com.example.remote', () => 'far away'); } };",
    });
    const containers = await InterchangeNode.start({
      config: {
        version: 2,
        workers: [
          {
            type: 'container',
            components: [
              {
                type: 'class',
                classname: 'remote.mjs',
                realm: 'realm1',
                transport: { type: 'websocket', endpoint: { type: 'tcp', host: '127.0.0.1', port } },
              },
            ],
          },
        ],
      },
      cbdir,
    });
    try {
      const session = await connect({ url: router.addresses[0]!.url, realm: 'realm1' });
      expect((await session.call('com.example.remote')).args).toEqual(['far away']);
      await session.leave();
    } finally {
      await containers.stop({ timeoutMs: 300 });
      await router.stop({ timeoutMs: 300 });
    }
  });

  it('refuses a container component whose local router lacks its realm', async () => {
    const config = {
      version: 2,
      workers: [
        {
          type: 'router',
          realms: [{ name: 'realm1' }],
          transports: [{ type: 'websocket', endpoint: { type: 'tcp', port: 7001 } }],
        },
        {
          type: 'container',
          components: [
            {
              type: 'class',
              classname: 'crossbar.bridge.rest.RESTCallee',
              realm: 'other',
              extra: { procedure: 'p', baseurl: 'http://x/' },
              transport: { type: 'websocket', endpoint: { type: 'tcp', host: 'localhost', port: 7001 } },
            },
          ],
        },
      ],
    };
    // Port 7001 only names the listener the component connects to; were the node to start anyway,
    // the override binds it to 127.0.0.1 port 0 (and it is stopped), never to a fixed port.
    const error = await InterchangeNode.start({
      config,
      cbdir: await tempDir(),
      overrides: { interface: '127.0.0.1', port: 0 },
    }).then(
      (node) => node.stop({ timeoutMs: 300 }).then(() => new Error('the node started')),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(
      'workers[1].components[0].realm: no realm "other" in workers[0].realms (defined: "realm1")',
    );
  });
});
