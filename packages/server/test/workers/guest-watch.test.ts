/**
 * Guest `watch`: a change under a watched directory restarts the guest (Crossbar's
 * `{"directories": [...], "action": "restart"}`).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate-config.js';
import { InterchangeNode } from '../../src/node.js';
import { tempDir } from '../helpers.js';
import { recordingLogger } from '../support/recording.js';

function guestConfig(watch: Record<string, unknown>) {
  return {
    version: 2,
    workers: [
      {
        type: 'guest',
        id: 'app',
        executable: process.execPath,
        arguments: ['-e', 'console.log("guest running"); setInterval(() => {}, 1000);'],
        options: { watch },
      },
    ],
  };
}

describe('guest watch', () => {
  it('restarts the guest when a file under a watched directory changes', async () => {
    const cbdir = await tempDir();
    await mkdir(join(cbdir, 'backend', 'lib'), { recursive: true });
    const log = recordingLogger();
    const node = await InterchangeNode.start({
      config: guestConfig({ directories: ['backend'], action: 'restart', timeout: 0.05 }),
      cbdir,
      logger: log.logger,
    });
    try {
      await log.waitFor((e) => e.msg === '[app] guest running');
      const firstPid = node.guests[0]?.pid;
      await writeFile(join(cbdir, 'backend', 'lib', 'code.js'), '// changed');
      await log.waitFor((e) => /\[app\] .*code\.js changed; restarting in 50 ms/.test(e.msg ?? ''));
      await log.waitFor((e) => /\[app\] was killed by SIGTERM; restarting \(watched file changed\)/.test(e.msg ?? ''));
      await log.waitFor(() => node.guests[0]?.starts === 2 && node.guests[0]?.pid !== undefined);
      expect(node.guests[0]?.pid).not.toBe(firstPid);
    } finally {
      await node.stop();
    }
  });

  it('reports a watched directory that does not exist', async () => {
    const cbdir = await tempDir();
    const result = await validateConfig(guestConfig({ directories: ['nope'], action: 'restart' }), { cbdir });
    expect(result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      `workers[0].options.watch.directories[0]: directory not found: ${join(cbdir, 'nope')}`,
    ]);
  });
});
