/**
 * Where a guest worker's `executable` is, found as Crossbar finds it: first as a path relative to
 * the guest's working directory, then (for a bare name) on the node's own PATH. The lookup must not
 * use the guest's environment: with `env.inherit: false` that environment has no PATH at all, and
 * a config such as `"executable": "python"` with `"env": {"inherit": false, "vars": {...}}` is
 * meant to run the `python` the node's user would run.
 */
import { constants as fsConstants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { resolveInCbdir } from '../config/validate-config.js';

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isFile()) return false;
    await access(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The path to spawn for `executable`. Not found anywhere: the workdir-relative path for a name with
 * a slash, else the bare name, so that spawning fails with ENOENT and the guest's usual
 * "could not be started" log and restart apply.
 *
 * @param searchPath the node's PATH (a parameter for tests)
 * @example
 * await resolveGuestExecutable('python', '/srv/app') // '/usr/bin/python' when only the node's PATH has it
 */
export async function resolveGuestExecutable(
  executable: string,
  workdir: string,
  searchPath: string = process.env.PATH ?? '',
): Promise<string> {
  const inWorkdir = resolveInCbdir(workdir, executable);
  if (await isExecutableFile(inWorkdir)) return inWorkdir;
  if (executable.includes('/')) return inWorkdir;
  for (const directory of searchPath.split(delimiter)) {
    if (directory === '') continue;
    const candidate = join(directory, executable);
    if (await isExecutableFile(candidate)) return candidate;
  }
  return executable;
}
