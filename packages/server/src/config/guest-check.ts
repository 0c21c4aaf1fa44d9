/**
 * What `interchange check` and node start verify for guest workers: that each `executable` exists,
 * looked up as the guest will be started (workers/guest-executable.ts: the guest's working
 * directory, then the node's PATH). Crossbar refuses to start a node whose guest executable it
 * cannot find; a node that started without it would only log the same failure again and again.
 * An executable that disappears after start is the guest's own business: it is restarted with
 * backoff and each failed start is logged (workers/guest-worker.ts).
 */
import { stat } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { findGuestExecutable } from '../workers/guest-executable.js';
import { type ConfigIssue, formatPath } from './config-issues.js';
import type { NodeConfig } from './config-schema.js';

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The guests whose executable is found nowhere; `resolve` resolves paths against the cbdir.
 *
 * @param searchPath the node's PATH (a parameter for tests)
 */
export async function checkGuestExecutables(
  config: NodeConfig,
  resolve: (path: string) => string,
  searchPath: string = process.env.PATH ?? '',
): Promise<ConfigIssue[]> {
  const issues: ConfigIssue[] = [];
  for (const [w, worker] of config.workers.entries()) {
    if (worker.type !== 'guest') continue;
    const workdir = resolve(worker.options?.workdir ?? '.');
    // A missing working directory is reported on `options.workdir` already.
    if (!(await isDirectory(workdir))) continue;
    const { executable } = worker;
    if ((await findGuestExecutable(executable, workdir, searchPath)) !== undefined) continue;
    const id = worker.id ?? `worker${w}`;
    const where = executable.includes('/')
      ? `no executable file ${resolvePath(workdir, executable)} (a path with a slash is taken relative to the guest's working directory)`
      : `no executable "${executable}" in the guest's working directory ${workdir} nor on the node's PATH (${searchPath === '' ? 'empty' : searchPath})`;
    issues.push({
      path: formatPath(['workers', w, 'executable']),
      message: `guest "${id}" cannot be started: ${where}; install it or give its path`,
      kind: 'invalid',
    });
  }
  return issues;
}
