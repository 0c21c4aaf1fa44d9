/**
 * `interchange status` against a real node process: the live figures (sessions per realm,
 * message rates, traffic, memory) through the node's control socket, and the nodeinfo page's
 * counts. Needs the built CLI (dist/cli.js), as cli-process.test.ts.
 */
import { spawn } from 'node:child_process';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { RawWampClient, tempDir, workerConfig } from '../helpers.js';

const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

async function status(cwd: string): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const code = await runCli(['status', '--cbdir', '.'], {
    cwd,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: () => true },
  });
  return { code, stdout };
}

describe('interchange status of a running node', () => {
  it('prints sessions, message rates, traffic and memory; nodeinfo has the counts', async () => {
    const cwd = await tempDir();
    const config = workerConfig([
      {
        type: 'web',
        id: 'main',
        endpoint: { type: 'tcp', port: 0, interface: '127.0.0.1' },
        paths: { ws: { type: 'websocket' }, info: { type: 'nodeinfo' } },
      },
    ]);
    await writeFile(join(cwd, 'config.json'), JSON.stringify(config));
    const child = spawn(process.execPath, [CLI, 'start', '--config', 'config.json'], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const base = new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        const entry = JSON.parse(line) as Record<string, unknown>;
        if (entry.msg === 'transport listening') resolve(entry.url as string);
      });
      void exited.then((code) => reject(new Error(`exited early: ${code}`)));
    });
    let clients: RawWampClient[] = [];
    try {
      const url = await base;
      clients = [
        new RawWampClient(`${url.replace('http', 'ws')}ws`),
        new RawWampClient(`${url.replace('http', 'ws')}ws`),
      ];
      for (const client of clients) await client.join();
      clients[0]?.send([48, 1, {}, 'com.example.nobody']);
      expect((await clients[0]?.next())?.[0]).toBe(8);

      const { code, stdout } = await status(cwd);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^running \(PID \d+, node directory .*\)\n/);
      expect(stdout).toContain('sessions: 2\n');
      expect(stdout).toContain('  realm realm1: 2 sessions, 0 subscriptions, 0 registrations\n');
      expect(stdout).toMatch(/messages: [\d.]+\/s in, [\d.]+\/s out \(3 received, 3 sent since start\)/);
      expect(stdout).toMatch(/transport main \(web\): 2 connections, [\d.]+ KiB\/s in, [\d.]+ KiB\/s out/);
      expect(stdout).toMatch(/memory: RSS [\d.]+ MiB, heap [\d.]+ of [\d.]+ MiB/);
      expect(stdout).toMatch(/uptime: \d+s/);
      // The socket is the user's own.
      expect((await stat(join(cwd, 'node.sock'))).mode & 0o777).toBe(0o600);

      const info = await fetch(`${url}info`, { headers: { accept: 'application/json' } });
      const body = (await info.json()) as { activity: Record<string, unknown> };
      expect(body.activity).toMatchObject({
        sessions: 2,
        messagesReceived: 3,
        messagesSent: 3,
        realms: [{ realm: 'realm1', sessions: 2, subscriptions: 0, registrations: 0 }],
        memory: { rss: expect.any(Number) },
      });
      const html = await (await fetch(`${url}info`)).text();
      expect(html).toContain('<tr><td>Sessions</td><td><b>2 (realm1: 2)</b></td></tr>');
    } finally {
      for (const client of clients) client.ws.close();
      child.kill('SIGTERM');
      await exited;
    }
    const after = await status(cwd);
    expect(after.stdout).toMatch(/^stopped/);
    await expect(stat(join(cwd, 'node.sock'))).rejects.toThrow();
  });
});
