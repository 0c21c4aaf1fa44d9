/**
 * A router worker's `options.cpu_affinity`: pins the worker's process (all its threads, and so
 * the Python components it starts later) to CPUs, with `taskset` from util-linux. Node has no
 * sched_setaffinity of its own, and the npm packages that bind it are unmaintained native
 * addons; util-linux is on every Linux system.
 *
 * As in Crossbar, the numbers are positions in the list of CPUs the process may use when it
 * starts (`[0]` is the first allowed CPU, whatever its ID), so a config written for "the first
 * two cores" works inside a container or a `taskset` that allows others.
 */
import { execFile } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Why a worker could not be pinned; the node does not start then. */
export class CpuAffinityError extends Error {
  override readonly name = 'CpuAffinityError';
}

/** Parses a Linux CPU list such as `0-3,6,8-9`. */
export function parseCpuList(text: string): number[] {
  const cpus: number[] = [];
  for (const part of text.trim().split(',')) {
    if (part === '') continue;
    const [from, to] = part.split('-').map(Number) as [number, number | undefined];
    for (let cpu = from; cpu <= (to ?? from); cpu++) cpus.push(cpu);
  }
  return cpus;
}

/** The CPUs process `pid` may run on (`Cpus_allowed_list` of /proc/PID/status). */
export async function allowedCpus(pid: number | 'self' = 'self'): Promise<number[]> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const line = /^Cpus_allowed_list:\s*(.+)$/m.exec(status);
  if (line?.[1] === undefined) throw new CpuAffinityError(`no Cpus_allowed_list in /proc/${pid}/status`);
  return parseCpuList(line[1]);
}

/** Where `taskset` is: on PATH, or util-linux's usual places. */
async function findTaskset(): Promise<string | undefined> {
  const directories = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/bin'];
  for (const directory of directories) {
    if (directory === '') continue;
    const candidate = join(directory, 'taskset');
    try {
      await access(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Pins this process (every thread of it) to the CPUs at the positions `indices` of the CPUs it
 * may use now; resolves to the CPU IDs it is pinned to.
 *
 * @throws CpuAffinityError off Linux, without `taskset`, or for a position past the allowed CPUs.
 */
export async function pinThisProcess(indices: readonly number[], what: string): Promise<number[]> {
  if (process.platform !== 'linux') {
    throw new CpuAffinityError(`${what}: cpu_affinity is supported on Linux only (this is ${process.platform})`);
  }
  const allowed = await allowedCpus();
  const cpus = indices.map((index) => {
    const cpu = allowed[index];
    if (cpu === undefined) {
      throw new CpuAffinityError(
        `${what}: cpu_affinity [${indices.join(', ')}] names CPU position ${index}, but the node may use ` +
          `${allowed.length} CPU${allowed.length === 1 ? '' : 's'} (${allowed.join(', ')}); positions count from 0 in that list, as in Crossbar`,
      );
    }
    return cpu;
  });
  const taskset = await findTaskset();
  if (taskset === undefined) {
    throw new CpuAffinityError(
      `${what}: cpu_affinity needs the taskset command, which is not installed: install util-linux ` +
        '(Debian/Ubuntu: apt install util-linux), or remove cpu_affinity',
    );
  }
  try {
    await run(taskset, ['--all-tasks', '--cpu-list', '--pid', cpus.join(','), String(process.pid)]);
  } catch (error) {
    throw new CpuAffinityError(`${what}: taskset could not pin the process: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const now = await allowedCpus();
  if (now.join(',') !== [...new Set(cpus)].sort((a, b) => a - b).join(',')) {
    throw new CpuAffinityError(
      `${what}: after taskset the process may use CPUs ${now.join(', ')}, not ${cpus.join(', ')}`,
    );
  }
  return now;
}
