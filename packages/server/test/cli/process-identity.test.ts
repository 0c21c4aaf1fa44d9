/**
 * PID reuse: the node's PID file and a realm store's lock name a process by PID and start time,
 * so a file naming a live but unrelated process (its PID reused) is stale, while one naming the
 * process that wrote it still holds. The unrelated process is a child of the test (alive, with
 * a known PID) or the test runner itself, named with a start time it does not have.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PID_FILE_NAME, runningNode, writePidFile } from '../../src/cli/pid-file.js';
import { isRunning, processStarted } from '../../src/cli/process-identity.js';
import { lockStore, STORE_LOCK_NAME } from '../../src/store/store-lock.js';
import { tempDir } from '../helpers.js';

const linux = process.platform === 'linux';
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** A live process that is not a node: a Node child that waits. */
async function bystander(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  children.push(child);
  await new Promise((resolve) => child.once('spawn', resolve));
  return child;
}

describe.runIf(linux)('process identity', () => {
  it("reads a process's start time, and tells a reused PID from the process that wrote the file", async () => {
    const own = processStarted(process.pid);
    expect(own).toMatch(/^[0-9a-f-]{36}:\d+$/);
    expect(processStarted(process.pid)).toBe(own);
    const child = await bystander();
    const pid = child.pid as number;
    const started = processStarted(pid);
    expect(started).toMatch(/^[0-9a-f-]{36}:\d+$/);
    expect(isRunning({ pid, started })).toBe(true);
    expect(isRunning({ pid, started: `${started}1` })).toBe(false);
    // A file without a start time (another system, an older version) goes by the PID.
    expect(isRunning({ pid })).toBe(true);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    expect(isRunning({ pid, started })).toBe(false);
  });

  it('treats a PID file naming a live process with another start time as stale, and removes it', async () => {
    const cbdir = await tempDir();
    const file = join(cbdir, PID_FILE_NAME);
    const pid = (await bystander()).pid as number;
    await writeFile(file, JSON.stringify({ pid, started: 'another-boot:1', argv: [], options: {} }));
    expect(await runningNode(cbdir)).toBeUndefined();
    await expect(readFile(file)).rejects.toThrow(/ENOENT/);

    // The same process with its own start time is the running node.
    await writeFile(file, JSON.stringify({ pid, started: processStarted(pid), argv: ['x'], options: {} }));
    expect((await runningNode(cbdir))?.pid).toBe(pid);

    // What `start` writes carries this process's start time.
    await writePidFile(cbdir, { argv: [], options: {} });
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({
      pid: process.pid,
      started: processStarted(process.pid),
    });
  });

  it('takes over a store lock naming a live process with another start time, and refuses one naming it rightly', async () => {
    const directory = await tempDir();
    const file = join(directory, STORE_LOCK_NAME);
    const pid = (await bystander()).pid as number;
    await writeFile(file, JSON.stringify({ pid, started: 'another-boot:1' }));
    const lock = await lockStore(directory);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
      pid: process.pid,
      started: processStarted(process.pid),
    });
    await lock.release();

    await writeFile(file, JSON.stringify({ pid, started: processStarted(pid) }));
    await expect(lockStore(directory)).rejects.toThrow(
      `realm store ${directory} is in use by process ${pid} (lock file ${file})`,
    );

    // This very PID, left by an earlier process (a container's node is PID 1 at every start).
    await writeFile(file, JSON.stringify({ pid: process.pid, started: 'another-boot:1' }));
    const again = await lockStore(directory);
    await expect(lockStore(directory)).rejects.toThrow(`realm store ${directory} is already used by another realm`);
    await again.release();
  });
});
