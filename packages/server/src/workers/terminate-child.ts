/**
 * The end of a supervised child process (guest workers, hosted Python components, the Python
 * hosts of `wsgi`/`resource` paths and auth functions): SIGTERM, so that it can leave in order,
 * then SIGKILL if it is still there after the grace period.
 */
import type { ChildProcess } from 'node:child_process';

/**
 * Ends `child` and resolves once `exited` (the supervisor's promise of its exit) has settled; at
 * once when there is no child or it has exited already.
 */
export async function terminateChild(
  child: ChildProcess | undefined,
  exited: Promise<unknown> | undefined,
  graceMs: number,
): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
