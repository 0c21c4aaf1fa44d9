/**
 * The built `interchange` executable, as a user runs it: `npm test` builds before vitest, so
 * dist/cli.js exists (in a local run, build first: `npx tsc -b packages/server`).
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RawWampClient, tempDir, workerConfig } from '../helpers.js';

const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

describe('interchange executable', () => {
  it('is a node script', async () => {
    expect((await readFile(CLI, 'utf8')).split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  it('start serves until SIGTERM, says GOODBYE wamp.close.system_shutdown, and exits 0', async () => {
    const cwd = await tempDir();
    const config = workerConfig([{ type: 'websocket', endpoint: { type: 'tcp', port: 0, interface: '127.0.0.1' } }]);
    await writeFile(join(cwd, 'config.json'), JSON.stringify(config));
    const child = spawn(process.execPath, [CLI, 'start', '--config', 'config.json'], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const logLines: Record<string, unknown>[] = [];
    const url = new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logLines.push(entry);
        if (entry.msg === 'transport listening') resolve((entry.websocket as string[])[0]!);
      });
      void exited.then((result) => reject(new Error(`exited early: ${JSON.stringify(result)} ${stderr}`)));
    });
    try {
      const client = new RawWampClient(await url);
      await client.join();
      child.kill('SIGTERM');
      const goodbye = await client.next();
      expect(goodbye[0]).toBe(6);
      expect(goodbye[2]).toBe('wamp.close.system_shutdown');
      client.send([6, {}, 'wamp.close.goodbye_and_out']);
      expect(await exited).toEqual({ code: 0, signal: null });
      expect((await client.closed).code).toBe(1000);
      expect(logLines.map((l) => l.msg)).toEqual(expect.arrayContaining(['stopping node', 'node stopped']));
      expect(stderr).toBe('');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('stops its guest workers in order on a Ctrl-C to the whole process group, without restarting them', async () => {
    const cwd = await tempDir();
    // The guest says when it got SIGTERM (the node's stop), so a SIGINT from the terminal would show.
    await writeFile(
      join(cwd, 'guest.js'),
      "process.on('SIGTERM', () => { console.log('guest got SIGTERM'); process.exit(0); });\n" +
        "console.log('guest up'); setInterval(() => {}, 1000);\n",
    );
    const config = {
      version: 2,
      workers: [
        {
          type: 'router',
          realms: [{ name: 'realm1' }],
          transports: [{ type: 'websocket', endpoint: { type: 'tcp', port: 0, interface: '127.0.0.1' } }],
        },
        { type: 'guest', executable: process.execPath, arguments: ['guest.js'], options: { workdir: '.' } },
      ],
    };
    await writeFile(join(cwd, 'config.json'), JSON.stringify(config));
    // A process group of its own, as a shell gives a foreground job.
    const child = spawn(process.execPath, [CLI, 'start', '--config', 'config.json'], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const exited = new Promise<{ code: number | null }>((resolve) => child.once('exit', (code) => resolve({ code })));
    const messages: string[] = [];
    const guestUp = new Promise<void>((resolve) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        const msg = String((JSON.parse(line) as { msg?: unknown }).msg);
        messages.push(msg);
        if (msg.includes('guest up')) resolve();
      });
    });
    try {
      await guestUp;
      process.kill(-(child.pid as number), 'SIGINT');
      expect(await exited).toEqual({ code: 0 });
      expect(messages.filter((m) => m.includes('guest got SIGTERM'))).toHaveLength(1);
      expect(messages.filter((m) => m.includes('restarting') || m.includes('killed by'))).toEqual([]);
    } finally {
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
});
