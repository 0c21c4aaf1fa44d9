/**
 * A node whose dynamic authenticator has been used stops promptly on SIGTERM: the router's
 * internal session (which called the authenticator) answers the shutdown GOODBYE once, so there
 * is no "Maximum call stack size exceeded" and no wait for the 5 s grace period. A real process
 * of the built CLI (packages/server/dist/cli.js; `npx tsc -b` first when running locally),
 * authenticated against by Autobahn|Python.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../../../packages/server/dist/cli.js', import.meta.url));
const PYTHON_CLIENT = fileURLToPath(new URL('./auth_python_client.py', import.meta.url));
const run = promisify(execFile);

const AUTHENTICATOR = `
export default async (session) => {
  await session.register('com.example.authenticate', ({ args: [, authid, details] }) => {
    if (authid !== 'joe' || details.ticket !== 'joe-ticket') throw new Error('denied');
    return 'user';
  });
};
`;

const CONFIG = {
  version: 2,
  workers: [
    {
      type: 'router',
      realms: [
        {
          name: 'realm1',
          roles: [{ name: 'user', permissions: [{ uri: '', match: 'prefix', allow: { call: true, register: true } }] }],
        },
      ],
      transports: [
        {
          type: 'websocket',
          endpoint: { type: 'tcp', port: 0, interface: '127.0.0.1' },
          auth: { ticket: { type: 'dynamic', authenticator: 'com.example.authenticate' } },
        },
      ],
      components: [{ type: 'class', classname: 'authenticator.mjs', realm: 'realm1', role: 'user' }],
    },
  ],
};

describe('SIGTERM after a dynamic authenticator was used', () => {
  it('stops at once, without a stack overflow', async () => {
    const cbdir = await mkdtemp(join(tmpdir(), 'interchange-shutdown-'));
    await writeFile(join(cbdir, 'config.json'), JSON.stringify(CONFIG));
    await writeFile(join(cbdir, 'authenticator.mjs'), AUTHENTICATOR);
    const child = spawn(process.execPath, [CLI, 'start', '--cbdir', cbdir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let output = '';
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let listening: string | undefined;
        createInterface({ input: child.stdout }).on('line', (line) => {
          output += `${line}\n`;
          const entry = JSON.parse(line) as { msg?: string; websocket?: string[] };
          if (entry.msg === 'transport listening') listening = entry.websocket?.[0];
          if (entry.msg === 'node started' && listening !== undefined) resolve(listening);
        });
        void exited.then((code) => reject(new Error(`node exited early (${code}): ${output}`)));
      });
      const { stdout } = await run('/usr/bin/python3', [PYTHON_CLIENT, url, 'realm1', 'ticket', 'joe', 'joe-ticket'], {
        timeout: 30_000,
      });
      expect(JSON.parse(stdout.trim().split('\n').pop() ?? '{}')).toMatchObject({
        joined: true,
        details: { authid: 'joe', authprovider: 'dynamic' },
      });

      const started = Date.now();
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      // The grace period for GOODBYE replies is 5 s; nothing here needs to wait for it.
      expect(Date.now() - started).toBeLessThan(2500);
      expect(output).not.toContain('Maximum call stack');
      expect(output).not.toContain('"level":50');
    } finally {
      child.kill('SIGKILL');
      await rm(cbdir, { recursive: true, force: true });
    }
  });
});
