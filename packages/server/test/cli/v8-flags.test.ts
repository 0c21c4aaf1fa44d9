/**
 * The `interchange` command runs with V8's allocation-site pretenuring off (bin/v8-flags.js,
 * docs/profiling.md "Allocation-site pretenuring"), unless `INTERCHANGE_PRETENURING=on`. Told
 * apart by V8's own trace of its pretenuring decisions, which a process with the feature off
 * never prints: a script that keeps many objects from one allocation site, the kind V8 decides to
 * pretenure, run behind the same file the command loads first.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const V8_FLAGS = fileURLToPath(new URL('../../bin/v8-flags.js', import.meta.url));
const KEEP_OBJECTS =
  'const keep = []; for (let i = 0; i < 2e6; i++) keep.push({ a: i, b: [i] }); console.log(keep.length);';

/** V8's pretenuring trace lines of the script, run as the command runs, with `env` added. */
async function pretenuringTrace(env: Record<string, string>): Promise<string[]> {
  const { INTERCHANGE_PRETENURING: _, ...inherited } = process.env;
  const { stdout } = await run(
    process.execPath,
    ['--import', V8_FLAGS, '--trace-pretenuring-statistics', '-e', KEEP_OBJECTS],
    { env: { ...inherited, ...env }, maxBuffer: 16 << 20 },
  );
  return stdout.split('\n').filter((line) => line.includes('pretenuring:'));
}

describe('bin/v8-flags.js', () => {
  it('turns allocation-site pretenuring off', async () => {
    expect(await pretenuringTrace({})).toEqual([]);
  });

  it('leaves it on with INTERCHANGE_PRETENURING=on', async () => {
    expect((await pretenuringTrace({ INTERCHANGE_PRETENURING: 'on' })).length).toBeGreaterThan(0);
  });
});
