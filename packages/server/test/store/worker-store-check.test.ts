/**
 * `start --workers N` with a realm store of type lmdb is refused before any worker is forked:
 * each worker is a node of its own, and two nodes cannot share a store directory.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PID_FILE_NAME } from '../../src/cli/pid-file.js';
import { type CliIo, runCli } from '../../src/cli/run-cli.js';
import { tempDir } from '../helpers.js';
import { storeNodeConfig, writeNodeConfig } from './node-process.js';

describe('start --workers with an lmdb realm store', () => {
  it('is refused by name, with what to do instead, and starts nothing', async () => {
    const cbdir = join(await tempDir(), 'node');
    await writeNodeConfig(cbdir, storeNodeConfig({ type: 'lmdb', path: 'store' }));
    let stderr = '';
    const io: Partial<CliIo> = {
      cwd: cbdir,
      stdout: { write: () => true },
      stderr: { write: (text: string) => (stderr += text) },
      waitForStop: () => Promise.reject(new Error('the node must not start')),
    };
    expect(await runCli(['start', '--cbdir', cbdir, '--workers', '2'], io)).toBe(1);
    expect(stderr).toBe(
      `interchange: --workers 2 cannot run realm 'realm1' (path "store") with a store of type "lmdb": each worker process is a node of its own, and two nodes cannot share a store directory. Run one process (no --workers), or give the realm the memory store (docs/durability.md, "With a cluster")\n`,
    );
    await expect(readFile(join(cbdir, PID_FILE_NAME))).rejects.toThrow(/ENOENT/);
  });
});
