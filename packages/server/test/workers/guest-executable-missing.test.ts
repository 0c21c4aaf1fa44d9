/**
 * A guest whose executable exists nowhere is refused by `check` and `start`, as Crossbar refuses
 * it; one that disappears after start is restarted with backoff, each failed start logged.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { InterchangeNode } from '../../src/node.js';
import { tempDir } from '../helpers.js';
import { recordingLogger } from '../support/recording.js';

const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const MISSING = 'interchange-test-no-such-guest';

/** A node directory `.crossbar` with a config in Crossbar's format: a router, then three guests. */
async function crossbarNode(): Promise<{ cwd: string; cbdir: string }> {
  const cwd = await tempDir();
  const cbdir = join(cwd, '.crossbar');
  await mkdir(join(cbdir, 'app'), { recursive: true });
  const config = {
    version: 2,
    controller: {},
    workers: [
      {
        type: 'router',
        realms: [
          {
            name: 'realm1',
            roles: [
              {
                name: 'anonymous',
                permissions: [
                  {
                    uri: '',
                    match: 'prefix',
                    allow: { call: true, register: true, publish: true, subscribe: true },
                    disclose: { caller: false, publisher: false },
                    cache: true,
                  },
                ],
              },
            ],
          },
        ],
        transports: [{ type: 'websocket', endpoint: { type: 'tcp', port: 0, interface: '127.0.0.1' } }],
      },
      // Found on the node's PATH although the guest inherits no environment (as Crossbar).
      { type: 'guest', executable: 'sh', arguments: ['-c', 'sleep 60'], options: { env: { inherit: false } } },
      { type: 'guest', executable: MISSING, arguments: ['-S', '127.0.0.1:8000'], options: { workdir: 'app' } },
      { type: 'guest', id: 'tool', executable: './bin/tool', options: { workdir: 'app' } },
    ],
  };
  await writeFile(join(cbdir, 'config.json'), JSON.stringify(config, null, 2));
  return { cwd, cbdir };
}

function expectedProblems(cbdir: string): string[] {
  const app = join(cbdir, 'app');
  return [
    `workers[2].executable: guest "worker2" cannot be started: no executable "${MISSING}" in the guest's working directory ${app} nor on the node's PATH (${process.env.PATH}); install it or give its path`,
    `workers[3].executable: guest "tool" cannot be started: no executable file ${join(app, 'bin', 'tool')} (a path with a slash is taken relative to the guest's working directory); install it or give its path`,
  ];
}

describe('a guest executable found nowhere', () => {
  it('is reported by check with its key, the name and where it was looked for', async () => {
    const { cwd, cbdir } = await crossbarNode();
    let stdout = '';
    let stderr = '';
    const code = await runCli(['check', '--cbdir', '.crossbar'], {
      cwd,
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      waitForStop: () => Promise.reject(new Error('start was not expected here')),
    });
    expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
    expect(stderr.trimEnd().split('\n').slice(1)).toEqual(expectedProblems(cbdir).map((line) => `  ${line}`));
  });

  it('makes start exit non-zero before anything listens or runs', async () => {
    const { cwd, cbdir } = await crossbarNode();
    const child = spawn(process.execPath, [CLI, 'start', '--cbdir', '.crossbar'], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
    expect(code).not.toBe(0);
    for (const problem of expectedProblems(cbdir)) expect(stdout + stderr).toContain(problem);
    // Not half a node: no listener was opened and no guest was started.
    expect(stdout + stderr).not.toMatch(/transport listening|\] started/);
  });
});

describe('a guest executable that disappears after start', () => {
  it('is restarted with backoff, each failed start logged', async () => {
    const cbdir = await tempDir();
    // The program deletes itself: present when the node starts, gone for the restart.
    await writeFile(join(cbdir, 'once.sh'), '#!/bin/sh\nrm "$0"\necho ran once\nexit 3\n');
    await chmod(join(cbdir, 'once.sh'), 0o755);
    const config = {
      version: 2,
      workers: [{ type: 'guest', id: 'once', executable: './once.sh', options: { restart_delay: 10 } }],
    };
    const log = recordingLogger();
    const node = await InterchangeNode.start({ config, cbdir, logger: log.logger });
    try {
      await log.waitFor((e) => e.msg === '[once] ran once');
      await log.waitFor((e) => e.msg === '[once] exited with code 3; restarting in 10 ms');
      await log.waitFor((e) => e.level === 'error' && /^\[once\] could not be started: .*ENOENT/.test(e.msg ?? ''));
      await log.waitFor((e) => /^\[once\] .*; restarting in 20 ms$/.test(e.msg ?? ''));
      await log.waitFor((e) => /^\[once\] .*; restarting in 40 ms$/.test(e.msg ?? ''));
      expect(log.entries.filter((e) => e.msg === '[once] ran once')).toHaveLength(1);
    } finally {
      await node.stop({ timeoutMs: 1000 });
    }
  });
});
