/**
 * Runs `interchange start` as a child process on a given port, so a test can kill the node
 * outright (SIGKILL: no GOODBYE, the transport is simply lost) and start it again.
 *
 * The port has to be known before the node starts (the test restarts it on the same one), so it
 * is found by binding port 0 and letting it go; another process may take it in between. Starting
 * therefore recognises EADDRINUSE and retries: on a new port when the caller may change it
 * ({@link startNodeOnFreePort}), on the same port, briefly, when it may not.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { routerConfig } from './config-node.js';

const cli = fileURLToPath(new URL('../../../packages/server/bin/interchange.js', import.meta.url));

/** The node could not listen because its port was taken. */
export class AddressInUseError extends Error {
  constructor(readonly port: number) {
    super(`port ${port} is already in use`);
    this.name = 'AddressInUseError';
  }
}

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
  const config = routerConfig(
    [{ name: 'realm1' }],
    [{ type: 'websocket', endpoint: { type: 'tcp', port, interface: '127.0.0.1' } }],
  );
  await writeFile(join(cbdir, 'config.json'), JSON.stringify(config));
  return cbdir;
}

/**
 * Starts the node once and resolves when it reports its transport listening on `port`; rejects
 * with {@link AddressInUseError} when the port was taken. Readiness comes from the node's own log
 * (pino JSON on stdout), not from probing the port: a probe would also succeed against whatever
 * process took the port.
 */
function startOnce(cbdir: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [cli, 'start', '--cbdir', cbdir], { stdio: ['ignore', 'pipe', 'pipe'] });
  // Both pipes are read to the end, or a chatty node would block on a full pipe; what comes
  // before the node listens is kept for the error message.
  let output = '';
  let started = false;
  const keep = (text: string): void => {
    if (!started) output += text;
  };
  child.stderr?.on('data', (chunk: Buffer) => keep(chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the node did not start listening in time:\n${output}`));
    }, 15_000);
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      keep(`${line}\n`);
      if (!started && isListeningOn(line, port)) {
        started = true;
        clearTimeout(timer);
        resolve(child);
      }
    });
    // `close`, not `exit`: by then both pipes are drained, so the output is complete.
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (started) return;
      if (output.includes('EADDRINUSE')) reject(new AddressInUseError(port));
      else reject(new Error(`the node exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
}

/** Whether a log line is the node's "transport listening" record for `port`. */
function isListeningOn(line: string, port: number): boolean {
  try {
    const record = JSON.parse(line) as { msg?: unknown; port?: unknown };
    return record.msg === 'transport listening' && record.port === port;
  } catch {
    return false;
  }
}

/**
 * Starts the node on `port` and resolves once it accepts connections there. The port is kept:
 * when it is taken (a restart racing the old socket's release, or another process), this retries
 * on the same port a few times before giving up with {@link AddressInUseError}.
 */
export async function startNodeProcess(cbdir: string, port: number, attempts = 10): Promise<ChildProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(cbdir, port);
    } catch (error) {
      if (!(error instanceof AddressInUseError) || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** A node process with the port and cbdir it was started with. */
export interface NodeProcess {
  child: ChildProcess;
  port: number;
  cbdir: string;
}

/**
 * Starts the node on a port found free, trying another port (and cbdir) when the one found was
 * taken before the node could bind it. The caller removes `cbdir` when done.
 */
export async function startNodeOnFreePort(attempts = 5): Promise<NodeProcess> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const cbdir = await writeNodeConfig(port);
    try {
      return { child: await startOnce(cbdir, port), port, cbdir };
    } catch (error) {
      await rm(cbdir, { recursive: true, force: true });
      if (!(error instanceof AddressInUseError) || attempt >= attempts) throw error;
    }
  }
}

/** Kills the node without letting it say GOODBYE, and waits for it to be gone. */
export function killNodeProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
