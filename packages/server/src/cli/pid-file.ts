/**
 * The node's PID file, `node.pid` in the cbdir, as Crossbar keeps it: JSON `{"pid", "argv",
 * "options"}`, written by `start` and removed when the node exits. `status` and `stop` find the
 * running node through it; a file naming a process that no longer exists is stale and removed.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The PID file's name in the cbdir. */
export const PID_FILE_NAME = 'node.pid';

/** What the PID file holds. */
export interface PidData {
  pid: number;
  argv: string[];
  options: Record<string, unknown>;
}

/** Whether a process exists (signal 0 probes without sending anything). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The path of the PID file of a cbdir. */
export function pidFilePath(cbdir: string): string {
  return join(cbdir, PID_FILE_NAME);
}

/**
 * The node running from a cbdir, or undefined. A corrupt file, or one naming a dead process or
 * this very process, is removed.
 */
export async function runningNode(cbdir: string): Promise<PidData | undefined> {
  const file = pidFilePath(cbdir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  let data: Partial<PidData> | undefined;
  try {
    data = JSON.parse(text) as Partial<PidData>;
  } catch {
    data = undefined;
  }
  const pid = data?.pid;
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0 || pid === process.pid || !processExists(pid)) {
    await rm(file, { force: true });
    return undefined;
  }
  return { pid, argv: Array.isArray(data?.argv) ? data.argv : [], options: data?.options ?? {} };
}

/** Writes the PID file of this process. */
export async function writePidFile(cbdir: string, data: Omit<PidData, 'pid'>): Promise<void> {
  const body: PidData = { pid: process.pid, ...data };
  await writeFile(pidFilePath(cbdir), `${JSON.stringify(body, null, 4)}\n`, 'utf8');
}

/** Removes the PID file if it is this process's. */
export async function removePidFile(cbdir: string): Promise<void> {
  try {
    const data = JSON.parse(await readFile(pidFilePath(cbdir), 'utf8')) as Partial<PidData>;
    if (data.pid !== process.pid) return;
  } catch {
    return;
  }
  await rm(pidFilePath(cbdir), { force: true });
}
