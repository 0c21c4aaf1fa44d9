/**
 * The node's PID file, `node.pid` in the cbdir, as Crossbar keeps it: JSON `{"pid", "argv",
 * "options"}`, written by `start` and removed when the node exits, plus `started`, the process's
 * start time (process-identity.ts), so that a PID the kernel has since given to another process
 * is not taken for the node. `status` and `stop` find the running node through it; a file
 * naming a process that no longer exists, or another process under the same PID, is stale and
 * removed.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { identityOf, isRunning, thisProcess } from './process-identity.js';

export { processExists } from './process-identity.js';

/** The PID file's name in the cbdir. */
export const PID_FILE_NAME = 'node.pid';

/** What the PID file holds. */
export interface PidData {
  pid: number;
  /** When the process started (process-identity.ts); absent where the system does not tell. */
  started?: string | undefined;
  argv: string[];
  options: Record<string, unknown>;
}

/** The path of the PID file of a cbdir. */
export function pidFilePath(cbdir: string): string {
  return join(cbdir, PID_FILE_NAME);
}

/**
 * The node running from a cbdir, or undefined. A corrupt file, or one naming a dead process, a
 * process that started at another time than the file says (its PID reused), or this very
 * process, is removed.
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
  const owner = identityOf(data);
  if (owner === undefined || owner.pid === process.pid || !isRunning(owner)) {
    await rm(file, { force: true });
    return undefined;
  }
  return {
    pid: owner.pid,
    started: owner.started,
    argv: Array.isArray(data?.argv) ? data.argv : [],
    options: data?.options ?? {},
  };
}

/** Writes the PID file of this process. */
export async function writePidFile(cbdir: string, data: Omit<PidData, 'pid' | 'started'>): Promise<void> {
  const body: PidData = { ...thisProcess(), ...data };
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
