/**
 * Which process a PID file or a lock file names. A PID alone does not say it: after the process
 * is gone, the kernel hands its PID to another one (soon, on a busy machine or in a container,
 * where a node is PID 1 at every start), and a file naming that PID would then seem held by a
 * live process for ever. So the files record the process's start time with its PID, and a
 * process counts as the one named only if both match.
 *
 * The start time is Linux's: field 22 of `/proc/PID/stat` (`starttime`, clock ticks since boot,
 * see proc(5)), prefixed with the boot ID (`/proc/sys/kernel/random/boot_id`) since ticks start
 * again at each boot. Where there is no `/proc` (macOS, Windows) nothing is recorded, and the PID
 * is all there is to go by.
 */
import { readFileSync } from 'node:fs';

/** A process as a file names it: its PID and, where known, when it started. */
export interface ProcessIdentity {
  readonly pid: number;
  /** `<boot id>:<start time in clock ticks>`, or undefined where the system does not tell. */
  readonly started?: string | undefined;
}

/** Whether a process with this PID exists (signal 0 probes without sending anything). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let bootId: string | null | undefined;

function currentBootId(): string | undefined {
  if (bootId === undefined) {
    try {
      bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      bootId = null;
    }
  }
  return bootId ?? undefined;
}

/** When process `pid` started, as {@link ProcessIdentity.started} records it; undefined if unknown. */
export function processStarted(pid: number): string | undefined {
  const boot = currentBootId();
  if (boot === undefined) return undefined;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Field 2, the command name in parentheses, may itself hold spaces and parentheses: count
  // the fields after its last ')', where field 3 (the state) comes first.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const starttime = fields[22 - 3];
  return starttime !== undefined && /^\d+$/.test(starttime) ? `${boot}:${starttime}` : undefined;
}

/** This process, to be written into a PID or lock file. */
export function thisProcess(): ProcessIdentity {
  return { pid: process.pid, started: processStarted(process.pid) };
}

/**
 * Whether the process a file names still runs: a process with its PID exists and, when the file
 * recorded a start time and the system tells the current one, started at that time. A file
 * without a start time (written on a system without `/proc`, or by an older version) is judged
 * by its PID alone.
 */
export function isRunning(identity: ProcessIdentity): boolean {
  if (!processExists(identity.pid)) return false;
  if (identity.started === undefined) return true;
  const started = processStarted(identity.pid);
  return started === undefined || started === identity.started;
}

/** The identity a parsed file holds, or undefined when its `pid` is not a positive integer. */
export function identityOf(data: unknown): ProcessIdentity | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const { pid, started } = data as { pid?: unknown; started?: unknown };
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return undefined;
  return { pid, started: typeof started === 'string' ? started : undefined };
}
