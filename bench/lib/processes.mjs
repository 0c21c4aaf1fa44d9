/**
 * Child processes of a run: routers pinned to the router core, load agents to the load core
 * (`taskset`), each with an IPC channel. Every child is tracked and killed when the run ends, on
 * success, error, Ctrl-C or an uncaught exception, so nothing outlives a run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

const children = new Set();

/** Whether processes can be pinned: `taskset` exists and there are two cores or more. */
export const canPin = availableParallelism() >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;

/** Kills every child still running (SIGKILL: a router that hangs must not hold up the end of a run). */
export function killAll() {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  children.clear();
}

process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

/**
 * Starts `node <script> ...args` (or another runtime: `execPath`) pinned to `core` (when pinning is possible), with IPC.
 * The child's stderr is kept (last 4 kB) for error reports.
 */
export function spawnNode(script, args, { core, execArgv = [], cwd, execPath = process.execPath } = {}) {
  const command = canPin ? 'taskset' : execPath;
  const argv = [...execArgv, script, ...args];
  const child = spawn(command, canPin ? ['-c', String(core), execPath, ...argv] : argv, {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    cwd,
  });
  children.add(child);
  child.stderrTail = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text) => {
    child.stderrTail = (child.stderrTail + text).slice(-4096);
  });
  child.exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      child.exitStatus = signal ?? code;
      resolve(child.exitStatus);
    });
  });
  return child;
}

/**
 * The next IPC message of one of `types` from `child`; rejects on a `failed` or `error` message,
 * if the child exits first, or after `timeoutMs`.
 */
export function nextMessage(child, types, timeoutMs) {
  return new Promise((resolve, reject) => {
    const done = (fn, value) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      fn(value);
    };
    const onMessage = (message) => {
      if (message?.type === 'failed' || message?.type === 'error') done(reject, new Error(firstLines(message.message)));
      else if (types.includes(message?.type)) done(resolve, message);
    };
    const onExit = (code, signal) => {
      const tail = child.stderrTail.trim().split('\n').slice(-6).join('\n');
      done(reject, new Error(`process exited (${signal ?? code}) before answering${tail ? `: ${tail}` : ''}`));
    };
    const timer = setTimeout(
      () => done(reject, new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)),
      timeoutMs,
    );
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Sends `message` and waits for the answer. */
export function request(child, message, types, timeoutMs) {
  const answer = nextMessage(child, types, timeoutMs);
  child.send(message);
  return answer;
}

/** Stops a child: asks it to exit (so profiles are written), then kills it after `graceMs`. */
export async function stop(child, graceMs = 2000) {
  if (child === undefined || child.exitStatus !== undefined) return;
  try {
    if (child.connected) child.send({ type: 'exit' });
  } catch {
    // channel already closed
  }
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await child.exited;
  clearTimeout(timer);
}

function firstLines(text) {
  return String(text).split('\n').slice(0, 4).join('\n');
}
