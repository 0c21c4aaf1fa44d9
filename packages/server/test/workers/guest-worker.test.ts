import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processExists } from '../../src/cli/pid-file.js';
import { InterchangeNode } from '../../src/node.js';
import { guestEnvironment } from '../../src/workers/guest-worker.js';
import { tempDir } from '../helpers.js';
import { recordingLogger } from '../support/recording.js';

describe('guest workers', () => {
  it('runs the executable with arguments, working directory and environment, logs its lines prefixed, and restarts it', async () => {
    const cbdir = await tempDir();
    await mkdir(join(cbdir, 'app'));
    await writeFile(
      join(cbdir, 'app', 'guest.cjs'),
      `console.log('hello from', process.argv[2], 'in', require('path').basename(process.cwd()));
       console.log('GREETING=' + process.env.GREETING + ' HOME=' + process.env.HOME);
       console.error('a warning');
       process.exit(3);`,
    );
    const config = {
      version: 2,
      workers: [
        {
          type: 'guest',
          id: 'backend',
          executable: process.execPath,
          arguments: ['guest.cjs', 'the guest'],
          options: { workdir: 'app', env: { inherit: ['PATH'], vars: { GREETING: 'hi' } }, restart_delay: 20 },
        },
      ],
    };
    const log = recordingLogger();
    const node = await InterchangeNode.start({ config, cbdir, logger: log.logger });
    try {
      await log.waitFor((e) => e.msg === '[backend] hello from the guest in app');
      await log.waitFor((e) => e.msg === '[backend] GREETING=hi HOME=undefined');
      const warning = await log.waitFor((e) => e.msg === '[backend] a warning');
      expect(warning).toMatchObject({ level: 'warn', obj: { worker: 'backend', stream: 'stderr' } });
      const exit = await log.waitFor((e) => /exited with code 3; restarting in 20 ms/.test(e.msg ?? ''));
      expect(exit.obj).toMatchObject({ code: 3, restartInMs: 20 });
      // The second run's exit doubles the delay.
      await log.waitFor((e) => /exited with code 3; restarting in 40 ms/.test(e.msg ?? ''));
      expect(node.guests[0]!.starts).toBeGreaterThanOrEqual(2);
    } finally {
      await node.stop({ timeoutMs: 1000 });
    }
  });

  it('stops a running guest with the node', async () => {
    const cbdir = await tempDir();
    const config = {
      version: 2,
      workers: [
        {
          type: 'guest',
          executable: process.execPath,
          arguments: ['-e', "setInterval(() => {}, 1000); console.log('up')"],
        },
      ],
    };
    const log = recordingLogger();
    const node = await InterchangeNode.start({ config, cbdir, logger: log.logger });
    await log.waitFor((e) => e.msg === '[worker0] up');
    const pid = node.guests[0]!.pid!;
    expect(processExists(pid)).toBe(true);
    await node.stop({ timeoutMs: 2000 });
    expect(processExists(pid)).toBe(false);
    expect(log.entries.some((e) => e.msg === '[worker0] stopped')).toBe(true);
  });

  it('inherits all, some or none of the environment', () => {
    const parent = { PATH: '/bin', HOME: '/root', SECRET: 'x' };
    const base = { type: 'guest' as const, executable: 'x', arguments: [] };
    expect(guestEnvironment(base, parent)).toEqual(parent);
    expect(guestEnvironment({ ...base, options: { env: { inherit: false, vars: { A: '1' } } } }, parent)).toEqual({
      A: '1',
    });
    expect(guestEnvironment({ ...base, options: { env: { inherit: ['PATH', 'NOPE'] } } }, parent)).toEqual({
      PATH: '/bin',
    });
  });
});
