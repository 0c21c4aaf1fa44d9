/**
 * The CLI commands that manage a node directory rather than run a node: `status` and `stop`
 * (through the PID file `start` writes), `convert` (JSON ↔ YAML) and `keys` (the node's Ed25519
 * key), mirroring Crossbar's commands of the same names.
 */
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConfigError, formatIssue } from '../config/config-issues.js';
import { DEFAULT_CBDIR, locateConfig } from '../config/load-config.js';
import { ensureNodeKey, NODE_KEY_FILES } from '../node-key.js';
import { convertConfigFile } from './convert-command.js';
import { runningNode } from './pid-file.js';
import { isRunning, type ProcessIdentity } from './process-identity.js';
import { liveStatus } from './status-report.js';

/** Where the commands write. */
export interface CommandIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  cwd: string;
}

/** Options the commands take. */
export interface NodeCommandOptions {
  config?: string | undefined;
  cbdir?: string | undefined;
  assert?: string | undefined;
  timeout?: string | undefined;
  private?: boolean | undefined;
  'node-id'?: string | undefined;
  workers?: string | undefined;
  /** `start`: Crossbar's log flags (see `node-logger.ts`). */
  loglevel?: string | undefined;
  logformat?: string | undefined;
  color?: string | undefined;
}

/** The node directory: `--cbdir`, else the directory of `--config`, else `.interchange`. */
export function cbdirOf(options: NodeCommandOptions, cwd: string): string {
  if (options.cbdir !== undefined) return resolve(cwd, options.cbdir);
  if (options.config !== undefined) return dirname(resolve(cwd, options.config));
  return resolve(cwd, DEFAULT_CBDIR);
}

/**
 * `status [--assert running|stopped]`: whether a node runs from the cbdir and, when it does, its
 * live figures (sessions, message rates, traffic, memory) through its control socket. 0, or 1
 * when the asserted state does not hold.
 */
export async function statusCommand(options: NodeCommandOptions, io: CommandIo): Promise<number> {
  const cbdir = cbdirOf(options, io.cwd);
  const node = await runningNode(cbdir);
  const state = node === undefined ? 'stopped' : 'running';
  io.stdout.write(
    node === undefined
      ? `stopped (no node running from ${cbdir})\n`
      : `running (PID ${node.pid}, node directory ${cbdir})\n`,
  );
  if (node !== undefined && options.assert === undefined) {
    const figures = await liveStatus(cbdir);
    io.stdout.write(figures ?? 'no figures: the node does not answer on its control socket (node.sock)\n');
  }
  if (options.assert !== undefined && options.assert !== state) {
    io.stderr.write(`interchange status: asserted ${options.assert}, but the node is ${state}\n`);
    return 1;
  }
  return 0;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits up to `ms` for a process to exit; true when it did (its PID may be another's by then). */
async function waitForExit(node: ProcessIdentity, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isRunning(node)) {
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
  return true;
}

/**
 * `stop [--timeout SECONDS]`: SIGTERM to the node running from the cbdir (an orderly stop: GOODBYE
 * to every session), SIGKILL if it has not exited after the timeout (default 10 s). 1 when no
 * node runs there.
 */
export async function stopCommand(options: NodeCommandOptions, io: CommandIo): Promise<number> {
  const cbdir = cbdirOf(options, io.cwd);
  const timeoutSeconds = options.timeout === undefined ? 10 : Number(options.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds < 0) {
    io.stderr.write(`interchange stop: --timeout must be a number of seconds, got ${options.timeout}\n`);
    return 2;
  }
  const node = await runningNode(cbdir);
  if (node === undefined) {
    io.stderr.write(`interchange stop: no node is running from ${cbdir}\n`);
    return 1;
  }
  io.stdout.write(`stopping the node running from ${cbdir} (PID ${node.pid}) ...\n`);
  try {
    process.kill(node.pid, 'SIGTERM');
  } catch (error) {
    io.stderr.write(`interchange stop: cannot signal PID ${node.pid}: ${(error as Error).message}\n`);
    return 1;
  }
  if (await waitForExit(node, timeoutSeconds * 1000)) {
    io.stdout.write(`PID ${node.pid} exited\n`);
    return 0;
  }
  io.stdout.write(`PID ${node.pid} still running after ${timeoutSeconds} s; sending SIGKILL\n`);
  try {
    process.kill(node.pid, 'SIGKILL');
  } catch {
    // It exited in the meantime.
  }
  await waitForExit(node, 5000);
  return 0;
}

/** `convert`: writes config.yaml from config.json, or the reverse. */
export async function convertCommand(options: NodeCommandOptions, io: CommandIo): Promise<number> {
  try {
    const { file } = await locateConfig({ config: options.config, cbdir: options.cbdir, cwd: io.cwd });
    const result = await convertConfigFile(file);
    if (!result.ok) {
      io.stderr.write(`interchange convert: ${result.error}\n`);
      return 1;
    }
    io.stdout.write(`converted ${result.from} to ${result.to}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr.write(`interchange convert: ${error.issues.map(formatIssue).join('; ')}\n`);
    return 1;
  }
}

/** `keys [--private]`: shows the node's public key (and with `--private` the private one), creating the key pair on first use. */
export async function keysCommand(options: NodeCommandOptions, io: CommandIo): Promise<number> {
  const cbdir = cbdirOf(options, io.cwd);
  const info = await stat(cbdir).catch(() => undefined);
  if (!info?.isDirectory()) {
    io.stderr.write(`interchange keys: node directory ${cbdir} does not exist (run "interchange init" first)\n`);
    return 1;
  }
  let result: Awaited<ReturnType<typeof ensureNodeKey>>;
  try {
    result = await ensureNodeKey(cbdir);
  } catch (error) {
    io.stderr.write(`interchange keys: ${(error as Error).message}\n`);
    return 1;
  }
  if (result.created)
    io.stdout.write(`created ${resolve(cbdir, NODE_KEY_FILES.public)} and ${resolve(cbdir, NODE_KEY_FILES.private)}\n`);
  io.stdout.write(`public-key-ed25519: ${result.key.publicKey}\n`);
  if (options.private === true) {
    if (result.key.privateKey === undefined) {
      io.stderr.write(`interchange keys: no ${NODE_KEY_FILES.private} in ${cbdir}\n`);
      return 1;
    }
    io.stdout.write(`private-key-ed25519: ${result.key.privateKey}\n`);
  }
  return 0;
}
