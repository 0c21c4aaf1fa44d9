/**
 * Helpers for the advanced-profile end-to-end tests: sessions of our typed client, and waiting
 * for something to happen without fixed sleeps.
 */
import { connect, type SerializerName, type Session } from '@interchange/client';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startTestNode, type TestNode } from './test-node.js';

/** Opens `count` sessions to `url` on `realm1`, each joined. */
export async function openSessions(
  url: string,
  count: number,
  serializer: SerializerName = 'json',
): Promise<Session[]> {
  const sessions: Session[] = [];
  for (let i = 0; i < count; i++) sessions.push(await connect({ url, realm: 'realm1', serializers: [serializer] }));
  return sessions;
}

/** Leaves every session that is still open. */
export async function leaveAll(sessions: readonly Session[]): Promise<void> {
  await Promise.all(sessions.filter((s) => s.isOpen).map((s) => s.leave()));
}

/**
 * Resolves once `check` returns something other than `undefined` or `false`, polling on the
 * event loop; rejects after `timeoutMs` (a safety net, not a timing assertion).
 */
export async function eventually<T>(check: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A promise and its resolve function, for "the handler has started" signals. */
export function signal<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * The fixture most advanced-profile test files share: one node for the file, and sessions opened
 * per test that are left after each test. Call at the top level of a test file.
 *
 * @example
 * const { open } = useNodeWithSessions();
 * it('...', async () => { const [a, b] = await open(2); ... });
 */
export function useNodeWithSessions(): {
  open(count: number, serializer?: SerializerName): Promise<Session[]>;
  url(): string;
} {
  let node: TestNode | undefined;
  let sessions: Session[] = [];
  beforeAll(async () => {
    node = await startTestNode();
  });
  afterAll(async () => {
    await node?.stop();
  });
  afterEach(async () => {
    await leaveAll(sessions);
    sessions = [];
  });
  const url = (): string => {
    if (node === undefined) throw new Error('the node has not started yet');
    return node.url;
  };
  return {
    url,
    async open(count: number, serializer: SerializerName = 'json'): Promise<Session[]> {
      const opened = await openSessions(url(), count, serializer);
      sessions.push(...opened);
      return opened;
    },
  };
}
