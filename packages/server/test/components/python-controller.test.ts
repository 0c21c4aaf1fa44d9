/**
 * `expose_controller` for Python components: an asyncio router component of a fixture in Crossbar's
 * format (test/fixtures/python-controller) asks the node's controller about the node through
 * `config.controller.call(...)`, then calls `crossbar.shutdown`, and `interchange start` exits
 * cleanly (code 0), as a Crossbar node does.
 */
import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const FIXTURE = fileURLToPath(new URL('../fixtures/python-controller', import.meta.url));
const CLI = fileURLToPath(new URL('../../bin/interchange.js', import.meta.url));

/** Runs `interchange start` until it exits by itself; its exit code and log lines. */
function runNode(
  cbdir: string,
  more: string[] = [],
): Promise<{ code: number | null; lines: { msg?: string; [key: string]: unknown }[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'start', '--cbdir', cbdir, ...more], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the node did not stop by itself:\n${out}`));
    }, 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const lines = out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { msg?: string });
      resolve({ code, lines });
    });
  });
}

/** What the component reported (`REPORT {...}` lines it printed), merged. */
function reports(lines: { msg?: string }[]): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const line of lines) {
    const at = line.msg?.indexOf('REPORT ') ?? -1;
    if (at >= 0) Object.assign(merged, JSON.parse((line.msg as string).slice(at + 'REPORT '.length)));
  }
  return merged;
}

describe('a Python component with expose_controller', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  async function fixtureCopy(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'interchange-controller-'));
    dirs.push(dir);
    await cp(FIXTURE, dir, { recursive: true });
    return join(dir, '.crossbar');
  }

  it('asks the controller about the node, then stops it with crossbar.shutdown: exit code 0', async () => {
    const cbdir = await fixtureCopy();
    const { code, lines } = await runNode(cbdir);
    const nodePid = lines.find((l) => l.msg === 'starting node')?.pid;
    const seen = reports(lines);
    expect(seen.status).toMatchObject({
      title: expect.stringMatching(/^Interchange /),
      controller_pid: nodePid,
      running_workers: 1,
      workers_by_type: { router: 1 },
      directory: cbdir,
    });
    expect(seen.workers).toEqual(['worker001']);
    expect(seen.shared).toEqual([]);
    expect(seen.worker).toMatchObject({ id: 'worker001', type: 'router', pid: nodePid, status: 'started' });
    expect(seen.uptime).toEqual(expect.any(Number));
    expect(seen['crossbar.get_worker']).toBe('crossbar.error.no_such_worker');
    // Crossbar's controller has it; Interchange's does not, and says so as Crossbar would.
    expect(seen['crossbar.start_worker']).toBe('wamp.error.no_such_procedure');
    expect(seen.shutdown).toMatchObject({
      node_id: 'ctl-node',
      restart: false,
      who: 'worker001/stopper',
      was_clean: true,
    });
    // The component got its answer and left by itself; then the node stopped, cleanly.
    const messages = lines.map((l) => l.msg);
    expect(messages).toContain('[stopper] left: wamp.close.normal');
    expect(messages.indexOf('[stopper] left: wamp.close.normal')).toBeLessThan(messages.indexOf('node stopped'));
    expect(code).toBe(0);
  }, 90_000);

  it('stops a node of several processes as a whole, with exit code 0 (start --workers 2)', async () => {
    const { code, lines } = await runNode(await fixtureCopy(), ['--workers', '2']);
    const messages = lines.map((l) => l.msg);
    expect(messages).toContain('stopping the workers');
    expect(messages).not.toContain('a worker ended; stopping the node');
    expect(code).toBe(0);
  }, 90_000);
});
