import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import { resolveGuestExecutable } from '../../src/workers/guest-executable.js';
import { tempDir } from '../helpers.js';
import { recordingLogger } from '../support/recording.js';

/** A shell script `name` in a new directory, printing `text`. */
async function scriptIn(name: string, text: string): Promise<string> {
  const dir = await tempDir();
  const file = join(dir, name);
  await writeFile(file, `#!/bin/sh\necho "${text}"\n`);
  await chmod(file, 0o755);
  return dir;
}

describe('guest executable lookup (as Crossbar: the workdir, then the node PATH)', () => {
  const savedPath = process.env.PATH;
  afterEach(() => {
    process.env.PATH = savedPath;
  });

  it('starts a bare executable name found only on the node PATH when the guest inherits no environment', async () => {
    // Crossbar's reactjs example: "executable": "python" with "env": {"inherit": false, "vars": {...}}.
    const bin = await scriptIn('interchange-test-guest', 'guest ran');
    process.env.PATH = `${bin}${delimiter}${savedPath ?? ''}`;
    const config = {
      version: 2,
      workers: [
        {
          type: 'guest',
          id: 'netmonitor',
          executable: 'interchange-test-guest',
          options: { env: { inherit: false, vars: { WS: 'ws://localhost:8080/ws' } }, restart_delay: 10_000 },
        },
      ],
    };
    const log = recordingLogger();
    const node = await InterchangeNode.start({ config, cbdir: await tempDir(), logger: log.logger });
    try {
      await log.waitFor((e) => e.msg === '[netmonitor] guest ran');
      expect(log.entries.some((e) => /could not be started/.test(e.msg ?? ''))).toBe(false);
    } finally {
      await node.stop({ timeoutMs: 1000 });
    }
  });

  it('prefers a file of that name in the working directory', async () => {
    const cbdir = await tempDir();
    await mkdir(join(cbdir, 'app'));
    await writeFile(join(cbdir, 'app', 'tool'), '#!/bin/sh\necho local\n');
    await chmod(join(cbdir, 'app', 'tool'), 0o755);
    const elsewhere = await scriptIn('tool', 'on path');
    expect(await resolveGuestExecutable('tool', join(cbdir, 'app'), elsewhere)).toBe(join(cbdir, 'app', 'tool'));
    expect(await resolveGuestExecutable('tool', cbdir, elsewhere)).toBe(join(elsewhere, 'tool'));
  });

  it('leaves a name found nowhere as it is, so spawning reports ENOENT', async () => {
    const dir = await tempDir();
    expect(await resolveGuestExecutable('no-such-program-anywhere', dir, dir)).toBe('no-such-program-anywhere');
    expect(await resolveGuestExecutable('./bin/missing', dir, dir)).toBe(join(dir, 'bin', 'missing'));
  });
});
