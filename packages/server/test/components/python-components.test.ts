/**
 * Python components hosted by the node: a fixture cbdir in Crossbar's format whose router
 * worker runs an Autobahn|Python ApplicationSession (test/fixtures/python-cbdir/hello/backend.py);
 * Autobahn|JS calls its procedures and receives its events.
 */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autobahn from 'autobahn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { processExists } from '../../src/cli/pid-file.js';
import { validateConfig } from '../../src/config/validate-config.js';
import { InterchangeNode } from '../../src/node.js';
import { tempDir } from '../helpers.js';
import { recordingLogger } from '../support/recording.js';

(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const CBDIR = fileURLToPath(new URL('../fixtures/python-cbdir/.crossbar', import.meta.url));
const LOCAL = { interface: '127.0.0.1', port: 0 };

async function fixtureConfig(): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(`${CBDIR}/config.json`, 'utf8')) as Record<string, unknown>;
}

function openAutobahn(url: string): Promise<{ session: autobahn.Session; connection: autobahn.Connection }> {
  return new Promise((resolve, reject) => {
    const connection = new autobahn.Connection({ url, realm: 'realm1', max_retries: 0 });
    connection.onopen = (session) => resolve({ session, connection });
    connection.onclose = (reason, details) => {
      reject(new Error(`connection ${reason}: ${JSON.stringify(details)}`));
      return true;
    };
    connection.open();
  });
}

/** Calls until the procedure answers (it is registered again after a restart). */
async function callWhenRegistered(
  session: autobahn.Session,
  procedure: string,
  args: unknown[] = [],
): Promise<unknown> {
  for (;;) {
    try {
      return await session.call(procedure, args);
    } catch (error) {
      if ((error as { error?: string }).error !== 'wamp.error.no_such_procedure') throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe('a Python component of a router worker', () => {
  let node: InterchangeNode;
  const log = recordingLogger();

  beforeAll(async () => {
    node = await InterchangeNode.start({
      config: await fixtureConfig(),
      cbdir: CBDIR,
      logger: log.logger,
      overrides: LOCAL,
    });
  }, 30_000);
  afterAll(async () => {
    await node?.stop();
  });

  it('registers procedures and publishes events that Autobahn|JS calls and receives', async () => {
    const url = node.addresses[0]?.websocketUrls[0] ?? '';
    const { session, connection } = await openAutobahn(url);
    try {
      expect(await callWhenRegistered(session, 'com.example.hello', ['Alice'])).toBe('Hello, Alice!');
      const ticks: number[] = [];
      await new Promise<void>((resolve, reject) => {
        session
          .subscribe('com.example.tick', (args?: unknown[]) => {
            ticks.push(args?.[0] as number);
            if (ticks.length === 3) resolve();
          })
          .catch(reject);
      });
      expect(ticks[1]).toBe((ticks[0] as number) + 1);
      // The session has exactly the configured role; its authid is the component's id.
      const [authid, authrole, , cbdir] = (await session.call('com.example.whoami')) as [
        string,
        string,
        number,
        string,
      ];
      expect([authid, authrole, cbdir]).toEqual(['hello-backend', 'backend', CBDIR]);
    } finally {
      connection.close();
    }
    // Its output is logged with its id.
    await log.waitFor((e) => e.msg === '[hello-backend] backend joined as hello-backend (backend)');
  });

  it('is restarted when its process crashes', async () => {
    const url = node.addresses[0]?.websocketUrls[0] ?? '';
    const { session, connection } = await openAutobahn(url);
    try {
      const [, , pid] = (await session.call('com.example.whoami')) as [string, string, number];
      expect(node.pythonComponents[0]?.pid).toBe(pid);
      process.kill(pid, 'SIGKILL');
      await log.waitFor((e) => /\[hello-backend\] was killed by SIGKILL; restarting in \d+ ms/.test(e.msg ?? ''));
      let answer = (await callWhenRegistered(session, 'com.example.whoami')) as [string, string, number];
      while (answer[2] === pid)
        answer = (await callWhenRegistered(session, 'com.example.whoami')) as [string, string, number];
      expect(answer[2]).not.toBe(pid);
      expect(node.pythonComponents[0]?.starts).toBe(2);
    } finally {
      connection.close();
    }
  }, 20_000);

  it('leaves its realm cleanly and is gone once the node has stopped', async () => {
    const pid = node.pythonComponents[0]?.pid as number;
    expect(processExists(pid)).toBe(true);
    const before = log.entries.length;
    await node.stop();
    expect(processExists(pid)).toBe(false);
    // It said GOODBYE itself (as after leave()), so neither side logs a lost transport.
    const after = log.entries.slice(before).map((e) => e.msg ?? '');
    expect(after).toContain('[hello-backend] left: wamp.close.normal');
    expect(after.filter((m) => m.includes('transport_lost') || m.includes('connection lost'))).toEqual([]);
    expect(after).toContain('[hello-backend] stopped');
  });
});

describe('Python components without a usable Python', () => {
  it('refuse to start, naming the component and what to install', async () => {
    const config = await fixtureConfig();
    const worker = (config.workers as Record<string, unknown>[])[0] as { options: Record<string, unknown> };
    worker.options.python = '/nonexistent/bin/python3';
    const start = InterchangeNode.start({ config, cbdir: CBDIR, overrides: LOCAL });
    await expect(start).rejects.toThrow(
      /workers\[0\]\.components\[0\]\.classname: component "hello-backend" is a Python component, but \/nonexistent\/bin\/python3 not found; .*apt-get install python3-autobahn/,
    );
  });

  it('are reported by check when the Python cannot import autobahn', async () => {
    // A Python without its site packages: autobahn is not importable.
    const dir = await tempDir();
    const python = join(dir, 'python-without-site');
    await writeFile(python, '#!/bin/sh\nexec /usr/bin/python3 -S "$@"\n');
    await chmod(python, 0o755);
    const config = await fixtureConfig();
    const worker = (config.workers as Record<string, unknown>[])[0] as { options: Record<string, unknown> };
    worker.options.python = python;
    const result = await validateConfig(config, { cbdir: CBDIR });
    expect(result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      expect.stringMatching(
        /^workers\[0\]\.components\[0\]\.classname: component "hello-backend" is a Python component, but .*python-without-site cannot import autobahn \(ModuleNotFoundError: No module named 'autobahn'\); install Autobahn\|Python \(Debian\/Ubuntu: apt-get install python3-autobahn/,
      ),
    ]);
  });

  it('are reported by check when their module is not on the pythonpath', async () => {
    const config = await fixtureConfig();
    const worker = (config.workers as Record<string, unknown>[])[0] as {
      options: Record<string, unknown>;
      components: Record<string, unknown>[];
    };
    worker.options.pythonpath = ['.'];
    const result = await validateConfig(config, { cbdir: CBDIR });
    expect(result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      `workers[0].components[0].classname: Python module "hello" not found (options.pythonpath ${CBDIR}, nor installed for /usr/bin/python3); add the directory that holds it to workers[0].options.pythonpath`,
    ]);
  });

  it('make the node refuse to start when the class cannot be loaded, with the reason', async () => {
    const config = await fixtureConfig();
    const worker = (config.workers as Record<string, unknown>[])[0] as { components: Record<string, unknown>[] };
    (worker.components[0] as Record<string, unknown>).classname = 'hello.backend.Missing';
    const start = InterchangeNode.start({ config, cbdir: CBDIR, overrides: LOCAL });
    await expect(start).rejects.toThrow(
      /Python component "hello-backend" \(hello\.backend\.Missing\) exited with code 2: could not import hello\.backend\.Missing:[\s\S]*AttributeError: module 'hello\.backend' has no attribute 'Missing'/,
    );
  });
});
