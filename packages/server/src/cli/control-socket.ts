/**
 * The node's control socket, `node.sock` in the cbdir: a Unix socket that `interchange start`
 * opens beside its PID file, and that `interchange status` reads the node's live figures from
 * (sessions, messages, traffic, memory; see `metrics/node-activity.ts`). Each connection gets
 * one JSON document and is closed; nothing is read from the client. The socket is for the user
 * who runs the node: it is created with mode 0600 and never listens on the network.
 */
import { chmod, rm } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { join, relative } from 'node:path';
import type { Logger } from '../logger.js';
import type { ActivitySnapshot } from '../metrics/node-activity.js';
import type { WorkerStatus } from './worker-status.js';

/** The control socket's name in the cbdir. */
export const CONTROL_SOCKET_NAME = 'node.sock';

/** What the socket answers. */
export interface ControlAnswer {
  pid: number;
  /** Undefined while the node is still starting, and in the primary of several worker processes. */
  activity: ActivitySnapshot | undefined;
  /** A node of several processes (worker-status.ts): each worker's figures. */
  workers?: WorkerStatus[];
}

/**
 * Unix socket paths are limited to about 100 bytes (sockaddr_un); a longer cbdir path is reached
 * relative to the working directory when that is short enough.
 */
const MAX_SOCKET_PATH = 100;

/** The path to use for the control socket of `cbdir`, or undefined when it is too long either way. */
export function controlSocketPath(cbdir: string, cwd = process.cwd()): string | undefined {
  const absolute = join(cbdir, CONTROL_SOCKET_NAME);
  if (Buffer.byteLength(absolute) <= MAX_SOCKET_PATH) return absolute;
  const short = relative(cwd, absolute);
  return Buffer.byteLength(short) <= MAX_SOCKET_PATH ? short : undefined;
}

/** A listening control socket. */
export interface ControlSocket {
  close(): Promise<void>;
}

/**
 * Opens the control socket of a node started from `cbdir`. Resolves to undefined (after a
 * warning) when it cannot: the node runs on, only `status` shows fewer figures.
 */
export async function openControlSocket(
  cbdir: string,
  answer: () => ControlAnswer | Promise<ControlAnswer>,
  logger: Logger,
): Promise<ControlSocket | undefined> {
  const path = controlSocketPath(cbdir);
  if (path === undefined) {
    logger.warn({ cbdir }, 'node directory path too long for a control socket; "interchange status" shows no figures');
    return undefined;
  }
  const server: Server = createServer((socket) => {
    socket.on('error', () => socket.destroy());
    Promise.resolve()
      .then(answer)
      .then(
        (value) => socket.end(`${JSON.stringify(value)}\n`),
        (error: unknown) => {
          logger.error({ err: error }, 'control socket answer failed');
          socket.destroy();
        },
      );
  });
  // The PID file says no node runs here, so a socket file left over is a dead node's.
  await rm(path, { force: true });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    await chmod(path, 0o600);
  } catch (error) {
    logger.warn({ err: error, path }, 'cannot open the control socket; "interchange status" shows no figures');
    server.close();
    return undefined;
  }
  server.on('error', (error) => logger.error({ err: error }, 'control socket error'));
  return {
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(path, { force: true });
    },
  };
}

/** Asks the node running from `cbdir` for its figures; undefined when it does not answer in `timeoutMs`. */
export function readControlSocket(cbdir: string, timeoutMs = 2000): Promise<ControlAnswer | undefined> {
  const path = controlSocketPath(cbdir);
  if (path === undefined) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    let text = '';
    const socket = connect({ path });
    const done = (value: ControlAnswer | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('end', () => {
      try {
        done(JSON.parse(text) as ControlAnswer);
      } catch {
        done(undefined);
      }
    });
    socket.on('error', () => done(undefined));
  });
}
