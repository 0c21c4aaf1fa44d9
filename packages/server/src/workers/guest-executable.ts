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
 * Where `executable` is found, or undefined when it is found nowhere: neither as a file relative
 * to `workdir` nor (for a bare name) on `searchPath`. Crossbar refuses such a guest at start;
 * config/guest-check.ts does so too.
 *
 * @param searchPath the node's PATH (a parameter for tests)
 * @example
 * await findGuestExecutable('python', '/srv/app') // '/usr/bin/python' when only the node's PATH has it
 */
export async function findGuestExecutable(
  executable: string,
  workdir: string,
  searchPath: string = process.env.PATH ?? '',
): Promise<string | undefined> {
  const inWorkdir = resolveInCbdir(workdir, executable);
  if (await isExecutableFile(inWorkdir)) return inWorkdir;
  if (executable.includes('/')) return undefined;
  for (const directory of searchPath.split(delimiter)) {
    if (directory === '') continue;
    const candidate = join(directory, executable);
    if (await isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The path to spawn for `executable`. Found at start (the config check makes sure) but gone since:
 * the workdir-relative path for a name with a slash, else the bare name, so that spawning fails
 * with ENOENT and the guest's usual "could not be started" log and restart with backoff apply.
 *
 * @param searchPath the node's PATH (a parameter for tests)
 */
export async function resolveGuestExecutable(
  executable: string,
  workdir: string,
  searchPath: string = process.env.PATH ?? '',
): Promise<string> {
  const found = await findGuestExecutable(executable, workdir, searchPath);
  if (found !== undefined) return found;
  return executable.includes('/') ? resolveInCbdir(workdir, executable) : executable;
}
