/**
 * A node process that a test kills and starts again on the same port, and a Connection to it
 * that retries fast and records what it opened and why it closed: the set-up of the
 * reconnection tests (client-router.test.ts, client-resubscribe.test.ts).
 */
import type { ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import {
  Connection,
  type ConnectionCloseDetails,
  type Session,
  type TypedConnectionOptions,
} from '@interchange/client';
import { killNodeProcess, startNodeOnFreePort, startNodeProcess } from './node-process.js';

/** Retry settings that bring a Connection back within a fraction of a second of its node. */
export const FAST_RETRY = {
  initial_retry_delay: 0.05,
  max_retry_delay: 0.2,
  retry_delay_jitter: 0,
  max_retries: 100,
} as const;

export interface RestartingNode {
  /** The WebSocket URL, the same across restarts. */
  readonly url: string;
  /** The node's current process. */
  readonly child: ChildProcess;
  /** Kills the process outright: no GOODBYE, the transport is simply lost. */
  kill(): Promise<void>;
  /** Starts a new process on the same port and cbdir (the old one must be gone). */
  restart(): Promise<void>;
  /** Kills the process and removes its cbdir. */
  stop(): Promise<void>;
}

/** Starts a one-realm node (realm1) on a free port of 127.0.0.1. */
export async function startRestartingNode(): Promise<RestartingNode> {
  const started = await startNodeOnFreePort();
  const { port, cbdir } = started;
  let child = started.child;
  return {
    url: `ws://127.0.0.1:${port}/`,
    get child() {
      return child;
    },
    kill: () => killNodeProcess(child),
    async restart() {
      child = await startNodeProcess(cbdir, port);
    },
    async stop() {
      await killNodeProcess(child);
      await rm(cbdir, { recursive: true, force: true });
    },
  };
}

export interface WatchedConnection {
  readonly connection: Connection;
  /** Every session the connection opened, in order. */
  readonly opened: Session[];
  /** Every close the connection reported, in order. */
  readonly closes: { reason: string; details: ConnectionCloseDetails }[];
  /** Resolves when the connection opens its next session; call it before causing that. */
  nextOpen(): Promise<void>;
}

/**
 * A Connection to realm1 at `url` with {@link FAST_RETRY} and `options`, not opened yet, whose
 * `onopen` and `onclose` record what happened (`onclose` lets it retry).
 */
export function watchConnection(url: string, options: Partial<TypedConnectionOptions> = {}): WatchedConnection {
  const connection = new Connection({ url, realm: 'realm1', ...FAST_RETRY, ...options });
  const opened: Session[] = [];
  const closes: { reason: string; details: ConnectionCloseDetails }[] = [];
  let sessionOpened: () => void = () => {};
  connection.onopen = (session) => {
    opened.push(session);
    sessionOpened();
  };
  connection.onclose = (reason, details) => {
    closes.push({ reason, details });
    return false;
  };
  const nextOpen = (): Promise<void> =>
    new Promise((resolve) => {
      sessionOpened = resolve;
    });
  return { connection, opened, closes, nextOpen };
}
