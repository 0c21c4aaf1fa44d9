import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CliIo, runCli } from '../../src/cli/run-cli.js';
import { validateConfig } from '../../src/config/validate-config.js';
import { InterchangeNode } from '../../src/node.js';
import { ShutdownTriggers } from '../../src/workers/shutdown-triggers.js';
import { LOCAL_ENDPOINT, tempDir } from '../helpers.js';
import { recordingLogger } from '../support/recording.js';

const exit = (code: number | null, restarting = true, worker = 'g1') => ({
  worker,
  code,
  signal: null,
  restarting,
});

describe('controller options.shutdown', () => {
  it('decides exit by exit as Crossbar does', () => {
    const any = new ShutdownTriggers(['shutdown_on_worker_exit'], { inProcess: 1, guests: 1 });
    expect(any.onWorkerExit(exit(0))).toEqual({ trigger: 'shutdown_on_worker_exit', worker: 'g1', error: false });

    const failed = new ShutdownTriggers(['shutdown_on_worker_exit_with_error'], { inProcess: 1, guests: 1 });
    expect(failed.onWorkerExit(exit(0))).toBeUndefined();
    expect(failed.onWorkerExit(exit(2))).toMatchObject({ trigger: 'shutdown_on_worker_exit_with_error', error: true });
    expect(failed.onWorkerExit({ ...exit(null), signal: 'SIGKILL' })).toMatchObject({ error: true });

    const last = new ShutdownTriggers(['shutdown_on_last_worker_exit'], { inProcess: 0, guests: 2 });
    expect(last.onWorkerExit(exit(0, false, 'a'))).toBeUndefined();
    expect(last.onWorkerExit(exit(1, true, 'b'))).toBeUndefined(); // restarted: still a running worker
    expect(last.onWorkerExit(exit(1, false, 'b'))).toMatchObject({
      trigger: 'shutdown_on_last_worker_exit',
      worker: 'b',
    });

    // Router workers run as long as the node: the last worker never exits.
    const withRouter = new ShutdownTriggers(['shutdown_on_last_worker_exit'], { inProcess: 1, guests: 1 });
    expect(withRouter.onWorkerExit(exit(0, false))).toBeUndefined();

    const requested = new ShutdownTriggers(['shutdown_on_shutdown_requested'], { inProcess: 1, guests: 1 });
    expect(requested.onWorkerExit(exit(1, false))).toBeUndefined();
    expect(new ShutdownTriggers(undefined, { inProcess: 0, guests: 1 }).onWorkerExit(exit(1, false))).toBeUndefined();
  });

  it("accepts Crossbar's values, one or a list, and names the key of a wrong one", async () => {
    const withShutdown = (shutdown: unknown) => ({ version: 2, controller: { options: { shutdown } }, workers: [] });
    const one = await validateConfig(withShutdown('shutdown_on_worker_exit'));
    expect(one.ok && one.config.controller?.options?.shutdown).toEqual(['shutdown_on_worker_exit']);
    const list = await validateConfig(withShutdown(['shutdown_on_shutdown_requested', 'shutdown_on_last_worker_exit']));
    expect(list.ok).toBe(true);
    const wrong = await validateConfig(withShutdown(['shutdown_on_sunday']));
    expect(wrong.ok ? [] : wrong.issues.map((i) => i.path)).toEqual(['controller.options.shutdown']);
  });

  it('a guest that fails stops the node with shutdown_on_worker_exit_with_error, and is not restarted', async () => {
    const cbdir = await tempDir();
    const config = {
      version: 2,
      controller: { options: { shutdown: ['shutdown_on_worker_exit_with_error'] } },
      workers: [
        { type: 'router', realms: [{ name: 'realm1' }], transports: [{ type: 'websocket', endpoint: LOCAL_ENDPOINT }] },
        { type: 'guest', id: 'job', executable: process.execPath, arguments: ['-e', 'process.exit(4)'] },
      ],
    };
    const log = recordingLogger();
    const node = await InterchangeNode.start({ config, cbdir, logger: log.logger });
    try {
      expect(await node.selfShutdown).toEqual({
        trigger: 'shutdown_on_worker_exit_with_error',
        worker: 'job',
        error: true,
      });
      await log.waitFor((e) => e.msg === 'node stopped');
      expect(node.guests[0]!.starts).toBe(1);
      expect(log.entries.some((e) => /restarting in/.test(e.msg ?? ''))).toBe(false);
    } finally {
      await node.stop();
    }
  });

  it('interchange start exits when the trigger fires: 1 after a failed worker; the controller names the process', async () => {
    const cwd = await tempDir();
    const config = {
      version: 2,
      controller: { id: 'node7', options: { title: 'interchange-node7', shutdown: 'shutdown_on_worker_exit' } },
      workers: [{ type: 'guest', executable: process.execPath, arguments: ['-e', 'process.exit(7)'] }],
    };
    await writeFile(join(cwd, 'config.json'), JSON.stringify(config));
    const log = recordingLogger();
    let stderr = '';
    const io: Partial<CliIo> = {
      cwd,
      stdout: { write: () => true },
      stderr: { write: (text: string) => (stderr += text) },
      createLogger: () => log.logger,
      // No signal comes: only the worker's exit can end `start`.
      waitForStop: () => new Promise<string>(() => {}),
    };
    const title = process.title;
    try {
      expect(await runCli(['start', '--config', 'config.json'], io)).toBe(1);
      // The controller's title names the process, its id is in the log.
      expect(process.title).toBe('interchange-node7');
    } finally {
      process.title = title;
    }
    expect(stderr).toBe('');
    expect(log.entries.find((e) => e.msg === 'starting node')?.obj).toMatchObject({ node: 'node7' });
    expect(log.entries.map((e) => e.msg)).toEqual(
      expect.arrayContaining(['worker worker0 exited: stopping the node (shutdown_on_worker_exit)', 'node stopped']),
    );
  });
});
