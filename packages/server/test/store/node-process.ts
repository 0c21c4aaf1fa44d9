/**
 * A real node process for the store tests: the built CLI, `interchange start --cbdir DIR`, as a
 * user runs it, so SIGKILL hits a process and nothing of the test's own process survives it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { workerConfig } from '../helpers.js';

const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/** A running node, or one that failed to start. */
export interface NodeProcess {
  readonly child: ChildProcess;
  /** The WebSocket URL of its transport, once it listens. */
  readonly url: Promise<string>;
  /** Exit code and signal, once it exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Its JSON log lines so far. */
  readonly log: Record<string, unknown>[];
  stderr(): string;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
}

/** A node config with one router worker, realm `realm1` with `store`, a WebSocket transport on port 0. */
export function storeNodeConfig(store: Record<string, unknown>): Record<string, unknown> {
  return workerConfig([{ type: 'websocket', endpoint: { type: 'tcp', port: 0, interface: '127.0.0.1' } }], {
    realms: [{ name: 'realm1', store }],
  });
}

/** Writes `config` as DIR/config.json. */
export async function writeNodeConfig(cbdir: string, config: Record<string, unknown>): Promise<void> {
  await mkdir(cbdir, { recursive: true });
  await writeFile(join(cbdir, 'config.json'), JSON.stringify(config));
}

/** Starts `interchange start --cbdir DIR`. */
export function startNode(cbdir: string): NodeProcess {
  const child = spawn(process.execPath, [CLI, 'start', '--cbdir', cbdir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const log: Record<string, unknown>[] = [];
  const url = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      log.push(entry);
      if (entry.msg === 'transport listening') resolve((entry.websocket as string[])[0]!);
    });
    void exited.then((result) => reject(new Error(`node exited: ${JSON.stringify(result)} ${stderr}`)));
  });
  url.catch(() => {});
  return {
    child,
    url,
    exited,
    log,
    stderr: () => stderr,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
