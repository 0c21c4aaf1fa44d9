/**
 * Runs `interchange start` as a child process on a given port, so a test can kill the node
 * outright (SIGKILL: no GOODBYE, the transport is simply lost) and start it again.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../../packages/server/bin/interchange.js', import.meta.url));

/** A port that was free a moment ago, found by binding port 0 and letting it go. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Writes a one-realm config listening on 127.0.0.1:`port` into a fresh cbdir. */
export async function writeNodeConfig(port: number): Promise<string> {
  const cbdir = await mkdtemp(join(tmpdir(), 'interchange-e2e-'));
  const config = {
    version: 2,
    workers: [
      {
        type: 'router',
        realms: [{ name: 'realm1' }],
        transports: [{ type: 'websocket', endpoint: { type: 'tcp', port, interface: '127.0.0.1' } }],
      },
    ],
  };
  await writeFile(join(cbdir, 'config.json'), JSON.stringify(config));
  return cbdir;
}

/** Starts the node and resolves once it accepts connections on `port`. */
export async function startNodeProcess(cbdir: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [cli, 'start', '--cbdir', cbdir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the node exited with ${child.exitCode}`);
    const reachable = await fetch(`http://127.0.0.1:${port}/`).then(
      () => true,
      () => false,
    );
    if (reachable) return child;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  throw new Error('the node did not start listening in time');
}

/** Kills the node without letting it say GOODBYE, and waits for it to be gone. */
export function killNodeProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
