/**
 * Crossbar's `controller.options.shutdown` triggers: the node stops by itself when a worker
 * exits (a guest program, a container that shut down).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect } from '@interchange/client';
import { describe, expect, it } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import { tempDir } from '../helpers.js';

const guest = (code: number) => ({
  type: 'guest',
  id: 'job',
  executable: process.execPath,
  arguments: ['-e', `setTimeout(() => process.exit(${code}), 50)`],
});

describe('controller.options.shutdown', () => {
  it('shutdown_on_worker_exit: a guest that exits stops the node', async () => {
    const node = await InterchangeNode.start({
      config: { version: 2, controller: { options: { shutdown: ['shutdown_on_worker_exit'] } }, workers: [guest(0)] },
      cbdir: await tempDir(),
    });
    expect(await node.stopped).toBe('shutdown_on_worker_exit');
    expect(node.guests[0]?.starts).toBe(1);
  });

  it('shutdown_on_worker_exit_with_error: only an exit with an error stops the node', async () => {
    const config = (code: number) => ({
      version: 2,
      controller: { options: { shutdown: ['shutdown_on_worker_exit_with_error'] } },
      workers: [guest(code)],
    });
    const failing = await InterchangeNode.start({ config: config(2), cbdir: await tempDir() });
    expect(await failing.stopped).toBe('shutdown_on_worker_exit_with_error');
    const fine = await InterchangeNode.start({ config: config(0), cbdir: await tempDir() });
    try {
      const outcome = await Promise.race([
        fine.stopped,
        new Promise((resolve) => setTimeout(() => resolve('still running'), 500)),
      ]);
      expect(outcome).toBe('still running');
      // Not restarted either: with triggers configured, an exited guest stays stopped, as in Crossbar.
      expect(fine.guests[0]?.starts).toBe(1);
      expect(fine.guests[0]?.pid).toBeUndefined();
    } finally {
      await fine.stop();
    }
  });

  it('a container that shuts down is a worker exit', async () => {
    const cbdir = await tempDir();
    await writeFile(
      join(cbdir, 'once.mjs'),
      "export default async (session) => { await session.register('com.example.done', () => { setTimeout(() => session.leave(), 20); return 1; }); };",
    );
    const node = await InterchangeNode.start({
      config: {
        version: 2,
        controller: { options: { shutdown: ['shutdown_on_worker_exit'] } },
        workers: [
          {
            type: 'router',
            realms: [{ name: 'realm1' }],
            transports: [{ type: 'websocket', endpoint: { type: 'tcp', port: 8080 } }],
          },
          {
            type: 'container',
            options: { shutdown: 'shutdown-on-last-component-stopped' },
            components: [
              {
                type: 'class',
                classname: 'once.mjs',
                realm: 'realm1',
                transport: { type: 'websocket', endpoint: { type: 'tcp', host: '127.0.0.1', port: 8080 } },
              },
            ],
          },
        ],
      },
      cbdir,
      overrides: { interface: '127.0.0.1', port: 0 },
    });
    const client = await connect({ url: node.addresses[0]?.url ?? '', realm: 'realm1' });
    await client.call('com.example.done');
    expect(await node.stopped).toBe('shutdown_on_worker_exit');
    await client.closed;
  });
});
